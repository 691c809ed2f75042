"""Imports as an application of the staff site (数据导入): shown to those who
may run an import somewhere."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .kinds import kinds_for
from .views import CommitView, ImportsView, RunView, TemplateDownloadView, UploadView


class ImportsApp(Application):
    app_name = "imports"
    title = _("数据导入")
    icon = "upload_file"
    menu_template_name = "workflows/dataio/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and bool(kinds_for(user))

    @property
    def index_path(self):
        return path("", ImportsView.as_view(), name="index")

    @property
    def upload_path(self):
        return path("new/<str:kind>/", UploadView.as_view(), name="upload")

    @property
    def template_path(self):
        return path(
            "template/<str:kind>/", TemplateDownloadView.as_view(), name="template"
        )

    @property
    def run_path(self):
        return path("<int:run_pk>/", RunView.as_view(), name="run")

    @property
    def commit_path(self):
        return path("<int:run_pk>/commit/", CommitView.as_view(), name="commit")
