"""Notifications as an application of the staff site: everyone has one."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .views import MarkReadView, NotificationsView


class NotificationsApp(Application):
    app_name = "notifications"
    title = _("消息通知")
    icon = "notifications"
    menu_template_name = "workflows/notify/menu.html"
    base_template_name = "workflows/base.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    @property
    def index_path(self):
        return path("", NotificationsView.as_view(), name="index")

    @property
    def read_path(self):
        return path("read/", MarkReadView.as_view(), name="read")
