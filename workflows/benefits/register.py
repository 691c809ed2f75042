"""Staff entering a household in the low-income register by hand (a marginal
household or one in hardship found by staff) and taking an entry out, each
with its reason; the permission is checked here, on the household's region."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..base.context import because
from .models import RegisterEntry
from .selectors import CHANGE_REGISTER
from .services import register_enter

# a recipient's entry follows its benefit (granted, stopped): never by hand
BY_HAND = (RegisterEntry.Category.MARGINAL, RegisterEntry.Category.HARDSHIP)


@transaction.atomic
def register_entry_add(
    *,
    household,
    user,
    category: str,
    reason: str,
    since: datetime.date | None = None,
) -> RegisterEntry:
    """Enter ``household`` as marginal (低保边缘) or in hardship, found by
    staff, with the reason; an open entry of that class is refused."""
    if not user.has_perm(CHANGE_REGISTER, household):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors = {}
    if category not in BY_HAND:
        errors["category"] = _("只能手工纳入低保边缘家庭或刚性支出困难家庭。")
    if not reason:
        errors["reason"] = _("请写明纳入理由。")
    since = since or timezone.localdate()
    if since > timezone.localdate():
        errors["since"] = _("纳入日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    # two staff entering the same household at once: the second waits here
    # and is told it is in the register, never a database error
    type(household).objects.select_for_update().filter(pk=household.pk).first()
    if RegisterEntry.objects.filter(
        household=household, category=category, kind="", ended_on__isnull=True
    ).exists():
        raise ValidationError(_("该户已在名册中属此类别。"))
    with because(reason):
        return register_enter(
            household=household, category=category, since=since, note=reason
        )


@transaction.atomic
def register_entry_leave(
    *, entry: RegisterEntry, user, reason: str, on: datetime.date | None = None
) -> RegisterEntry:
    """Take an open marginal or hardship entry out of the register, with the
    reason (a recipient leaves when its benefit stops)."""
    if not user.has_perm(CHANGE_REGISTER, entry):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明移出理由。")})
    if entry.ended_on is not None:
        raise ValidationError(_("该记录已移出名册。"))
    if entry.category not in BY_HAND:
        raise ValidationError(_("在保对象随停保移出名册，不能手工移出。"))
    on = on or timezone.localdate()
    if on < entry.since:
        raise ValidationError({"on": _("移出日期不能早于纳入日期。")})
    entry.ended_on = on
    entry.note = reason
    entry.full_clean()
    with because(reason):
        entry.save()
    return entry
