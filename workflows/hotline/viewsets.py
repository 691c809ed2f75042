"""The hotline app in the staff site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import pages, progress


class HotlineAppViewset(CaseAppViewset):
    menu_template_name = "workflows/hotline/menu.html"
    inbox_view_class = pages.InboxView
    queue_view_class = pages.QueueView
    archive_view_class = pages.ArchiveView
    process_list_view_class = pages.CallListView
    process_detail_view_class = pages.CallDetailView
    start_node = "register"
    start_label = _("登记来电")
    menu_title = _("社会救助热线")

    @property
    def progress_path(self):
        return path("progress/", progress.ProgressView.as_view(), name="progress")

    def get_context_data(self, request):
        return {
            **super().get_context_data(request),
            "progress_url": self.reverse("progress")
            if request.user.has_perm(progress.LOOKUP)
            else None,
        }
