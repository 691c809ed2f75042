"""The alerts app in the staff site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import pages, runs


class AlertAppViewset(CaseAppViewset):
    menu_template_name = "workflows/alerts/menu.html"
    inbox_view_class = pages.InboxView
    queue_view_class = pages.QueueView
    archive_view_class = pages.ArchiveView
    process_list_view_class = pages.AlertListView
    process_detail_view_class = pages.AlertDetailView
    menu_title = _("监测预警")

    @property
    def runs_path(self):
        return path("runs/", runs.RunsView.as_view(), name="runs")

    def get_context_data(self, request):
        return {
            **super().get_context_data(request),
            "runs_url": self.reverse("runs")
            if request.user.has_perm(runs.RUN)
            else None,
        }
