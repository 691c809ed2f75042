"""Seed the working-day calendar from the ``chinese-calendar`` package."""

import datetime

import chinese_calendar
from django.db import transaction

from ..base.history import bulk_create
from .models import CalendarDay


@transaction.atomic
def seed_calendar_from_package(first_year=2021):
    """Store every day where the package departs from Monday–Friday: statutory
    holidays on weekdays and 调休 make-up workdays on weekends. Days an
    administrator entered are left alone. Returns the number of rows added."""
    last = max(chinese_calendar.holidays)
    day = datetime.date(first_year, 1, 1)
    existing = set(
        CalendarDay.objects.filter(date__gte=day).values_list("date", flat=True)
    )
    rows = []
    while day <= last:
        is_workday = chinese_calendar.is_workday(day)
        if is_workday != (day.weekday() < 5) and day not in existing:
            _, name = chinese_calendar.get_holiday_detail(day)
            rows.append(
                CalendarDay(
                    date=day,
                    is_workday=is_workday,
                    name=_holiday_name(name, is_workday),
                    source=CalendarDay.Source.PACKAGE,
                )
            )
        day += datetime.timedelta(days=1)
    # bulk_create alone writes no history rows; the audit trail must stay whole
    bulk_create(CalendarDay, rows, reason="chinese-calendar")
    return len(rows)


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
