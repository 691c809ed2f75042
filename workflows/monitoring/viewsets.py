"""Departmental feeds as an application of the staff site (部门数据): shown to
the roles that import them."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .services import may_import_feeds
from .views import FeedCommitView, FeedsView, FeedTemplateView, FeedUploadView


class FeedsApp(Application):
    app_name = "feeds"
    title = _("部门数据")
    icon = "cloud_upload"
    menu_template_name = "workflows/monitoring/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and may_import_feeds(user)

    @property
    def index_path(self):
        return path("", FeedsView.as_view(), name="index")

    @property
    def upload_path(self):
        return path("upload/", FeedUploadView.as_view(), name="upload")

    @property
    def commit_path(self):
        return path("commit/", FeedCommitView.as_view(), name="commit")

    @property
    def template_path(self):
        return path("template/", FeedTemplateView.as_view(), name="template")
