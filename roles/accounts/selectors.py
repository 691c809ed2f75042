"""Reads about accounts: the lockouts a supervisor may see."""

from ..selectors_work import managed_people
from .models import Lockout


def lockouts_in_scope(manager):
    """Account lockouts of the people working in the manager's regions
    (all lockouts, addresses included, for a superuser), newest first."""
    lockouts = Lockout.objects.select_related("user", "released_by")
    if not manager.is_superuser:
        lockouts = lockouts.filter(
            kind=Lockout.Kind.ACCOUNT,
            user__in=managed_people(manager).values("pk"),
        )
    return lockouts.order_by("-locked_at", "-pk")
