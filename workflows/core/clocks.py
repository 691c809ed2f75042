"""A case's clocks: the overall limit, each task's deadline, and pauses.

Every deadline keeps where its count starts (``clock_started_on`` on the
case, ``starts_on`` / ``starts_at`` on a task's deadline), so the spine can
count it again: when the case's clocks are paused and resumed (the working
days in between do not count), and when the calendar of a year a deadline
spans is entered or corrected. Each change of a deadline is a history row
with its reason.
"""

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from ..clock.models import CalendarRecount
from ..clock.seed import seed_calendar_from_package
from ..clock.services import due_after
from ..clock.signals import calendar_changed
from .locks import lock_cases
from .models import Case, ClockPause, TaskDeadline
from .sweeps import sweep

logger = logging.getLogger(__name__)

OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _pauses(case):
    return list(case.pauses.values_list("starts_on", "ends_on"))


def assign_deadline(task, code, start):
    """Store the deadline ``code`` counted from ``start`` (a date; a moment
    for limits in hours) on ``task``, net of the case's pauses."""
    case = Case.objects.get(pk=task.process_id)
    due = due_after(code, start, pauses=_pauses(case))
    moment = start if isinstance(start, datetime.datetime) else None
    day = timezone.localtime(moment).date() if moment else start
    TaskDeadline.objects.update_or_create(
        task=task,
        defaults={
            "due_on": due.on,
            "due_at": due.at,
            "limit": due.limit,
            "starts_on": day,
            "starts_at": moment,
        },
    )
    return due


def start_case_clock(case, code, start):
    """Start the overall limit ``code`` of ``case`` on ``start`` (sets the
    fields; the caller saves the case)."""
    case.limit_code = code
    if isinstance(start, datetime.datetime):
        case.clock_started_at = start
        case.clock_started_on = timezone.localtime(start).date()
    else:
        case.clock_started_on = start
    due = due_after(code, start, pauses=_pauses(case) if case.pk else ())
    case.due_on, case.due_at = due.on, due.at
    return due


def recount_case(case, *, reason) -> int:
    """Count every open deadline of ``case`` again (its overall limit and its
    open tasks'); write only those that moved. Returns how many moved. The
    case is saved as its programme's model, so the change is in that
    model's history (which holds the case's columns too)."""
    case = case.specific
    pauses = _pauses(case)
    moved = 0
    if case.limit_code and case.clock_started_on and not case.finished:
        due = due_after(
            case.limit_code,
            case.clock_started_at or case.clock_started_on,
            pauses=pauses,
        )
        if (case.due_on, case.due_at) != (due.on, due.at):
            case.due_on, case.due_at = due.on, due.at
            case._change_reason = reason
            case.save(update_fields=["due_on", "due_at"])
            moved += 1
    deadlines = TaskDeadline.objects.filter(
        task__process_id=case.pk, task__status__in=OPEN_TASK, starts_on__isnull=False
    ).select_related("limit")
    for deadline in deadlines:
        due = due_after(
            deadline.limit.code, deadline.starts_at or deadline.starts_on, pauses=pauses
        )
        if (deadline.due_on, deadline.due_at) != (due.on, due.at):
            deadline.due_on, deadline.due_at = due.on, due.at
            deadline._change_reason = reason
            deadline.save(update_fields=["due_on", "due_at"])
            moved += 1
    return moved


def recount_between(first: datetime.date, last: datetime.date, *, reason) -> int:
    """Count again every open deadline whose span touches ``first``–``last``
    (a year whose calendar was entered or corrected). Returns how many
    deadlines moved."""
    spans = Q(clock_started_on__lte=last, due_on__gte=first, limit_code__gt="")
    tasks = TaskDeadline.objects.filter(
        task__status__in=OPEN_TASK, starts_on__lte=last, due_on__gte=first
    ).values_list("task__process_id", flat=True)
    case_ids = set(
        Case.objects.open().filter(spans).values_list("pk", flat=True)
    ) | set(tasks)
    moved = 0
    for pk in sorted(case_ids):
        with transaction.atomic():
            lock_cases([pk])
            moved += recount_case(Case.objects.get(pk=pk), reason=reason)
    return moved


@receiver(calendar_changed, dispatch_uid="recount-calendar-years")
def recount_years_later(sender, years, **kwargs):
    """A year's calendar was entered, corrected or confirmed: note the year
    in the same transaction (a rolled-back change notes nothing), and the
    timer dispatcher counts its open deadlines again
    (``recount_pending_years``) — never in the administrator's request, which
    a city's thousands of open cases would make too long to finish."""
    for year in sorted(years):
        pending, created = CalendarRecount.objects.get_or_create(year=year)
        if not created:  # changed again before the last recount ran
            pending.requested_at = timezone.now()
            pending.save(update_fields=["requested_at"])


@sweep
def recount_pending_years() -> int:
    """Count again the open deadlines of each year whose calendar changed;
    a year is done (and removed) only if it did not change again meanwhile.
    A crash leaves it noted, so the next sweep does it again (recounting is
    idempotent: only deadlines that move are written)."""
    moved = 0
    for pending in CalendarRecount.objects.order_by("year"):
        year, requested = pending.year, pending.requested_at
        moved += recount_between(
            datetime.date(year, 1, 1),
            datetime.date(year, 12, 31),
            reason=_("%(year)s年工作日历录入，期限重新计算") % {"year": year},
        )
        with transaction.atomic():
            done = (
                CalendarRecount.objects.select_for_update()
                .filter(pk=pending.pk, requested_at=requested)
                .first()
            )
            if done is not None:
                done._change_reason = _("期限已重新计算")
                done.delete()
        logger.info("calendar of %s: deadlines counted again", year)
    return moved


# The package is compared with the table once a day (and at every
# ``load_reference``): a newer chinesecalendar release brings next year.
_compared = {"on": None}


@sweep
def calendar_from_package():
    """Add what the package newly knows (never over an administrator's
    days); its years' deadlines are then counted again."""
    today = timezone.localdate()
    if _compared["on"] == today:
        return 0
    changed = seed_calendar_from_package()
    _compared["on"] = today
    return changed


def _pause_refusal(case, user):
    perm = case.programme.PAUSE_PERMISSION
    if not perm or not user.has_perm(perm, case):
        return _("您无权暂停或恢复本案计时。")
    if case.finished or case.status == "CANCELED":
        return _("本案已办结，不能暂停或恢复计时。")
    if not case.clock_started_on:
        return _("本案尚未开始计时。")
    return None


def _locked_for_clock(case, user):
    """The case as it is now, under its lock, once ``user`` may pause or
    resume its clocks."""
    lock_cases([case.pk])
    case = Case.objects.get(pk=case.pk).specific
    refusal = _pause_refusal(case, user)
    if refusal:
        raise PermissionDenied(refusal)
    return case


@transaction.atomic
def case_pause(*, case: Case, user, reason: str, on: datetime.date | None = None):
    """Stop the case's clocks while waiting for the applicant, with a reason."""
    case = _locked_for_clock(case, user)
    on = on or timezone.localdate()
    if not reason.strip():
        raise ValidationError(
            {"reason": _("暂停计时须写明原因（如等待申请人补交的材料）。")}
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("暂停日期不能晚于今天。")})
    if on < case.clock_started_on:
        raise ValidationError({"on": _("暂停日期不能早于计时起始日。")})
    if case.pauses.filter(ends_on__isnull=True).exists():
        raise ValidationError(_("本案计时已暂停。"))
    if case.pauses.filter(ends_on__gt=on).exists():
        raise ValidationError({"on": _("暂停日期与已有的暂停重叠。")})
    pause = ClockPause(case=case, starts_on=on, reason=reason.strip(), started_by=user)
    pause.full_clean()
    pause._change_reason = reason.strip()
    pause.save()
    return pause


@transaction.atomic
def case_resume(*, case: Case, user, on: datetime.date | None = None):
    """Resume the case's clocks: every open deadline moves on by the working
    days of the pause."""
    case = _locked_for_clock(case, user)
    on = on or timezone.localdate()
    pause = case.pauses.filter(ends_on__isnull=True).first()
    if pause is None:
        raise ValidationError(_("本案计时未暂停。"))
    if on > timezone.localdate():
        raise ValidationError({"on": _("恢复日期不能晚于今天。")})
    if on < pause.starts_on:
        raise ValidationError({"on": _("恢复日期不能早于暂停日期。")})
    pause.ends_on, pause.ended_by = on, user
    pause._change_reason = _("恢复计时")
    pause.save(update_fields=["ends_on", "ended_by"])
    recount_case(case, reason=_("暂停计时后恢复，期限顺延"))
    return pause
