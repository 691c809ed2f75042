from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    """Who may do what, where: regions, roles, posts and the permission rule."""

    name = "roles"
    verbose_name = _("人员与权限")

    def ready(self):
        # signal receivers: lockouts are recorded, login times stamped
        from .accounts import middleware, throttle  # noqa: F401
