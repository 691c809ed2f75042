"""Login throttling on django-axes: per account, and per client address.

Axes compares one failure count with one limit. We need two: an account
locks after ``LOGIN_FAILURES_PER_ACCOUNT`` failures from anywhere (guessing
one person's password from many places), a client address only after
``LOGIN_FAILURES_PER_ADDRESS`` failures for any accounts (trying many
accounts from one place) — a whole office behind one NAT must not be locked
out by one person's typos. ``ThrottleHandler`` counts both within the
cool-off window and reports the account limit as reached when either is.

A locked address does not stop an account *known at that address*: one that
logged in successfully from it within ``LOGIN_KNOWN_ADDRESS_DAYS``
(``known_at_address``). Someone behind an office's NAT who tries fifty
made-up names locks the address for made-up and unfamiliar names only; the
colleagues who work there every day still log in, each still bound by their
own account's limit.

Axes is the gate (its backend refuses a locked login before the password is
checked, on the staff login and the admin login alike); ``Lockout`` rows are
the record, written when axes signals a lockout.

The username axes counts and records is the one typed, cut to the longest a
login can have (``client_username``): a longer one names no account, and
axes' own columns would overflow (a 500 on PostgreSQL, nothing counted).
"""

import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from ..account_models import Lockout


def client_address(request):
    """The client's address as the throttle sees it (``TRUSTED_PROXIES``):
    the one rule for every record that names where a request came from."""
    return get_client_ip_address(request)


def client_username(request, credentials=None):
    """``AXES_USERNAME_CALLABLE``: the username tried, at most as long as a
    login can be (no account has a longer one; axes' columns hold 255)."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    longest = get_user_model()._meta.get_field("username").max_length
    return str(username)[:longest]


def _sum(attempts):
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def failure_counts(request, credentials=None):
    """``(account, address)``: failed logins within the cool-off window for
    the account being tried (from any address) and from this address (for
    any account)."""
    AxesProxyHandler.update_request(request)
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=get_cool_off_threshold(request)
    )
    username = get_client_username(request, credentials)
    account = _sum(recent.filter(username=username)) if username else 0
    address = _sum(recent.filter(ip_address=request.axes_ip_address))
    return account, address


def known_since(now=None):
    """Logins since this moment make an account known at their address."""
    return (now or timezone.now()) - datetime.timedelta(
        days=settings.LOGIN_KNOWN_ADDRESS_DAYS
    )


def known_at_address(username, address, now=None) -> bool:
    """Whether ``username`` logged in successfully from ``address`` within
    ``LOGIN_KNOWN_ADDRESS_DAYS`` (axes' login log): such an account is not
    stopped by a lockout of that address."""
    if not (username and address and settings.LOGIN_KNOWN_ADDRESS_DAYS > 0):
        return False
    return AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=known_since(now)
    ).exists()


def account_limit(request, credentials=None):
    """``AXES_FAILURE_LIMIT``: the account's limit (the address's is folded
    into the count by ``ThrottleHandler.get_failures``)."""
    return settings.LOGIN_FAILURES_PER_ACCOUNT


class ThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with separate account and address limits."""

    def get_failures(self, request, credentials=None):
        """The account's failures; the account limit once the address has
        reached its own (much higher) limit, unless the account is known at
        the address."""
        account, address = failure_counts(request, credentials)
        if address >= settings.LOGIN_FAILURES_PER_ADDRESS and not known_at_address(
            get_client_username(request, credentials), request.axes_ip_address
        ):
            return max(account, settings.LOGIN_FAILURES_PER_ACCOUNT)
        return account

    def reset_user_attempts(self, request, credentials=None):
        """After a successful login, forget the account's own failures only:
        a colleague's login must not wipe the failures counted against a
        shared address."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def locked_kinds(request, credentials=None):
    """Which limits stop this login, with their failure counts: the
    account's, the address's (unless the account is known at the address),
    or both."""
    account, address = failure_counts(request, credentials)
    kinds = {}
    if account >= settings.LOGIN_FAILURES_PER_ACCOUNT:
        kinds[Lockout.Kind.ACCOUNT] = account
    if address >= settings.LOGIN_FAILURES_PER_ADDRESS and not known_at_address(
        get_client_username(request, credentials), request.axes_ip_address
    ):
        kinds[Lockout.Kind.ADDRESS] = address
    return kinds


@receiver(user_locked_out, dispatch_uid="roles-record-lockout")
def record_lockout(sender, request, username, ip_address, **kwargs):
    """Write a ``Lockout`` when a limit is first reached. Axes signals again
    on every refused attempt during the lockout; those add nothing."""
    credentials = getattr(request, "axes_credentials", None)
    now = timezone.now()
    active = Lockout.objects.active(now)
    for kind, failures in locked_kinds(request, credentials).items():
        if kind == Lockout.Kind.ACCOUNT:
            if active.filter(kind=kind, username=username).exists():
                continue
        elif active.filter(kind=kind, ip_address=ip_address).exists():
            continue
        user = get_user_model().objects.filter(username=username).first()
        Lockout.objects.create(
            kind=kind,
            username=(username or "")[:150],
            user=user,
            ip_address=ip_address,
            path=request.path[:255],
            failures=failures,
            locked_at=now,
            until=now + get_cool_off(request),
        )


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (HTTP 429), in the user's language."""
    username = get_client_username(request, credentials) or ""
    lockouts = Lockout.objects.active().filter(
        kind=Lockout.Kind.ACCOUNT, username=username
    )
    if not known_at_address(username, request.axes_ip_address):
        lockouts |= Lockout.objects.active().filter(
            kind=Lockout.Kind.ADDRESS, ip_address=request.axes_ip_address
        )
    until = max(
        (lockout.until for lockout in lockouts),
        default=timezone.now() + get_cool_off(request),
    )
    by_address = any(lo.kind == Lockout.Kind.ADDRESS for lo in lockouts)
    return render(
        request,
        "registration/locked_out.html",
        {"until": until, "by_address": by_address, "username": username},
        status=429,
    )
