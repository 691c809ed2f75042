"""The shape every case app of the staff site shares."""

from django.urls import path
from django.views.generic import RedirectView
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset

from workflows.core.selectors import task_inbox, task_queue

from .views import CancelCaseView, CaseClockView

MENU_COUNT_CAP = 99


def capped_count(queryset, cap=MENU_COUNT_CAP):
    """``"17"`` or ``"99+"``: a menu badge needs no exact count of a long list,
    and counting at most cap + 1 rows keeps it cheap at city scale."""
    count = queryset.order_by()[: cap + 1].count()
    return f"{cap}+" if count > cap else str(count)


class CaseAppViewset(FlowAppViewset):
    """A flow's inbox, queue, archive, case list and case page, all scoped.

    Viewflow's own dashboard, task list and process list read unscoped
    querysets; a subclass names scoped pages instead, and the menu. It sets
    ``start_node`` and ``start_label`` when the menu offers a way to start a
    case, and ``menu_title``.
    """

    base_template_name = "workflows/base.html"
    task_list_path = None  # viewflow's list of every task of the flow
    # viewflow's bulk assign/unassign (English-only messages); supervisors move
    # work in the 工作管理 app, with reasons
    tasks_assign_path = None
    tasks_unassign_path = None
    # cancelling a whole case needs a reason and the district (or the town,
    # where delegated): the project's page, not viewflow's
    process_cancel_view_class = CancelCaseView
    start_node = None
    start_label = None
    menu_title = None
    # pausing the case's clocks while waiting for the applicant (where the
    # case model declares a PAUSE_PERMISSION)
    process_clock_view_class = CaseClockView

    @viewprop
    def process_clock_view(self):
        return self.process_clock_view_class.as_view(
            **self.filter_kwargs(self.process_clock_view_class)
        )

    @property
    def process_clock_path(self):
        return path(
            "<int:process_pk>/clock/", self.process_clock_view, name="process_clock"
        )

    @property
    def index_path(self):
        return path(
            "", RedirectView.as_view(pattern_name=None, url="inbox/"), name="index"
        )

    def get_context_data(self, request):
        user = request.user
        flow = self._flow_class
        start = getattr(flow, self.start_node) if self.start_node else None
        return {
            "inbox_count": capped_count(
                task_inbox(user).filter(process__flow_class=flow)
            ),
            # as the queue page lists it: without the cases the user may not handle
            "queue_count": capped_count(
                task_queue(user)
                .filter(process__flow_class=flow)
                .exclude(flow.instance.conflict_q(user))
            ),
            "start_url": start.reverse("execute")
            if start and start.can_execute(user)
            else None,
            "start_label": self.start_label,
            "menu_title": self.menu_title,
        }
