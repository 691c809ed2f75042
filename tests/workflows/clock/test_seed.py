"""The calendar from the chinese-calendar package: every day it departs from
Monday–Friday up to the end of its last year, compared daily, never over an
administrator's days."""

import datetime

import chinese_calendar
import pytest

from tests.workflows.dibao.desk import open_task
from workflows.clock.models import CalendarDay, CalendarYear
from workflows.clock.seed import package_years, seed_calendar_from_package
from workflows.clock.services import add_working_days, due_after
from workflows.core import clocks
from workflows.core.sweeps import SWEEPS
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow

pytestmark = pytest.mark.django_db

D = datetime.date


def test_the_make_up_saturday_after_the_last_holiday_of_2026_is_stored():
    """2026's last holiday is 7 October; Saturday 10 October is worked for
    National Day. The seed used to stop at the last holiday."""
    day = CalendarDay.objects.get(date=D(2026, 10, 10))
    assert day.is_workday
    assert day.name == "国庆节调休上班"
    assert day.source == CalendarDay.Source.PACKAGE
    assert CalendarDay.objects.get(date=D(2026, 9, 20)).is_workday  # a Sunday
    # Thursday 8 October, Friday 9, Saturday 10: three working days
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_a_case_accepted_before_national_day_2026_keeps_the_official_dates(
    accepted, cast
):
    """Accepted Wednesday 30 September 2026, the working day before National
    Day: 1–7 October are holidays, Saturday 10 October is worked. Counting
    from the next day: 8 Oct (1), 9 Oct (2), Sat 10 Oct (3), 12–16 Oct (4–8),
    19–20 Oct (9–10), … 17 Nov (30), … 8 Dec (45)."""
    case = accepted(D(2026, 9, 30))
    assert case.limit_code == "overall"
    # 3 working days: investigation starts (S1 Art 15)
    assert open_task(case, DibaoFlow.home_visit).deadline.due_on == D(2026, 10, 10)
    # 10 working days: review and confirmation (S1 Art 20)
    assert due_after("confirmation", D(2026, 9, 30)).on == D(2026, 10, 20)
    # 30 working days: the overall limit (S1 Art 22)
    assert case.due_on == D(2026, 11, 17)
    # 45 working days: the overall limit extended
    services.deadline_extend(
        application=case, user=cast.town_supervisor, reason="人户分离，调查困难"
    )
    case.refresh_from_db()
    assert case.due_on == D(2026, 12, 8)


def test_every_year_the_package_knows_is_confirmed_by_it():
    assert max(package_years()) >= 2026
    years = dict(CalendarYear.objects.values_list("year", "source"))
    for year in range(2021, max(package_years()) + 1):
        assert years[year] == CalendarYear.Source.PACKAGE
    assert 2027 not in years or 2027 in package_years()


@pytest.fixture
def newer_package(no_2027, monkeypatch):
    """The package as a release that knows 2027 would be (the sample days:
    1 January a holiday, Sunday 7 February a make-up workday)."""
    monkeypatch.setitem(chinese_calendar.holidays, D(2027, 1, 1), "New Year's Day")
    monkeypatch.setitem(chinese_calendar.workdays, D(2027, 2, 7), "Spring Festival")


def test_the_daily_comparison_adds_what_the_package_newly_knows(
    newer_package, monkeypatch
):
    """The dispatcher's sweep compares once a day: a newer package's days and
    year arrive; an administrator's day is left as they entered it."""
    admin_day = CalendarDay.objects.create(
        date=D(2027, 2, 7), is_workday=False, name="管理员录入", source="admin"
    )
    monkeypatch.setitem(clocks._compared, "on", None)
    assert clocks.calendar_from_package in SWEEPS

    assert clocks.calendar_from_package() == 1

    new = CalendarDay.objects.get(date=D(2027, 1, 1))
    assert (new.is_workday, new.name, new.source) == (False, "元旦", "package")
    assert new.history.get().history_change_reason == "chinese-calendar"
    admin_day.refresh_from_db()
    assert (admin_day.is_workday, admin_day.name, admin_day.source) == (
        False,
        "管理员录入",
        "admin",
    )
    assert CalendarYear.objects.get(year=2027).source == "package"
    # the same day again: nothing to compare
    monkeypatch.setitem(chinese_calendar.holidays, D(2027, 1, 2), "New Year's Day")
    assert clocks.calendar_from_package() == 0
    assert not CalendarDay.objects.filter(date=D(2027, 1, 2)).exists()


def test_a_year_an_administrator_confirmed_stays_theirs(newer_package):
    from django.utils import timezone

    CalendarYear.objects.create(
        year=2027, source="admin", confirmed_at=timezone.now(), note="国办发明电"
    )
    seed_calendar_from_package()
    assert CalendarYear.objects.get(year=2027).source == "admin"
    assert CalendarDay.objects.filter(date=D(2027, 1, 1), source="package").exists()


def test_a_day_the_package_corrects_is_corrected_and_one_it_drops_removed(
    monkeypatch,
):
    """Package rows mirror the package; the history says why they changed."""
    day = CalendarDay.objects.get(date=D(2026, 10, 10))
    monkeypatch.setitem(
        chinese_calendar.workdays, D(2026, 10, 10), "Mid-autumn Festival"
    )
    assert seed_calendar_from_package() == 1
    day.refresh_from_db()
    assert day.name == "中秋节调休上班"
    fixed = CalendarDay.history.filter(id=day.pk).latest("history_id")
    assert (fixed.history_type, fixed.history_change_reason) == (
        "~",
        "chinese-calendar",
    )

    monkeypatch.delitem(chinese_calendar.workdays, D(2026, 10, 10))
    seed_calendar_from_package()
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    gone = CalendarDay.history.filter(id=day.pk).latest("history_id")
    assert gone.history_type == "-"
    assert gone.history_change_reason == "chinese-calendar"


def test_seeding_twice_adds_nothing():
    assert seed_calendar_from_package() == 0
