"""One lock order for every path that changes a task: the cases' process
rows (ascending pk, all at once), then the task rows. Checked here through
the checkpoints each lock passes, on either database; tests/race shows on
PostgreSQL what the order prevents."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.flow import Flow

from roles.models import Absence
from tests.race.cases import accepted_case
from tests.race.harness import Trace, out_of_order
from tests.workflows.dibao.desk import open_task
from workflows.core.flow import ScopedFlowMixin
from workflows.core.locks import case_lock
from workflows.core.services import run_task
from workflows.dibao import services as dibao
from workflows.dibao.flows import DibaoFlow
from workflows.escalation.flows import EscalationFlow
from workflows.hotline.flows import HotlineFlow
from workflows.work.services import absences_apply, tasks_reassign

pytestmark = pytest.mark.django_db


def all_flows(base=Flow):
    for flow_class in base.__subclasses__():
        yield flow_class
        yield from all_flows(flow_class)


def test_every_flow_takes_the_case_lock():
    """Every flow of every programme (the URLconf has imported them all)."""
    flows = set(all_flows())
    assert {DibaoFlow, EscalationFlow, HotlineFlow} <= flows
    for flow_class in flows:
        assert issubclass(flow_class, ScopedFlowMixin), flow_class
        assert flow_class.lock_impl is case_lock, flow_class


def test_moving_tasks_of_several_cases_locks_the_cases_in_order_then_the_tasks(
    cast,
):
    cases = [accepted_case(cast) for _ in range(3)]
    tasks = [open_task(case, DibaoFlow.home_visit) for case in cases]
    with Trace("case.locked", "tasks.locked") as trace:
        tasks_reassign(
            task_ids=[t.pk for t in reversed(tasks)],
            to_user=cast.caseworker2,
            by=cast.town_supervisor,
            reason="调整分工",
        )
    assert [name for name, _ in trace.events][:2] == ["case.locked", "tasks.locked"]
    assert trace.pks("case.locked")[0] == sorted(c.pk for c in cases)
    assert trace.pks("tasks.locked")[0] == sorted(t.pk for t in tasks)


def test_a_step_run_by_the_services_locks_its_case_then_re_reads_the_task(cast):
    case = accepted_case(cast)
    task = open_task(case, DibaoFlow.neighbour_visit)
    with Trace("case.locked", "tasks.locked") as trace:
        run_task(
            task=task,
            user=cast.caseworker,
            step=lambda a: dibao.neighbour_visit_record(
                application=a.process,
                user=cast.caseworker,
                visited_on=timezone.localdate(),
                persons_interviewed="邻居两户",
                findings="属实",
            ),
        )
    assert trace.events[:2] == [
        ("case.locked", {"pks": [case.pk]}),
        ("tasks.locked", {"pks": [task.pk]}),
    ]
    assert out_of_order(trace.pks("case.locked")) == []


def test_a_leave_locks_every_case_it_moves_at_once_and_in_order(cast):
    cases = [accepted_case(cast) for _ in range(2)]
    today = timezone.localdate()
    Absence.objects.create(
        user=cast.caseworker,
        substitute=cast.caseworker2,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
        reason="年休假",
        created_by=cast.town_supervisor,
    )
    with Trace("case.locked") as trace:
        assert absences_apply(today=today) == 4  # two visits per case
    acquired = trace.pks("case.locked")
    assert acquired[0] == sorted(c.pk for c in cases)
    assert out_of_order(acquired) == []
