"""Background jobs as an application of the staff site: everyone sees the
jobs they started themselves."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .views import JobProgressView, JobsView, JobView


class JobsApp(Application):
    app_name = "jobs"
    title = _("后台任务")
    icon = "hourglass_empty"
    menu_template_name = "workflows/jobs/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    @property
    def index_path(self):
        return path("", JobsView.as_view(), name="index")

    @property
    def detail_path(self):
        return path("<uuid:job_pk>/", JobView.as_view(), name="detail")

    @property
    def progress_path(self):
        return path(
            "<uuid:job_pk>/progress/", JobProgressView.as_view(), name="progress"
        )
