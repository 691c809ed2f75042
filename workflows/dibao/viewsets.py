"""The 低保 app in the staff site: the flow's pages with scoped lists."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import pages, roster


class DibaoAppViewset(CaseAppViewset):
    """Inbox, queue, archive, cases, roster and case pages of the 低保 flow."""

    menu_template_name = "workflows/dibao/menu.html"
    inbox_view_class = pages.InboxView
    queue_view_class = pages.QueueView
    archive_view_class = pages.ArchiveView
    process_list_view_class = pages.CaseListView
    process_detail_view_class = pages.CaseDetailView
    start_node = "apply"
    start_label = _("新建申请")
    menu_title = _("低保审核确认")

    @property
    def roster_path(self):
        return path("roster/", roster.RosterView.as_view(), name="roster")

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
