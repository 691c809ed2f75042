"""Reads about accounts: the lockouts a supervisor may see and release."""

from axes.models import AccessLog
from django.db.models import Q

from ..account_models import Lockout
from ..workspace import staff_of
from .throttle import known_since


def staff_addresses(manager):
    """Client addresses from which staff of the manager's regions logged in
    within ``LOGIN_KNOWN_ADDRESS_DAYS`` (their offices), as a subquery."""
    return AccessLog.objects.filter(
        attempt_time__gte=known_since(),
        username__in=staff_of(manager).values("username"),
    ).values("ip_address")


def lockouts_in_scope(manager):
    """Lockouts a supervisor sees, newest first: account lockouts of the
    people working in their regions, and lockouts of the addresses those
    people logged in from recently (an office's NAT). All of them for a
    superuser."""
    lockouts = Lockout.objects.select_related("user", "released_by")
    if not manager.is_superuser:
        lockouts = lockouts.filter(
            Q(
                kind=Lockout.Kind.ACCOUNT,
                user__in=staff_of(manager).values("pk"),
            )
            | Q(kind=Lockout.Kind.ADDRESS, ip_address__in=staff_addresses(manager))
        )
    return lockouts.order_by("-locked_at", "-pk")
