"""The case's clocks on a 低保 case: pauses that really pause, a
re-investigation with its own clock, the overall limit on every task, and
the two statutory steps that were missing (S1 Art 18 re-check; the public
notice of a 一事一议 inclusion is covered in escalation/test_story.py)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from workflows.clock.models import TimeLimit
from workflows.clock.services import add_working_days, due_after
from workflows.core.clocks import assign_deadline, case_pause, case_resume
from workflows.core.models import ClockPause, TaskDeadline
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

from .desk import (
    Desk,
    accept,
    calculate,
    case_url,
    investigate,
    open_task,
    propose,
    submit,
    through_notice,
    today,
)

pytestmark = pytest.mark.django_db


def _accepted(cast, back=0):
    """A case accepted ``back`` calendar days ago (its clocks counted from
    then, as if it had been accepted that day)."""
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    case.refresh_from_db()
    if back:
        start = timezone.localdate() - datetime.timedelta(days=back)
        Application.objects.filter(pk=case.pk).update(
            accepted_on=start,
            clock_started_on=start,
            due_on=due_after(case.limit_code, start).on,
        )
        for deadline in TaskDeadline.objects.filter(task__process_id=case.pk):
            deadline.starts_on = start
            deadline.due_on = due_after(deadline.limit.code, start).on
            deadline.save()
        case.refresh_from_db()
    return case


def test_a_pause_moves_every_open_deadline_by_its_working_days(cast):
    case = _accepted(cast, back=14)
    home_visit = open_task(case, DibaoFlow.home_visit)
    started = case.clock_started_on
    overall_before = case.due_on
    # the clock stops 12 calendar days ago (before the home visit's 3 working
    # days ran out) while the applicant fetches a document, and resumes today
    paused_on = timezone.localdate() - datetime.timedelta(days=12)
    case_pause(case=case, user=cast.caseworker, reason="等待补交身份证", on=paused_on)
    case.refresh_from_db()
    assert case.clock_paused is not None
    case_resume(case=case, user=cast.caseworker)
    case.refresh_from_db()
    from workflows.clock.services import working_days_between

    stopped = working_days_between(paused_on, timezone.localdate())
    assert stopped >= 5
    assert case.due_on == add_working_days(started, 30 + stopped) != overall_before
    # the task's own deadline moved too; both changes are in the history
    home_visit.deadline.refresh_from_db()
    assert home_visit.deadline.due_on == add_working_days(
        home_visit.deadline.starts_on, 3 + stopped
    )
    assert case.history.filter(history_change_reason__contains="顺延").exists()
    assert ClockPause.history.count() == 2  # paused, resumed


def test_a_five_working_day_pause_moves_the_limit_by_five_working_days(cast):
    case = _accepted(cast)
    start = case.clock_started_on
    base = case.due_on
    # a pause covering exactly five working days, in the past
    day = start
    ClockPause.objects.create(
        case=case,
        starts_on=start,
        ends_on=add_working_days(start, 5),
        reason="等待补交材料",
        started_by=cast.caseworker,
    )
    due = due_after(case.limit_code, start, pauses=[(start, add_working_days(day, 5))])
    assert due.on == add_working_days(base, 5)


def test_pausing_is_refused_without_the_power_a_reason_or_twice(cast, staff):
    case = _accepted(cast)
    with pytest.raises(PermissionDenied):
        case_pause(case=case, user=cast.other_town_caseworker, reason="x")
    with pytest.raises(ValidationError):
        case_pause(case=case, user=cast.caseworker, reason="  ")
    case_pause(case=case, user=cast.caseworker, reason="等待补交户口簿")
    with pytest.raises(ValidationError):
        case_pause(case=case, user=cast.caseworker, reason="again")
    with pytest.raises(ValidationError):
        case_resume(
            case=case,
            user=cast.caseworker,
            on=timezone.localdate() + datetime.timedelta(days=1),
        )


def test_the_pause_page_for_the_caseworker_and_404_for_another_region(cast):
    case = _accepted(cast)
    url = case_url(case, "process_clock")
    desk = Desk(cast.caseworker)
    page = desk.get(url)
    assert page.status_code == 200 and "暂停计时" in page.content.decode()
    response = desk.post(
        url, {"action": "pause", "on": today(), "reason": "等待补交残疾证"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.clock_paused.reason == "等待补交残疾证"
    # the case and task pages say the clock stands still
    detail = desk.get(case_url(case)).content.decode()
    assert "暂停计时" in detail and "恢复计时" in detail
    # a caseworker of another town: the case does not exist for them
    other = Desk(cast.other_town_caseworker)
    assert other.get(url).status_code == 404
    assert other.post(url, {"on": today()}).status_code == 404
    # resuming through the page
    response = desk.post(url, {"action": "resume", "on": today()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.clock_paused is None


def test_a_reinvestigation_starts_its_own_clock(cast):
    case = _accepted(cast, back=20)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(
        case, {"objector": "", "content": "异议", "recorded_by": cast.coordinator}
    )
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.handle_objection,
        {"handling": "reinvestigate", "result": "重新调查"},
    )
    for node in (DibaoFlow.home_visit, DibaoFlow.neighbour_visit):
        task = open_task(case, node)
        assert task.deadline.starts_on == timezone.localdate()
        assert not task.deadline.is_overdue
        assert task.deadline.due_on > timezone.localdate()


def test_every_task_page_shows_the_overall_limit(cast):
    case = _accepted(cast)
    _, page = Desk(cast.caseworker).open(case, DibaoFlow.home_visit)
    text = page.content.decode()
    assert "本案办结期限" in text and case.due_on.isoformat() in text
    assert "本环节截止" in text


def test_a_limit_in_hours_falls_due_at_its_hour(cast):
    TimeLimit.objects.create(
        code="hotline_dispatch",
        amount=24,
        unit=TimeLimit.Unit.HOURS,
        article="测试：24小时",
        valid_from=datetime.date(2030, 1, 1),
    )
    case = _accepted(cast)
    task = open_task(case, DibaoFlow.home_visit)
    start = timezone.make_aware(datetime.datetime(2030, 3, 1, 9, 30))
    due = assign_deadline(task, "hotline_dispatch", start)
    assert due.at == start + datetime.timedelta(hours=24)
    task.deadline.refresh_from_db()
    assert task.deadline.due_at == start + datetime.timedelta(hours=24)
    assert task.deadline.due_on == datetime.date(2030, 3, 2)
    assert not due.overdue(now=start + datetime.timedelta(hours=23, minutes=59))
    assert due.overdue(now=start + datetime.timedelta(hours=24, seconds=1))


# --- S1 Art 18: the cross-check's finding told, evidence, re-check ----------


def test_a_discrepant_crosscheck_is_told_and_may_be_rechecked(cast):
    case = _accepted(cast)
    investigate(cast, case, crosscheck="discrepant")
    recheck = open_task(case, DibaoFlow.recheck)
    assert recheck is not None and recheck.deadline.limit.code == "crosscheck_recheck"
    assert open_task(case, DibaoFlow.calculate) is None
    desk = Desk(cast.caseworker)
    # asking for a re-check without the evidence or the result is refused
    response = desk.complete(
        case,
        DibaoFlow.recheck,
        {"informed_on": today(), "requested": "yes", "evidence": ""},
        expect=200,
    )
    assert "请记录其提供的佐证材料" in response.content.decode()
    assert not case.rechecks.exists()
    desk.complete(
        case,
        DibaoFlow.recheck,
        {
            "informed_on": today(),
            "requested": "yes",
            "evidence": "车辆已于去年转让，提供转让合同",
            "result": "corrected",
            "findings": "车管所复查：车辆已过户",
        },
    )
    row = case.rechecks.get()
    assert row.requested and row.result == "corrected"
    assert open_task(case, DibaoFlow.calculate) is not None
    # whoever recorded the re-check took part in the investigation
    case.refresh_from_db()
    assert cast.caseworker.pk in case.investigator_ids


def test_a_consistent_crosscheck_goes_straight_on(cast):
    case = _accepted(cast)
    investigate(cast, case)
    assert open_task(case, DibaoFlow.recheck) is None
    assert open_task(case, DibaoFlow.calculate) is not None
