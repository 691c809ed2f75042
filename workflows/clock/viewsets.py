"""The working-day calendar as an application of the staff site (工作日历),
for whoever maintains it (the city's administrator)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .selectors import may_maintain_calendar
from .views import CalendarView


class CalendarApp(Application):
    app_name = "calendar"
    title = _("工作日历")
    icon = "event"
    menu_template_name = "workflows/clock/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return may_maintain_calendar(user)

    @property
    def index_path(self):
        return path("", CalendarView.as_view(), name="index")
