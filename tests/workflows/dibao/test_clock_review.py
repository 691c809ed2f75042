"""Review of the case's clocks (issue 11): a pause stops only the deadlines
still running when it began, and a page's POST does what its form said."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from workflows.clock.services import add_working_days, working_days_between
from workflows.core.clocks import case_pause, case_resume
from workflows.core.models import TaskDeadline
from workflows.dibao.flows import DibaoFlow
from workflows.work.lateness import Ladder, overdue_q, with_due
from workflows.work.selectors import overdue_tasks

from .desk import Desk, accept, case_url, open_task, submit, today

pytestmark = pytest.mark.django_db


def _case_with_a_late_step(cast):
    """An accepted case whose overall limit runs far ahead and whose home
    visit fell due ten working days ago."""
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    case.refresh_from_db()
    today_ = timezone.localdate()
    start = today_ - datetime.timedelta(days=30)
    case.clock_started_on = start
    case.due_on = add_working_days(start, 30)
    case.save(update_fields=["clock_started_on", "due_on"])
    home = open_task(case, DibaoFlow.home_visit)
    TaskDeadline.objects.filter(task=home).update(
        starts_on=start, due_on=add_working_days(start, 3)
    )
    home.deadline.refresh_from_db()
    assert home.deadline.due_on < today_ - datetime.timedelta(days=7)
    return case, home


def _late(task):
    now = timezone.now()
    return with_due(Task.objects.filter(pk=task.pk)).filter(overdue_q(now)).exists()


def test_a_pause_begun_after_a_deadline_passed_does_not_move_it(cast):
    """Lateness that already happened is not undone by pausing: the home
    visit's passed deadline stays where it was and stays on the overdue list
    while the pause is open; the overall limit, still running, moves on."""
    case, home = _case_with_a_late_step(cast)
    late_since = home.deadline.due_on
    assert _late(home)
    paused_on = timezone.localdate() - datetime.timedelta(days=6)
    assert paused_on > late_since
    case_pause(case=case, user=cast.caseworker, reason="等待补交户口簿", on=paused_on)
    # while paused: the step that was already late is still late, and on the
    # town supervisor's overdue list
    assert _late(home)
    assert home.pk in set(
        overdue_tasks(cast.town_supervisor, Ladder.at()).values_list("pk", flat=True)
    )
    overall_before = case.due_on
    case_resume(case=case, user=cast.caseworker)
    home.deadline.refresh_from_db()
    case.refresh_from_db()
    assert home.deadline.due_on == late_since
    assert _late(home)
    stopped = working_days_between(paused_on, timezone.localdate())
    assert stopped >= 3
    assert case.due_on == add_working_days(overall_before, stopped)


def test_a_pause_begun_before_a_deadline_still_moves_it(cast):
    case, home = _case_with_a_late_step(cast)
    start = case.clock_started_on
    case_pause(case=case, user=cast.caseworker, reason="等待补交身份证", on=start)
    assert not _late(home)  # it fell due while the clock stood still
    case_resume(case=case, user=cast.caseworker)
    home.deadline.refresh_from_db()
    stopped = working_days_between(start, timezone.localdate())
    assert home.deadline.due_on == add_working_days(start, 3 + stopped)


def test_a_pause_form_posted_after_someone_paused_does_not_resume(cast):
    """Two people on the page: A opened 暂停计时, B paused first. A's POST (a
    reason and a date) must not be read as 恢复计时."""
    case, _home = _case_with_a_late_step(cast)
    url = case_url(case, "process_clock")
    a, b = Desk(cast.caseworker), Desk(cast.caseworker2)
    page = a.get(url)
    assert page.status_code == 200
    assert 'name="action" value="pause"' in page.content.decode()
    paused = b.post(url, {"action": "pause", "on": today(), "reason": "等待补交"})
    assert paused.status_code == 302
    case.refresh_from_db()
    assert case.clock_paused is not None
    response = a.post(
        url, {"action": "pause", "on": today(), "reason": "等待补交残疾证"}
    )
    assert response.status_code == 200
    assert "已被他人" in response.content.decode()
    case.refresh_from_db()
    assert case.clock_paused is not None  # still paused, by B
    # and the other way round: a resume posted after someone resumed does
    # not pause again
    assert 'name="action" value="resume"' in a.get(url).content.decode()
    assert b.post(url, {"action": "resume", "on": today()}).status_code == 302
    response = a.post(url, {"action": "resume", "on": today()})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.clock_paused is None
    assert case.pauses.count() == 1
