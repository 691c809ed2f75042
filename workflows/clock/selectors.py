"""Which years' calendars the bureau answers for, read cheaply.

A page that shows deadlines asks ``unconfirmed_years(dates, request=…)``: one
query for the set of confirmed years, kept on the request, however many
deadlines and lists the page shows.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from .models import CalendarDay, CalendarYear

MAINTAIN = "workflows.maintain_calendar"
# From this day of the year before, the administrator is told that a year's
# calendar is still missing (the State Council usually publishes it in
# October or November).
WARN_FROM = (11, 1)

_CACHE = "_zz_confirmed_years"


def confirmed_years(request=None) -> frozenset[int]:
    """Years whose calendar is confirmed (by the package or an
    administrator); read once per request when one is given."""
    if request is not None:
        cached = getattr(request, _CACHE, None)
        if cached is not None:
            return cached
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    if request is not None:
        setattr(request, _CACHE, years)
    return years


def calendar_confirmed(year: int) -> bool:
    """Whether ``year``'s working-day calendar is confirmed: the package knows
    it and its days are stored, or an administrator confirmed it."""
    return year in confirmed_years()


def _years(values) -> set[int]:
    found = set()
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, datetime.datetime):
            found.add(timezone.localtime(value).year)
        elif isinstance(value, datetime.date):
            found.add(value.year)
        elif isinstance(value, int):
            found.add(value)
        elif isinstance(value, Iterable) and not isinstance(value, str):
            found |= _years(value)
    return found


def unconfirmed_years(*values, request=None) -> list[int]:
    """The years, in order, of the given deadlines (dates, moments, years, or
    lists of them; None ignored) whose calendar is not confirmed. No query
    when there is no deadline."""
    years = _years(values)
    if not years:
        return []
    return sorted(years - confirmed_years(request))


def years_awaiting_confirmation(
    today: datetime.date | None = None, *, request=None
) -> list[int]:
    """This year, if unconfirmed; and from 1 November on, next year too:
    what the calendar's administrator is reminded of."""
    today = today or timezone.localdate()
    years = [today.year]
    if (today.month, today.day) >= WARN_FROM:
        years.append(today.year + 1)
    confirmed = confirmed_years(request)
    return [y for y in years if y not in confirmed]


def may_maintain_calendar(user) -> bool:
    return user.is_authenticated and user.has_perm(MAINTAIN)


def year_overview(years) -> list[dict]:
    """Per year: its confirmation (or None) and how many rest days and
    make-up workdays are entered."""
    confirmations = {
        c.year: c
        for c in CalendarYear.objects.filter(year__in=years).select_related(
            "confirmed_by"
        )
    }
    counts = {}
    for date, is_workday in CalendarDay.objects.filter(
        date__year__in=years
    ).values_list("date", "is_workday"):
        row = counts.setdefault(date.year, [0, 0])
        row[is_workday] += 1
    return [
        {
            "year": y,
            "confirmation": confirmations.get(y),
            "rest_days": counts.get(y, [0, 0])[0],
            "workdays": counts.get(y, [0, 0])[1],
        }
        for y in years
    ]


def days_of(year: int):
    return CalendarDay.objects.filter(date__year=year).order_by("date")
