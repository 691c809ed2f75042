"""The supervisor's workspace as an application of the staff site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from roles.accounts import views as account_views
from roles.workspace import managed_paths

from . import views


class WorkApp(Application):
    app_name = "work"
    title = _("工作管理")
    icon = "supervisor_account"
    menu_template_name = "work/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and (
            user.is_superuser or bool(managed_paths(user))
        )

    @property
    def index_path(self):
        return path("", views.WorkloadView.as_view(), name="index")

    @property
    def queue_path(self):
        return path("queue/", views.TasksView.as_view(), name="queue")

    @property
    def overdue_path(self):
        return path("overdue/", views.OverdueView.as_view(), name="overdue")

    @property
    def person_path(self):
        return path("people/<int:person_pk>/", views.TasksView.as_view(), name="person")

    @property
    def reassign_path(self):
        return path("reassign/", views.ReassignView.as_view(), name="reassign")

    @property
    def unassign_path(self):
        return path("unassign/", views.UnassignView.as_view(), name="unassign")

    @property
    def absences_path(self):
        return path("absences/", views.AbsencesView.as_view(), name="absences")

    @property
    def grants_path(self):
        return path("grants/", views.GrantsView.as_view(), name="grants")

    @property
    def revoke_path(self):
        return path(
            "grants/<int:grant_pk>/revoke/", views.RevokeView.as_view(), name="revoke"
        )

    @property
    def lockouts_path(self):
        return path("lockouts/", account_views.LockoutsView.as_view(), name="lockouts")

    @property
    def release_path(self):
        return path(
            "lockouts/<int:lockout_pk>/release/",
            account_views.ReleaseView.as_view(),
            name="release",
        )
