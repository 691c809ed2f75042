"""The working-day calendar, with PRC holidays and 调休 make-up workdays."""

import datetime

import pytest

from workflows.clock.models import CalendarDay
from workflows.clock.selectors import calendar_confirmed
from workflows.clock.services import (
    add_working_days,
    due_after,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def test_national_day_2025_span_counts_the_make_up_saturday():
    # 2025: National Day and Mid-autumn 1–8 October off; Sunday 28 September
    # and Saturday 11 October are make-up workdays.
    assert not CalendarDay.objects.get(date=D(2025, 10, 1)).is_workday
    assert CalendarDay.objects.get(date=D(2025, 10, 11)).is_workday
    # Accepted Tuesday 30 September: the 3rd working day after is
    # Thursday 9 October … 9th, 10th, then Saturday 11th is the 3rd.
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)
    assert add_working_days(D(2025, 9, 30), 4) == D(2025, 10, 13)


def test_make_up_sunday_before_the_holiday_is_a_workday():
    # Saturday 27 Sep is a weekend day, Sunday 28 Sep a make-up workday.
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_working_days_between_spans_the_holiday():
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 11)) == 3
    assert working_days_between(D(2025, 10, 11), D(2025, 9, 30)) == -3


def test_plain_weeks_follow_monday_to_friday():
    assert add_working_days(D(2025, 11, 14), 1) == D(2025, 11, 17)  # Fri → Mon
    assert add_working_days(D(2025, 11, 14), 10) == D(2025, 11, 28)


def test_administrator_days_override_the_weekday_rule():
    CalendarDay.objects.create(date=D(2030, 1, 7), is_workday=False, name="示例")
    assert add_working_days(D(2030, 1, 4), 1) == D(2030, 1, 8)


def test_calendar_confirmed_only_for_loaded_years():
    assert calendar_confirmed(2025)
    assert not calendar_confirmed(2031)


def test_due_after_uses_the_dated_time_limit():
    due = due_after("confirmation", D(2025, 9, 30))
    assert due.limit.amount == 10
    assert due.on == add_working_days(D(2025, 9, 30), 10)
    notice = due_after("notice_period", D(2025, 9, 30))
    assert notice.on == D(2025, 10, 7)  # calendar days
