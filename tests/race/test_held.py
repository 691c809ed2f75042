"""One path held at a checkpoint after it took its lock, the other run
meanwhile: the second waits for the case, then decides on what the first did.

Each test fails with the supervisor tools' old locking (task rows only): the
second path does not wait, and the history shows a task returned to the queue
(or moved) and then completed by its old owner."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from roles.models import Absence, Reassignment
from tests.workflows.dibao.desk import open_task
from workflows.dibao.flows import DibaoFlow
from workflows.work.services import absences_apply

from .cases import (
    accepted_case,
    complete_home_visit,
    complete_neighbour_visit,
    reassign,
    take,
    unassign,
)
from .harness import assert_plain_words, hold, postgres_only, trail_anomalies

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def send(crew, request):
    return lambda: request(crew.clients)


def consistent(task):
    assert trail_anomalies(task) == []


def test_unassign_waits_for_a_completion_in_progress(crew):
    """The caseworker's completion holds the case: the supervisor's unassign
    waits, then refuses — the task was completed a moment ago."""
    task = open_task(accepted_case(crew), DibaoFlow.home_visit)
    held = hold(
        send(crew, complete_home_visit(crew, task)),
        "task.allowed",
        send(crew, unassign(task)),
    )
    done, refused = held.a.value, held.b.value
    assert done.status == 302
    assert refused.says("办结"), refused
    assert_plain_words(refused)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, crew.caseworker)
    assert not Reassignment.objects.filter(task=task).exists()
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_a_completion_waits_for_an_unassign_in_progress(crew):
    """The supervisor's unassign holds the case: the caseworker's completion
    waits, then is refused in words — the task went back to the queue."""
    task = open_task(accepted_case(crew), DibaoFlow.home_visit)
    held = hold(
        send(crew, unassign(task)),
        "tasks.locked",
        send(crew, complete_home_visit(crew, task)),
    )
    refused = held.b.value
    assert refused.status == 403
    assert refused.says("退回待领取"), refused
    assert_plain_words(refused)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_a_completion_waits_for_a_reassignment_in_progress(crew):
    task = open_task(accepted_case(crew), DibaoFlow.neighbour_visit)
    held = hold(
        send(crew, reassign(task, crew.caseworker2)),
        "tasks.locked",
        send(crew, complete_neighbour_visit(task)),
    )
    refused = held.b.value
    assert refused.status == 403
    assert refused.says("改派给"), refused
    assert_plain_words(refused)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, crew.caseworker2)
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_a_reassignment_waits_for_a_completion_in_progress(crew):
    task = open_task(accepted_case(crew), DibaoFlow.neighbour_visit)
    held = hold(
        send(crew, complete_neighbour_visit(task)),
        "task.allowed",
        send(crew, reassign(task, crew.caseworker2)),
    )
    assert held.a.value.status == 302
    refused = held.b.value
    assert refused.status == 422 and refused.says("办结"), refused
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, crew.caseworker)
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_taking_from_the_queue_and_a_supervisor_assigning_do_not_both_land(crew):
    """assign/assign: a reviewer takes the queued cross-check while the
    supervisor assigns it to a colleague. The supervisor waits and then moves
    it from the reviewer, on the record; never an assignment overwritten."""
    task = open_task(accepted_case(crew), DibaoFlow.cross_check)
    held = hold(
        send(crew, take(task, "reviewer")),
        "task.allowed",
        send(crew, reassign(task, crew.reviewer2)),
    )
    assert held.a.value.status == 302
    task.refresh_from_db()
    move = Reassignment.objects.get(task=task)
    assert (move.from_user, move.to_user) == (crew.reviewer, crew.reviewer2)
    assert task.owner == crew.reviewer2
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_two_tabs_completing_one_task(crew):
    """complete/complete: the second submission waits and is told who
    completed the task and when, not viewflow's "no transition from DONE"."""
    task = open_task(accepted_case(crew), DibaoFlow.home_visit)
    held = hold(
        send(crew, complete_home_visit(crew, task)),
        "task.allowed",
        send(crew, complete_home_visit(crew, task, desk="caseworker_tab2")),
    )
    assert held.a.value.status == 302
    refused = held.b.value
    assert refused.status == 403 and refused.says("办结"), refused
    assert_plain_words(refused)
    task.refresh_from_db()
    assert task.history.filter(status=STATUS.DONE).count() == 1
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_leave_starting_waits_for_the_absentees_completion(crew):
    """The timer dispatcher starting a leave holds the cases it moves; the
    absentee's completion waits and is told the task went to the substitute."""
    case = accepted_case(crew)
    task = open_task(case, DibaoFlow.home_visit)
    today = timezone.localdate()
    Absence.objects.create(
        user=crew.caseworker,
        substitute=crew.caseworker2,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        reason="病假",
        created_by=crew.town_supervisor,
    )
    held = hold(
        lambda: absences_apply(today=today),
        "tasks.locked",
        send(crew, complete_home_visit(crew, task)),
    )
    assert held.a.ok, held.a.trace
    refused = held.b.value
    assert refused.status == 403 and refused.says("改派给"), refused
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, crew.caseworker2)
    consistent(task)
    assert held.b_waited and not held.b_done_while_held  # it waited for the case


def test_a_case_locked_past_the_wait_is_said_in_words(crew, settings):
    """When the lock cannot be had within CASE_LOCK_WAIT, nothing is written
    and the user is told the case is being handled by someone else: on the
    supervisor's page as a message, on a task page as a 409 page."""
    settings.CASE_LOCK_WAIT = 0.2
    case = accepted_case(crew)
    home_visit = open_task(case, DibaoFlow.home_visit)
    neighbour_visit = open_task(case, DibaoFlow.neighbour_visit)
    held = hold(
        send(crew, complete_home_visit(crew, home_visit)),
        "task.allowed",
        send(crew, unassign(neighbour_visit)),
        patience=5,
        until_busy=False,
    )
    assert held.b_done_while_held
    busy = held.b.value
    assert busy.says("案件正在由他人办理，请稍后重试"), busy
    assert_plain_words(busy)
    assert not Reassignment.objects.filter(task=neighbour_visit).exists()

    held = hold(
        send(crew, reassign(neighbour_visit, crew.caseworker2)),
        "tasks.locked",
        send(crew, complete_neighbour_visit(neighbour_visit)),
        patience=5,
        until_busy=False,
    )
    assert held.b_done_while_held
    page = held.b.value
    assert page.status == 409 and page.says("案件正在由他人办理"), page
    assert_plain_words(page)
