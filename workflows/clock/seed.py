"""The working-day calendar from the ``chinese-calendar`` package.

The package lists, per year it knows, the statutory holidays and the 调休
make-up workdays. Every day where it departs from Monday–Friday is stored as
a ``CalendarDay`` (source: package), up to the end of the last year it knows,
and each year it knows is a ``CalendarYear`` (source: package). The comparison
runs at every ``load_reference`` (bootstrap) and daily from the timer
dispatcher, so a newer package's year arrives without anyone asking. Days an
administrator entered are never overwritten.
"""

import datetime

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from ..base.history import bulk_create, bulk_update
from .models import CalendarDay, CalendarYear
from .signals import calendar_changed

FIRST_YEAR = 2021  # nothing before the 2021 rules (S1) is counted by the system
REASON = "chinese-calendar"


def package_years() -> set[int]:
    """The years the package knows: those it lists holidays for (it answers
    ``NotImplementedError`` for any other)."""
    return {day.year for day in chinese_calendar.holidays}


def package_departures(first_year=FIRST_YEAR) -> dict:
    """``{date: (is_workday, name)}`` for every day from ``first_year`` to
    31 December of the package's last year where it departs from
    Monday–Friday: holidays on weekdays and make-up workdays on weekends.

    Read from the package's tables directly: its ``is_workday`` raises for a
    year outside its holidays' range, and a make-up workday may lie after the
    year's last holiday (Saturday 2026-10-10, worked for National Day)."""
    first = datetime.date(first_year, 1, 1)
    days = {}
    for day, name in chinese_calendar.holidays.items():
        if day >= first and day.weekday() < 5:
            days[day] = (False, _holiday_name(name, False))
    for day, name in chinese_calendar.workdays.items():
        if day >= first and day.weekday() >= 5:
            days[day] = (True, _holiday_name(name, True))
    return days


@transaction.atomic
def seed_calendar_from_package(first_year=FIRST_YEAR) -> int:
    """Bring the table in line with the package: add the days it newly knows,
    correct the days it stored earlier and now lists differently, remove the
    ones it no longer lists; record each year it knows. Days an administrator
    entered are left alone. Every write keeps history; the years whose days
    changed are announced (``calendar_changed``) so their open deadlines are
    counted again. Returns the number of days added or changed."""
    wanted = package_departures(first_year)
    stored = {
        day.date: day
        for day in CalendarDay.objects.filter(date__gte=datetime.date(first_year, 1, 1))
    }
    added, corrected, gone = [], [], []
    for date, (is_workday, name) in sorted(wanted.items()):
        day = stored.get(date)
        if day is None:
            added.append(
                CalendarDay(
                    date=date,
                    is_workday=is_workday,
                    name=name,
                    source=CalendarDay.Source.PACKAGE,
                )
            )
        elif day.source == CalendarDay.Source.PACKAGE and (
            day.is_workday != is_workday or day.name != name
        ):
            day.is_workday, day.name = is_workday, name
            corrected.append(day)
    for date, day in stored.items():
        if day.source == CalendarDay.Source.PACKAGE and date not in wanted:
            gone.append(day)
    # bulk writes alone keep no history rows; the audit trail must stay whole
    bulk_create(CalendarDay, added, reason=REASON)
    bulk_update(CalendarDay, corrected, ["is_workday", "name"], reason=REASON)
    for day in gone:
        day._change_reason = REASON
        day.delete()
    years = {d.date.year for d in added + corrected + gone}
    years |= _record_package_years(first_year)
    if years:
        calendar_changed.send(sender=CalendarDay, years=years)
    return len(added) + len(corrected)


def _record_package_years(first_year):
    known = {y for y in package_years() if y >= first_year}
    have = set(CalendarYear.objects.values_list("year", flat=True))
    now = timezone.now()
    rows = [
        CalendarYear(
            year=year,
            source=CalendarYear.Source.PACKAGE,
            confirmed_at=now,
            note=f"chinesecalendar {_package_version()}",
        )
        for year in sorted(known - have)
    ]
    bulk_create(CalendarYear, rows, reason=REASON)
    return {row.year for row in rows}


def _package_version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - vendored copies
        return ""


NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name, is_workday):
    label = NAMES.get(name, name or "")
    return f"{label}调休上班" if is_workday else label
