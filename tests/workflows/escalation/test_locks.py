"""An escalation completes a task of another case (the 低保 application
waiting at ``await_escalation``): that case's row is locked together with
the escalation's, in ascending pk order — never taken after it."""

import pytest
from viewflow.workflow.status import STATUS

from tests.race.harness import Trace, out_of_order
from workflows.dibao.flows import DibaoFlow

from .story import (
    apply_from_call,
    dispatch,
    escalation_of,
    meeting_data,
    prepare,
    propose_escalation,
    record_meeting,
    register_call,
    state,
    to_calculation,
    verify,
)

pytestmark = pytest.mark.django_db


def test_the_escalation_locks_the_waiting_application_with_its_own_case(people):
    p = people
    call = register_call(p)
    dispatch(p, call)
    verify(p, call)
    case = apply_from_call(p, call)
    to_calculation(p, case)
    with Trace("case.locked") as referral:
        propose_escalation(p, case)
    esc = escalation_of(case)
    assert case.pk < esc.pk
    assert out_of_order(referral.pks("case.locked")) == []
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind)
    data = meeting_data(p, esc)
    with Trace("case.locked") as meeting:
        record_meeting(p, esc, data)
    acquired = meeting.pks("case.locked")
    assert acquired[0] == [case.pk, esc.pk]  # both, before anything is read
    assert out_of_order(acquired) == []
    waiting = case.task_set.get(flow_task=DibaoFlow.await_escalation)
    assert waiting.status == STATUS.DONE
