"""Entering a year the package does not know: the city's administrator
enters its holidays and make-up days and confirms it (the staff site's
工作日历 page, or the admin); each change counts the open deadlines falling in
the year again, with history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from tests.workflows.dibao.desk import Desk, open_task
from workflows.clock import calendar_services
from workflows.clock.models import CalendarDay, CalendarRecount, CalendarYear
from workflows.core import clocks
from workflows.core.models import Case, TaskDeadline
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2027")]

D = datetime.date
REASON = "2027年工作日历录入，期限重新计算"


@pytest.fixture(autouse=True)
def _dispatcher_has_run():
    """The years the reference seed noted were recounted long ago."""
    CalendarRecount.objects.all().delete()


def latest_change(case):
    """The case's newest history row, in the spine's table or its programme's
    (the recount may save the case as either)."""
    rows = [
        row
        for model in (Case, Application)
        if (row := model.history.filter(id=case.pk).order_by("-history_date").first())
    ]
    return max(rows, key=lambda row: row.history_date)


def test_entering_2027_recounts_a_due_date_that_spans_it(accepted, city_admin):
    """Accepted Wednesday 30 December 2026: the visits are due Monday 4
    January 2027 and the case Wednesday 10 February 2027, counted
    Monday–Friday. 1 January 2027 entered as a holiday: both one working day
    later, each change in the history with its reason; then the year is
    confirmed, by whom and when."""
    case = accepted(D(2026, 12, 30))
    deadline = open_task(case, DibaoFlow.home_visit).deadline
    assert (deadline.due_on, case.due_on) == (D(2027, 1, 4), D(2027, 2, 10))
    desk = Desk(city_admin)
    url = reverse("calendar:index")
    assert desk.get(url + "?year=2027").status_code == 200

    response = desk.post(
        url,
        {
            "action": "add",
            "year": "2027",
            "on": "2027-01-01",
            "is_workday": "0",
            "name": "元旦",
        },
    )
    assert response.status_code == 302, response.content.decode()
    # the request only notes the year; the timer dispatcher recounts it
    deadline.refresh_from_db()
    assert deadline.due_on == D(2027, 1, 4)
    assert CalendarRecount.objects.filter(year=2027).exists()
    clocks.recount_pending_years()
    assert not CalendarRecount.objects.filter(year=2027).exists()

    deadline.refresh_from_db()
    case.refresh_from_db()
    assert deadline.due_on == D(2027, 1, 5)
    assert case.due_on == D(2027, 2, 11)
    moved = latest_change(case)
    assert (moved.due_on, moved.history_change_reason) == (D(2027, 2, 11), REASON)
    moved = TaskDeadline.history.filter(task_id=deadline.pk).latest("history_id")
    assert (moved.due_on, moved.history_change_reason) == (D(2027, 1, 5), REASON)

    response = desk.post(
        url, {"action": "confirm", "year": "2027", "note": "国办发明电〔2026〕号"}
    )
    assert response.status_code == 302
    confirmation = CalendarYear.objects.get(year=2027)
    assert (confirmation.source, confirmation.confirmed_by) == ("admin", city_admin)
    assert confirmation.history.get().history_user == city_admin


def test_a_correction_in_the_admin_recounts_too(accepted, admin_user):
    """The Django admin is the other way in; its confirm action is the
    service's."""
    case = accepted(D(2026, 12, 30))
    admin_client = Desk(admin_user).client
    response = admin_client.post(
        reverse("admin:workflows_calendarday_add"),
        {"date": "2027-01-01", "is_workday": "", "name": "元旦"},
    )
    assert response.status_code == 302, response.content.decode()
    clocks.recount_pending_years()
    case.refresh_from_db()
    assert case.due_on == D(2027, 2, 11)
    day = CalendarDay.objects.get(date=D(2027, 1, 1))
    assert day.source == "admin"

    response = admin_client.post(
        reverse("admin:workflows_calendarday_changelist"),
        {"action": "confirm_years", "_selected_action": [day.pk]},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).confirmed_by == admin_user


def test_one_recount_per_year_and_transaction_and_none_after_a_rollback(
    city_admin, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        clocks, "recount_between", lambda first, last, reason: calls.append(first) or 0
    )
    with transaction.atomic():
        for day in (10, 11, 12):  # Wednesday to Friday
            calendar_services.calendar_day_enter(
                user=city_admin, on=D(2027, 2, day), is_workday=False, name="春节"
            )
    clocks.recount_pending_years()
    assert calls == [D(2027, 1, 1)]

    calls.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        calendar_services.calendar_day_enter(
            user=city_admin, on=D(2027, 10, 1), is_workday=False, name="国庆节"
        )
        raise RuntimeError
    clocks.recount_pending_years()
    assert calls == []


def test_only_the_calendars_administrator_enters_or_confirms(cast, city_admin):
    url = reverse("calendar:index")
    assert Desk(cast.caseworker).get(url).status_code == 403
    refused = Desk(cast.district_supervisor).post(
        url, {"action": "confirm", "year": "2027"}
    )
    assert refused.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(PermissionDenied):
        calendar_services.calendar_year_confirm(user=cast.caseworker, year=2027)


def test_what_the_services_refuse(city_admin):
    # nothing entered yet: nothing to confirm
    with pytest.raises(ValidationError):
        calendar_services.calendar_year_confirm(user=city_admin, year=2027)
    # a plain Monday is a working day already
    with pytest.raises(ValidationError):
        calendar_services.calendar_day_enter(
            user=city_admin, on=D(2027, 1, 4), is_workday=True, name="无"
        )
    # a stored day is corrected only with a reason, and is then the admin's
    package_day = CalendarDay.objects.get(date=D(2026, 10, 10))
    with pytest.raises(ValidationError):
        calendar_services.calendar_day_enter(
            user=city_admin, on=package_day.date, is_workday=False, name="误"
        )
    # the package's days are corrected, not removed
    with pytest.raises(ValidationError):
        calendar_services.calendar_day_remove(
            user=city_admin, day=package_day, reason="误删"
        )
    # a year is confirmed once
    calendar_services.calendar_day_enter(
        user=city_admin, on=D(2027, 1, 1), is_workday=False, name="元旦"
    )
    calendar_services.calendar_year_confirm(user=city_admin, year=2027)
    with pytest.raises(ValidationError):
        calendar_services.calendar_year_confirm(user=city_admin, year=2027)


def test_a_day_outside_the_pages_years_or_entered_a_moment_earlier_is_refused(
    city_admin, monkeypatch
):
    with pytest.raises(ValidationError) as refused:
        calendar_services.calendar_day_enter(
            user=city_admin, on=D(9999, 1, 1), is_workday=False, name="元旦"
        )
    assert "2000" in str(refused.value)
    # a colleague saved the same day between the lookup and the save: a
    # refusal, not a server error, and nothing half-written
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    monkeypatch.setattr(
        CalendarDay.objects, "filter", lambda **kw: CalendarDay.objects.none()
    )
    with pytest.raises(ValidationError) as refused:
        calendar_services.calendar_day_enter(
            user=city_admin, on=D(2027, 1, 1), is_workday=False, name="元旦"
        )
    assert "刚由他人录入" in str(refused.value)
