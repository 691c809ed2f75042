"""Reading the benefits in force, scoped by the one permission rule."""

from roles.scope import region_q

from .models import Benefit


def benefits_visible_to(user, *, kind=None, perm):
    """Benefits (of programme ``kind``) in the regions where ``user`` holds
    ``perm`` (the programme's view permission)."""
    qs = Benefit.objects.select_related("case", "member", "region__parent")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if not user.is_superuser:
        qs = qs.filter(region_q(user, perm))
    return qs.order_by("region__path", "pk")
