"""The auditor's workspace in the staff site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .views import AUDIT, SearchView, TimelineView


class AuditApp(Application):
    app_name = "audit"
    title = _("审计")
    icon = "policy"
    menu_template_name = "workflows/audit/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and user.has_perm(AUDIT)

    @property
    def index_path(self):
        return path("", SearchView.as_view(), name="index")

    @property
    def export_path(self):
        return path("export/<str:fmt>/", SearchView.as_view(), name="export")

    @property
    def timeline_path(self):
        return path("cases/<int:case_pk>/", TimelineView.as_view(), name="timeline")

    @property
    def timeline_export_path(self):
        return path(
            "cases/<int:case_pk>/export/<str:fmt>/",
            TimelineView.as_view(),
            name="timeline_export",
        )
