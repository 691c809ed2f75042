"""URLs: the staff site (viewflow Material), login and its second factor,
language switch, admin."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog, set_language
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from roles.accounts.views import SetupView, VerifyView
from workflows.audit.viewsets import AuditApp
from workflows.benefits.viewsets import RegisterApp
from workflows.clock.viewsets import CalendarApp
from workflows.core.pages import home
from workflows.dataio.viewsets import ImportsApp
from workflows.jobs.viewsets import JobsApp
from workflows.monitoring.viewsets import FeedsApp
from workflows.notify.viewsets import NotificationsApp
from workflows.work.viewsets import WorkApp


def programme_viewsets():
    """The programmes' applications of the staff site, in the order their
    apps declare them (``AppConfig.site_viewsets()``): a programme's app
    registers its own pages."""
    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        declare = getattr(config, "site_viewsets", None)
        if declare is not None:
            found += declare()
    return found


site = Site(
    title=_("枣庄市社会救助审核确认系统"),
    primary_color="#b71c1c",
    secondary_color="#5d4037",
    viewsets=[
        *programme_viewsets(),
        RegisterApp(),
        WorkApp(),
        CalendarApp(),
        AuditApp(),
        NotificationsApp(),
        ImportsApp(),
        FeedsApp(),
        JobsApp(),
    ],
)

admin.site.site_header = _("枣庄市社会救助审核确认系统 · 管理")
admin.site.site_title = _("社会救助管理")

urlpatterns = [
    path("", home, name="home"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path(
        "jsi18n/",
        login_not_required(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    # the second factor of privileged accounts (roles.accounts)
    path("accounts/otp/", VerifyView.as_view(), name="otp_verify"),
    path("accounts/otp/setup/", SetupView.as_view(), name="otp_setup"),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("admin/", admin.site.urls),
    path("", site.urls),
]
