"""Lateness climbs: the town's supervisor first, the district's after the
bureau's delay, then the city's; the lists and the notices agree."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from tests.factories import CITY
from tests.workflows.dibao.desk import Desk
from workflows.clock.models import TimeLimit
from workflows.core.clocks import assign_deadline
from workflows.core.models import ClockPause
from workflows.notify.models import Notification
from workflows.notify.sweeps import remind, report_lateness
from workflows.work.lateness import Ladder, overdue_q, with_due
from workflows.work.selectors import overdue_tasks

from .story import accepted_case, day, set_due, tasks

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 12, 7)
Kind = Notification.Kind


def listed(user, now):
    return set(overdue_tasks(user, Ladder.at(now)).values_list("pk", flat=True))


def told(task, kind=None):
    rows = Notification.objects.filter(task=task)
    if kind:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("recipient", flat=True))


def test_an_overdue_town_step_climbs_to_the_district_then_the_city(cast, staff):
    city = staff("city_administrator", CITY)
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, MONDAY)  # the home visit was due Monday

    # Monday: not yet late, on nobody's list
    assert report_lateness(now=day(7, 17)) == 0
    assert home.pk not in listed(cast.town_supervisor, day(7, 17))

    # Tuesday: late; the town's supervisor (and the holder) are told
    assert report_lateness(now=day(8)) == 2
    assert told(home, Kind.OVERDUE) == {cast.town_supervisor.pk, cast.caseworker.pk}
    assert home.pk in listed(cast.town_supervisor, day(8))
    assert home.pk not in listed(cast.district_supervisor, day(8))
    assert home.pk not in listed(cast.other_town_caseworker, day(8))

    # Thursday: two working days late, still the town's
    assert report_lateness(now=day(10)) == 0
    assert home.pk not in listed(cast.district_supervisor, day(10))

    # Friday: three working days after it fell late, the district's too
    assert report_lateness(now=day(11)) == 1
    assert told(home, Kind.OVERDUE_ESCALATED) == {cast.district_supervisor.pk}
    assert home.pk in listed(cast.district_supervisor, day(11))
    assert home.pk in listed(cast.town_supervisor, day(11))  # the town keeps it
    assert home.pk not in listed(city, day(11))
    assert report_lateness(now=day(14)) == 0  # the weekend does not count

    # three working days more (Wednesday): the city
    assert report_lateness(now=day(15)) == 0
    assert report_lateness(now=day(16)) == 1
    assert home.pk in listed(city, day(16))
    escalated = Notification.objects.get(task=home, recipient=city)
    assert escalated.params["level"] == "city"
    assert "市" in escalated.text and "6 个工作日" in escalated.text

    # nothing is told twice, however often the dispatcher runs
    assert report_lateness(now=day(17)) == 0
    assert Notification.objects.filter(task=home).count() == 4


def test_a_district_step_starts_at_the_district(cast):
    """The cross-check is the district's work: its supervisor is told at
    once; the town's supervisor neither is told nor lists it."""
    case = accepted_case(cast)
    _, cross_check = tasks(case)
    set_due(cross_check, MONDAY)
    report_lateness(now=day(8))
    assert told(cross_check) == {cast.district_supervisor.pk}  # queued: no holder
    assert cross_check.pk in listed(cast.district_supervisor, day(8))
    assert cross_check.pk not in listed(cast.town_supervisor, day(8))


def test_a_moved_deadline_leaves_the_list(cast):
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, MONDAY)
    report_lateness(now=day(8))
    set_due(home, datetime.date(2026, 12, 18))  # extended
    assert home.pk not in listed(cast.town_supervisor, day(9))
    assert report_lateness(now=day(9)) == 0


def test_without_the_climbing_rule_nothing_climbs(cast):
    for limit in TimeLimit.objects.filter(code=TimeLimit.Code.LATE_TO_NEXT_LEVEL):
        limit._change_reason = "测试：本局不设逐级上报"
        limit.delete()
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, MONDAY)
    report_lateness(now=day(18))
    assert told(home) == {cast.town_supervisor.pk, cast.caseworker.pk}
    assert home.pk not in listed(cast.district_supervisor, day(18))


def test_a_24_hour_limit_falls_due_at_its_hour(cast):
    """A limit in hours runs from the moment it starts: due 24 hours later to
    the minute, overdue only after that moment."""
    limit = TimeLimit(
        code="test_24_hours",
        amount=24,
        unit=TimeLimit.Unit.HOURS,
        article="测试：24小时",
        valid_from=datetime.date(2026, 1, 1),
    )
    limit._change_reason = "测试：以小时计的时限"
    limit.save()
    case = accepted_case(cast)
    home, _ = tasks(case)
    start = day(8, 15, 20)
    due = assign_deadline(home, "test_24_hours", start)
    assert due.at == day(9, 15, 20)
    assert due.on == datetime.date(2026, 12, 9)
    home.deadline.refresh_from_db()
    assert (home.deadline.due_at, home.deadline.starts_at) == (due.at, start)

    def overdue_at(now):
        rows = with_due(Task.objects.filter(pk=home.pk)).filter(overdue_q(now))
        return rows.exists()

    minute = datetime.timedelta(minutes=1)
    assert not overdue_at(due.at - minute)
    assert not overdue_at(due.at)
    assert overdue_at(due.at + minute)
    assert not due.overdue(due.at - minute) and due.overdue(due.at + minute)
    # the same day, after the hour: the town's supervisor is told and lists it
    assert report_lateness(now=due.at - minute) == 0
    assert report_lateness(now=due.at + minute) == 2
    assert home.pk in listed(cast.town_supervisor, due.at + minute)
    notice = Notification.objects.get(task=home, recipient=cast.town_supervisor)
    assert "2026-12-09 15:20" in notice.text


def test_the_overdue_page_shows_how_late_and_the_climb(cast, staff):
    """On the real clock: a task a day late is the town's; one a month late
    has climbed, and the district's page says so."""
    case = accepted_case(cast)
    home, _ = tasks(case)
    today = timezone.localdate()
    set_due(home, today - datetime.timedelta(days=1))
    town = Desk(cast.town_supervisor).get("/work/overdue/")
    assert town.status_code == 200
    rows = town.context["rows"]
    assert [r["task"].pk for r in rows] == [home.pk]
    assert rows[0]["climbed"] is False
    assert "逾期督办" in town.content.decode()
    assert Desk(cast.district_supervisor).get("/work/overdue/").context["rows"] == []

    set_due(home, today - datetime.timedelta(days=30))
    district = Desk(cast.district_supervisor).get("/work/overdue/")
    (row,) = district.context["rows"]
    assert row["climbed"] is True and row["late_days"] >= 15
    assert "已报上级" in district.content.decode()
    assert Desk(cast.caseworker).get("/work/overdue/").status_code == 403


def test_the_workload_counts_a_moment_passed_today_as_overdue(cast):
    case = accepted_case(cast)
    home, _ = tasks(case)
    now = timezone.now()
    set_due(home, timezone.localdate(now), now - datetime.timedelta(minutes=5))
    page = Desk(cast.town_supervisor).get("/work/")
    rows = {r["user"].pk: r for r in page.context["people"]}
    assert rows[cast.caseworker.pk]["overdue"] == 1


def test_a_paused_case_is_nobodys_lateness(cast):
    """While the case's clocks stand still (waiting for the applicant) its
    tasks are neither reminded, listed nor reported; resuming moves them on."""
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, MONDAY)
    pause = ClockPause(
        case=case,
        starts_on=MONDAY,
        reason="等待申请人补交户口簿",
        started_by=cast.caseworker,
    )
    pause._change_reason = pause.reason
    pause.save()
    assert report_lateness(now=day(8)) == 0
    assert home.pk not in listed(cast.town_supervisor, day(8))
    set_due(home, datetime.date(2026, 12, 11))
    assert remind(now=day(9)) == 0
    pause.ends_on = MONDAY
    pause._change_reason = "恢复计时"
    pause.save()
    assert remind(now=day(9)) == 1
