"""The low-income register (低收入人口) as an application of the staff site:
the register, the household pages and the standard raises."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import pages
from .selectors import VIEW_REGISTER


class RegisterApp(Application):
    app_name = "register"
    title = _("低收入人口")
    icon = "diversity_3"
    menu_template_name = "workflows/benefits/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and user.has_perm(VIEW_REGISTER)

    @property
    def index_path(self):
        return path("", pages.RegisterListView.as_view(), name="index")

    @property
    def household_path(self):
        return path(
            "households/<int:household_pk>/",
            pages.HouseholdView.as_view(),
            name="household",
        )

    @property
    def enter_path(self):
        return path(
            "households/<int:household_pk>/enter/",
            pages.RegisterEnterView.as_view(),
            name="enter",
        )

    @property
    def leave_path(self):
        return path(
            "households/<int:household_pk>/leave/",
            pages.RegisterLeaveView.as_view(),
            name="leave",
        )

    @property
    def raises_path(self):
        return path("raises/", pages.RaiseListView.as_view(), name="raises")

    @property
    def raise_path(self):
        return path(
            "raises/<int:raise_pk>/", pages.RaiseDetailView.as_view(), name="raise"
        )
