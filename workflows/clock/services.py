"""Working-day arithmetic and statutory deadlines: the one clock.

Working days follow the PRC holiday calendar including 调休 make-up workdays,
as stored in ``CalendarDay``; days without a row follow Monday–Friday. Whether
a year's calendar is complete is ``CalendarYear`` (``selectors.py``); entering
it is ``calendar_services.py``.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, TimeLimit


class MissingTimeLimit(LookupError):
    pass


def _overrides(start: datetime.date, end: datetime.date) -> dict:
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end)
    return dict(rows.values_list("date", "is_workday"))


def _is_workday(day, overrides) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def is_workday(day: datetime.date) -> bool:
    return _is_workday(day, _overrides(day, day))


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
    if n <= 0:
        return start
    # Long holidays are at most ~9 days; three calendar days per working day
    # plus a margin always covers the span, so one query suffices.
    window_end = start + datetime.timedelta(days=n * 3 + 15)
    overrides = _overrides(start, window_end)
    day, counted = start, 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if day > window_end:  # pragma: no cover - only with absurd calendars
            window_end = day + datetime.timedelta(days=60)
            overrides.update(_overrides(day, window_end))
        if _is_workday(day, overrides):
            counted += 1
    return day


def working_days_before(end: datetime.date, n: int) -> datetime.date:
    """The latest day ``n`` working days have passed since by ``end``: the
    latest ``day`` with ``add_working_days(day, n) <= end`` (every earlier
    day too). Lists compare dates with it in SQL instead of counting per row."""
    if n <= 0:
        return end
    window_start = end - datetime.timedelta(days=n * 3 + 15)
    overrides = _overrides(window_start, end)
    day, counted = end + datetime.timedelta(days=1), 0
    while counted < n:
        day -= datetime.timedelta(days=1)
        if day < window_start:  # pragma: no cover - only with absurd calendars
            window_start = day - datetime.timedelta(days=60)
            overrides.update(_overrides(window_start, day))
        if _is_workday(day, overrides):
            counted += 1
    return day - datetime.timedelta(days=1)


def working_days_since(days, end: datetime.date) -> dict:
    """``{day: working_days_between(day, end)}`` for many days, one query."""
    days = set(days)
    if not days:
        return {}
    first = min(min(days), end)
    overrides = _overrides(first, max(max(days), end))
    counts, running, day = {}, 0, first
    while day < max(max(days), end):
        day += datetime.timedelta(days=1)
        running += _is_workday(day, overrides)
        counts[day] = running
    at_end = counts.get(end, 0)
    return {d: at_end - counts.get(d, 0) for d in days}


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in the half-open span (start, end]; negative if end < start."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if _is_workday(day, overrides):
            count += 1
    return count


def time_limit(code: str, on: datetime.date | None = None) -> TimeLimit:
    on = on or timezone.localdate()
    limit = TimeLimit.objects.in_force(on).filter(code=code).first()
    if limit is None:
        raise MissingTimeLimit(
            _("未找到 %(date)s 有效的法定时限“%(code)s”，请管理员补充。")
            % {"date": on, "code": code}
        )
    return limit


@dataclass(frozen=True)
class Due:
    """A deadline and the rule it comes from: the day, and for a limit in
    hours also the moment (``at``; None for limits in days)."""

    on: datetime.date
    limit: TimeLimit
    at: datetime.datetime | None = None

    def overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.at is not None:
            return self.at < now
        return self.on < timezone.localdate(now)


def _moved_by_pauses(due: datetime.date, start: datetime.date, pauses, today):
    """``due`` moved on by the working days of each pause that began while
    the deadline was still running (on or before the deadline as moved by
    the earlier pauses). A pause begun after a deadline passed stops nothing
    of it: the lateness had already happened."""
    today = today or timezone.localdate()
    for starts_on, ends_on in sorted(pauses, key=lambda pause: pause[0]):
        begin = max(starts_on, start)
        if begin > due:
            break  # this one and every later one began after the deadline
        end = ends_on or today
        if end > begin:
            due = add_working_days(due, working_days_between(begin, end))
    return due


def due_after(code: str, start, *, pauses=(), today=None) -> Due:
    """The deadline ``code`` sets for a period starting at ``start`` (a date;
    a datetime for limits in hours), moved on by the working days of any
    ``pauses`` (``(starts_on, ends_on | None)``) that began before it
    passed."""
    if isinstance(start, datetime.datetime):
        moment, day = start, timezone.localtime(start).date()
    else:
        moment, day = None, start
    limit = time_limit(code, day)
    if limit.unit == TimeLimit.Unit.HOURS:
        if moment is None:  # a day given: the count runs from its start
            moment = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time.min)
            )
        at = moment + datetime.timedelta(hours=limit.amount)
        return Due(timezone.localtime(at).date(), limit, at)
    if limit.unit == TimeLimit.Unit.WORKING_DAYS:
        due = add_working_days(day, limit.amount)
    else:
        due = day + datetime.timedelta(days=limit.amount)
    if pauses:
        due = _moved_by_pauses(due, day, pauses, today)
    return Due(due, limit)
