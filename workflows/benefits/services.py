"""Writing the benefit in force and the low-income register: the one way
every programme does it.

A programme's decision puts a benefit in force (``benefit_grant``); a later
decision of the periodic review, a change report, a standard raise or a work
refusal changes its amount from a month (``benefit_amount_change``), suspends
and resumes it, schedules its gradual exit or stops it. Each write keeps its
history with the reason; each keeps the register (``register_enter`` /
``register_leave``) and the next review date in step. The permission and the
separation of duties are the calling programme's (its step's service checks
them before it calls here); these only keep the record consistent.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..base.context import because
from ..standards.models import ReviewClass, ReviewInterval
from .models import Benefit, BenefitAmount, RegisterEntry

Status = Benefit.Status


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months (the day clipped to the
    month's length: 31 January + 1 month is 28/29 February)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def district_of(region):
    """The district (区（市）) above a village or town region."""
    node = region
    while node is not None and node.level != "district":
        node = node.parent
    return node


def review_interval(*, region, review_class: str, on: datetime.date) -> int:
    """Months between reviews of ``review_class`` in the district of
    ``region`` on ``on`` (the dated parameter)."""
    district = district_of(region)
    row = (
        ReviewInterval.objects.in_force(on)
        .filter(district=district, review_class=review_class)
        .first()
    )
    if row is None:
        raise ValidationError(
            _("%(district)s 未设置 %(day)s 适用的“%(cls)s”复核周期，请管理员补充。")
            % {
                "district": district.name if district else "?",
                "day": on.isoformat(),
                "cls": ReviewClass(review_class).label,
            }
        )
    return row.months


@transaction.atomic
def benefit_review_schedule(
    *, benefit: Benefit, after: datetime.date, review_class: str | None = None
) -> Benefit:
    """Set the class (when given) and the next review date: ``after`` plus
    the class's interval in the benefit's district (S1 Art 31)."""
    if review_class is not None:
        benefit.review_class = review_class
    months = review_interval(
        region=benefit.region, review_class=benefit.review_class, on=after
    )
    benefit.next_review_on = add_months(after, months)
    benefit.full_clean()
    benefit.save()
    return benefit


@transaction.atomic
def benefit_grant(
    *,
    case,
    persons: int,
    monthly_amount,
    start_month: datetime.date,
    legal_basis: str,
    member=None,
    review_class: str = ReviewClass.STABLE,
) -> Benefit:
    """A case decided to give its household assistance from ``start_month``
    (the first of a month): put it in force, with the basis in words, its
    first amount, its place in the register and its first review date."""
    start = first_of_month(start_month)
    benefit = Benefit(
        case=case,
        kind=case.kind,
        household=case.household,
        region=case.region,
        member=member,
        persons=persons,
        monthly_amount=monthly_amount,
        start_month=start,
        legal_basis=legal_basis,
        review_class=review_class,
        next_review_on=add_months(
            start,
            review_interval(region=case.region, review_class=review_class, on=start),
        ),
    )
    benefit.full_clean()
    benefit.save()
    amount = BenefitAmount(
        benefit=benefit,
        from_month=start,
        monthly_amount=monthly_amount,
        persons=persons,
        reason=legal_basis,
        case=case,
    )
    amount.full_clean()
    amount.save()
    register_enter(
        household=benefit.household,
        category=RegisterEntry.Category.RECIPIENT,
        kind=benefit.kind,
        since=start,
        case=case,
        benefit=benefit,
        member=member,
    )
    return benefit


def _check_open(benefit: Benefit):
    if benefit.status == Status.STOPPED:
        raise ValidationError(_("该户已停保，不能再变更。"))


@transaction.atomic
def benefit_amount_change(
    *,
    benefit: Benefit,
    from_month: datetime.date,
    monthly_amount: Decimal,
    persons: int,
    reason: str,
    case=None,
    user=None,
) -> BenefitAmount:
    """The amount from ``from_month`` on (a review's increase or reduction,
    a standard raise, a work refusal), with its reason. The benefit's
    ``monthly_amount`` and ``persons`` follow the newest decision."""
    _check_open(benefit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("变更保障金额须写明原因。")})
    start = first_of_month(from_month)
    if start < benefit.start_month:
        raise ValidationError(_("变更月份不能早于保障起始月份。"))
    row = BenefitAmount(
        benefit=benefit,
        from_month=start,
        monthly_amount=monthly_amount,
        persons=persons,
        reason=reason,
        case=case,
        decided_by=user,
    )
    row.full_clean()
    with because(reason):
        row.save()
        benefit.monthly_amount = monthly_amount
        benefit.persons = persons
        benefit.full_clean()
        benefit.save()
    return row


@transaction.atomic
def benefit_suspend(*, benefit: Benefit, on: datetime.date, reason: str) -> Benefit:
    """Hold the payment (暂停发放) — not a stop: the household missed a
    required report or review visit after a notice (S1 Art 30, 32)."""
    _check_open(benefit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("暂停发放须写明原因。")})
    if benefit.status == Status.SUSPENDED:
        return benefit
    benefit.status = Status.SUSPENDED
    benefit.suspended_on = on
    benefit.suspension_reason = reason
    benefit.full_clean()
    with because(reason):
        benefit.save()
    return benefit


@transaction.atomic
def benefit_resume(*, benefit: Benefit, reason: str) -> Benefit:
    """The household reported: the held payment resumes (in its gradual
    exit, when it was in one)."""
    if benefit.status != Status.SUSPENDED:
        return benefit
    benefit.status = Status.EXITING if benefit.exit_until else Status.ACTIVE
    benefit.suspended_on = None
    benefit.suspension_reason = ""
    benefit.full_clean()
    with because(reason):
        benefit.save()
    return benefit


@transaction.atomic
def benefit_exit_schedule(
    *, benefit: Benefit, until_month: datetime.date, reason: str, case=None
) -> Benefit:
    """渐退期 (S1 Art 33): the household stays on assistance until
    ``until_month`` (the last month paid), then stops on its own."""
    _check_open(benefit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("渐退期须写明原因。")})
    benefit.status = Status.EXITING
    benefit.exit_until = first_of_month(until_month)
    benefit.full_clean()
    with because(reason):
        benefit.save()
    return benefit


@transaction.atomic
def benefit_stop(
    *,
    benefit: Benefit,
    last_month: datetime.date,
    on: datetime.date,
    stop_reason: str,
    note: str,
    recovery_amount: Decimal | None = None,
) -> Benefit:
    """停保: paid up to ``last_month`` (usually the month of the decision:
    the stop takes effect from the next month), with the reason; for fraud
    the amount to recover (S2 Art 68). The household leaves the register's
    recipients (the caller enters it as marginal where it qualifies)."""
    _check_open(benefit)
    if stop_reason not in Benefit.StopReason.values:
        raise ValidationError({"stop_reason": _("请选择停保原因。")})
    if stop_reason == Benefit.StopReason.FRAUD and recovery_amount is None:
        raise ValidationError({"recovery_amount": _("骗取救助的，须填写应追回金额。")})
    last = first_of_month(last_month)
    if last < benefit.start_month:
        last = benefit.start_month  # stopped before its first month was paid
    benefit.status = Status.STOPPED
    benefit.end_month = last
    benefit.stopped_on = on
    benefit.stop_reason = stop_reason
    benefit.stop_note = note
    benefit.recovery_amount = recovery_amount
    benefit.next_review_on = None
    benefit.full_clean()
    with because(note or Benefit.StopReason(stop_reason).label):
        benefit.save()
    for entry in benefit.register_entries.filter(ended_on__isnull=True):
        entry.ended_on = on
        entry.full_clean()
        entry.save()
    return benefit


@transaction.atomic
def register_enter(
    *,
    household,
    category: str,
    since: datetime.date,
    kind: str = "",
    case=None,
    benefit=None,
    member=None,
    note: str = "",
) -> RegisterEntry:
    """Put ``household`` in the low-income register in ``category`` (a
    recipient of programme ``kind``, marginal, in hardship) since ``since``;
    an open entry of the same class is kept as it is (no duplicate)."""
    open_entry = RegisterEntry.objects.filter(
        household=household, category=category, kind=kind, ended_on__isnull=True
    ).first()
    if open_entry is not None:
        return open_entry
    entry = RegisterEntry(
        household=household,
        region=household.region,
        category=category,
        kind=kind,
        since=since,
        case=case,
        benefit=benefit,
        member=member,
        note=note,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def register_leave(
    *, household, category: str, on: datetime.date, kind: str = "", note: str = ""
) -> int:
    """End the household's open entry of ``category`` (and ``kind``)."""
    ended = 0
    for entry in RegisterEntry.objects.filter(
        household=household, category=category, kind=kind, ended_on__isnull=True
    ):
        entry.ended_on = on
        if note:
            entry.note = note
        entry.full_clean()
        with because(note or _("退出低收入人口名册")):
            entry.save()
        ended += 1
    return ended
