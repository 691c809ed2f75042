"""An escalation's decision continues another case (the 低保 application
waiting at ``await_escalation``) without holding both locks: the meeting
locks only the escalation; the application, told through the spine's
``followup_decided`` signal, continues after the meeting commits, under its
own lock."""

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


def test_the_waiting_application_continues_after_the_meeting_commits(people):
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
    assert acquired[0] == [esc.pk]  # the meeting: its own case only
    assert [case.pk] in acquired[1:]  # then, after the commit, the application
    assert all(case.pk not in pks or pks == [case.pk] for pks in acquired)
    waiting = case.task_set.get(flow_task=DibaoFlow.await_escalation)
    assert waiting.status == STATUS.DONE
