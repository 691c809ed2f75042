"""A deadline is only as good as its year's calendar: wherever a deadline
falls in a year whose calendar is not confirmed, the page says so; the
calendar's administrator is reminded from 1 November of the year before."""

import datetime
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.workflows.dibao.desk import Desk, case_url, open_task, task_url
from workflows.clock import calendar_services, selectors
from workflows.clock.selectors import unconfirmed_years, years_awaiting_confirmation
from workflows.dibao.flows import DibaoFlow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2027")]

D = datetime.date
WARNING = "2027年工作日历尚未确认"


def test_deadlines_in_2026_show_no_warning(accepted, cast):
    case = accepted(D(2026, 9, 30))
    desk = Desk(cast.caseworker)
    task = desk.take(case, DibaoFlow.home_visit)
    assert (
        "工作日历尚未确认" not in desk.get(task_url(task, "execute")).content.decode()
    )
    assert "工作日历尚未确认" not in desk.get(case_url(case)).content.decode()


def test_a_deadline_in_2027_warns_on_every_page_that_shows_it(
    accepted, cast, city_admin
):
    """Accepted Wednesday 30 December 2026: the visits are due Monday 4
    January 2027 and the case Wednesday 10 February 2027, both counted
    Monday–Friday for want of 2027's calendar. Once 2027 is confirmed, the
    warnings go."""
    case = accepted(D(2026, 12, 30))
    task = open_task(case, DibaoFlow.home_visit)
    assert task.deadline.due_on == D(2027, 1, 4)
    assert case.due_on == D(2027, 2, 10)

    worker = Desk(cast.caseworker)
    worker.take(case, DibaoFlow.home_visit)
    supervisor = Desk(cast.town_supervisor)
    pages = [
        (worker, task_url(task, "execute")),  # the task page
        (worker, case_url(case)),  # the case page
        (worker, DibaoFlow.instance.reverse("inbox")),
        (worker, DibaoFlow.instance.reverse("process_list")),
        (supervisor, reverse("work:index")),  # the workload
        (supervisor, reverse("work:person", args=[task.owner_id])),
    ]
    for desk, url in pages:
        response = desk.get(url)
        assert response.status_code == 200, url
        assert WARNING in response.content.decode(), url

    calendar_services.calendar_day_enter(
        user=city_admin, on=D(2027, 1, 1), is_workday=False, name="元旦"
    )
    calendar_services.calendar_year_confirm(user=city_admin, year=2027)
    for desk, url in pages:
        assert "工作日历尚未确认" not in desk.get(url).content.decode(), url


def test_the_confirmed_years_are_read_once_per_request(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(1):
        assert unconfirmed_years(D(2026, 12, 1), D(2027, 1, 4), request=request) == [
            2027
        ]
        assert unconfirmed_years([D(2027, 3, 1), None], 2028, request=request) == [
            2027,
            2028,
        ]
    with django_assert_num_queries(0):
        assert unconfirmed_years(None, request=None) == []


def test_the_administrator_is_reminded_from_1_november_of_the_year_before():
    assert years_awaiting_confirmation(D(2026, 10, 31)) == []
    assert years_awaiting_confirmation(D(2026, 11, 1)) == [2027]
    assert years_awaiting_confirmation(D(2027, 1, 4)) == [2027]


@pytest.mark.parametrize(
    ("today", "warned"), [(D(2026, 10, 31), False), (D(2026, 11, 1), True)]
)
def test_the_administrators_home_page_warns_of_next_year(
    cast, city_admin, monkeypatch, today, warned
):
    """The home page (the inbox ``/`` leads to) of whoever maintains the
    calendar; nobody else is told. (The calendar's notion of today is set;
    no time-travel library is installed.)"""
    clock_today = SimpleNamespace(
        localdate=lambda *a, **k: today, localtime=timezone.localtime
    )
    monkeypatch.setattr(selectors, "timezone", clock_today)
    page = Desk(city_admin).get("/", follow=True)
    assert page.status_code == 200
    assert (WARNING in page.content.decode()) is warned
    if warned:
        assert reverse("calendar:index") + "?year=2027" in page.content.decode()
    caseworker = Desk(cast.caseworker).get("/", follow=True)
    assert WARNING not in caseworker.content.decode()
