"""The 低保 app in the staff site: the flow's pages with scoped lists."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowAppViewset

from roles.selectors import task_inbox, task_queue

from . import pages

MENU_COUNT_CAP = 99


def capped_count(queryset, cap=MENU_COUNT_CAP):
    """``"17"`` or ``"99+"``: a menu badge needs no exact count of a long list,
    and counting at most cap + 1 rows keeps it cheap at city scale."""
    count = queryset.order_by()[: cap + 1].count()
    return f"{cap}+" if count > cap else str(count)


class DibaoAppViewset(FlowAppViewset):
    """Inbox, queue, archive, cases, roster and case pages of the 低保 flow.

    Viewflow's own dashboard, task list and process list read unscoped
    querysets; they are replaced by scoped pages (or removed).
    """

    menu_template_name = "workflows/dibao/menu.html"
    base_template_name = "workflows/base.html"

    inbox_view_class = pages.InboxView
    queue_view_class = pages.QueueView
    archive_view_class = pages.ArchiveView
    process_list_view_class = pages.CaseListView
    process_detail_view_class = pages.CaseDetailView
    task_list_path = None  # viewflow's list of every task of the flow
    # viewflow's bulk assign/unassign (English-only messages); supervisors move
    # work in the 工作管理 app, with reasons
    tasks_assign_path = None
    tasks_unassign_path = None

    @property
    def index_path(self):
        return path(
            "", RedirectView.as_view(pattern_name=None, url="inbox/"), name="index"
        )

    @property
    def roster_path(self):
        return path("roster/", pages.RosterView.as_view(), name="roster")

    @property
    def reveal_path(self):
        return path(
            "<int:process_pk>/members/<int:member_pk>/reveal/",
            pages.RevealIdView.as_view(),
            name="reveal_id",
        )

    @property
    def objection_path(self):
        return path(
            "<int:process_pk>/objections/",
            pages.RecordObjectionView.as_view(),
            name="record_objection",
        )

    @property
    def extend_path(self):
        return path(
            "<int:process_pk>/extend/",
            pages.ExtendDeadlineView.as_view(),
            name="extend",
        )

    def get_context_data(self, request):
        user = request.user
        flow = self._flow_class
        return {
            "inbox_count": capped_count(
                task_inbox(user).filter(process__flow_class=flow)
            ),
            "queue_count": capped_count(
                task_queue(user).filter(process__flow_class=flow)
            ),
            "apply_url": flow.apply.reverse("execute")
            if flow.apply.can_execute(user)
            else None,
            "menu_title": _("低保审核确认"),
        }
