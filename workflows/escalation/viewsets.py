"""The escalation app in the staff site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import pages


class EscalationAppViewset(CaseAppViewset):
    """Escalations start from a referral on another case, not from the menu."""

    menu_template_name = "workflows/escalation/menu.html"
    inbox_view_class = pages.InboxView
    queue_view_class = pages.QueueView
    archive_view_class = pages.ArchiveView
    process_list_view_class = pages.EscalationListView
    process_detail_view_class = pages.EscalationDetailView
    menu_title = _("提级复审（一事一议）")
    # No "cancel the whole process": an escalation ends on the record — the town
    # handles it, or the meeting decides (also "不予救助" / "转有关部门") — so that
    # the units' grants are withdrawn and a waiting 低保 case is told the outcome.
    process_cancel_path = None

    @property
    def common_problems_path(self):
        return path(
            "common-problems/",
            pages.CommonProblemListView.as_view(),
            name="common_problems",
        )

    def get_context_data(self, request):
        return {
            **super().get_context_data(request),
            "common_problems_url": self.reverse("common_problems")
            if request.user.has_perm("workflows.view_common_problems")
            else None,
        }
