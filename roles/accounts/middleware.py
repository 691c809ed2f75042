"""Every page: session limits, the second factor, no caching.

- ``SessionLimitMiddleware`` ends a session after ``SESSION_IDLE_TIMEOUT``
  without a request or ``SESSION_ABSOLUTE_LIMIT`` after login, and sends the
  person to the login page with a message.
- ``SecondFactorMiddleware`` lets a privileged account (``second_factor``)
  reach nothing but the second-factor pages until it has given a code: the
  staff site and the Django admin alike.
- ``NoStoreMiddleware``: what a signed-in person sees (case pages, tasks,
  audit pages, exports) is never kept in a browser or proxy cache. Static
  files never reach it (WhiteNoise answers them first).
"""

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .second_factor import second_factor_required
from .services import device_of

LOGIN_AT = "zz_login_at"
SEEN_AT = "zz_seen_at"
# the last-seen time is written at most this often (seconds): one session
# write per minute of activity, not one per request
SEEN_RESOLUTION = 60


@receiver(user_logged_in, dispatch_uid="roles-session-login-time")
def stamp_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


def session_end_reason(session, now):
    """Why the session is over (a message), or None while it may go on."""
    started, seen = session.get(LOGIN_AT), session.get(SEEN_AT)
    if started is not None and now - started > (
        settings.SESSION_ABSOLUTE_LIMIT.total_seconds()
    ):
        return _("登录已超过 %(hours)s 小时，请重新登录。") % {
            "hours": int(settings.SESSION_ABSOLUTE_LIMIT.total_seconds() // 3600)
        }
    if seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
        return _("超过 %(minutes)s 分钟未操作，已自动退出，请重新登录。") % {
            "minutes": int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
        }
    return None


class SessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session, now = request.session, time.time()
            reason = session_end_reason(session, now)
            if reason:
                logout(request)
                messages.info(request, reason, fail_silently=True)
                return redirect_to_login(request.get_full_path())
            # sessions from before these limits start counting now
            session.setdefault(LOGIN_AT, now)
            if now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def open_paths(self):
        """What a signed-in person may reach before the second factor."""
        names = (
            "otp_verify",
            "otp_setup",
            "login",
            "logout",
            "admin:login",
            "admin:logout",
            "set_language",
            "javascript-catalog",
        )
        return {reverse(name) for name in names}

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and request.path not in self.open_paths
            and not user.is_verified()
            and second_factor_required(user)
        ):
            device = device_of(user)
            step = "otp_verify" if device and device.confirmed else "otp_setup"
            return HttpResponseRedirect(
                f"{reverse(step)}?next={quote(request.get_full_path())}"
            )
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
