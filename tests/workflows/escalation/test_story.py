"""The source article's case, end to end: a call to 台儿庄区's 6612349 about a
son with leukemia → 运河街道 verifies → not eligible on the numbers →
提级复审 → ten units meet and vote unanimously to include → five measures
(¥122,200 in all) → the household on the roster."""

from decimal import Decimal

import pytest
from viewflow.workflow.status import STATUS

from workflows.benefits.models import Benefit
from workflows.core.programmes import descendants
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application
from workflows.escalation.flows import EscalationFlow
from workflows.escalation.models import Escalation, Measure
from workflows.hotline.flows import HotlineFlow
from workflows.hotline.models import Call

from ..dibao.desk import Desk, through_notice
from .story import (
    ARTICLE_MEASURES,
    answer,
    apply_from_call,
    carry_out,
    dispatch,
    escalation_of,
    inform,
    meeting_data,
    open_task,
    prepare,
    propose_escalation,
    record_meeting,
    register_call,
    state,
    to_calculation,
    verify,
    work,
)

pytestmark = pytest.mark.django_db


def test_the_leukemia_case_from_the_article(people):
    p = people
    # the call, dispatched to the street that covers the address, verified
    call = register_call(p)
    assert call.number.startswith("RX") and call.stage == Call.Stage.DISPATCH
    dispatch(p, call)
    call.refresh_from_db()
    assert call.town.name == "运河街道"
    assert p.caseworker.pk not in {p.operator.pk}
    verify(p, call)

    # the town starts an application from the call (linked), the operator calls back
    case = apply_from_call(p, call)
    assert case.origin.specific == call
    answer(p, call)
    call.refresh_from_db()
    assert call.outcome == Call.Outcome.APPLICATION and call.finished

    # the statutory steps: the numbers say no
    assessment = to_calculation(p, case)
    assert assessment.outcome == "not_eligible"

    # 提级复审 from the first opinion: the application waits
    propose_escalation(p, case)
    case.refresh_from_db()
    assert case.stage == Application.Stage.ESCALATED
    assert open_task(case, DibaoFlow.await_escalation) is not None
    esc = escalation_of(case)
    assert esc.origin.specific == case and case.origin_id == call.pk
    assert esc.subject_name == "李凤琴"
    assert esc.level == Escalation.Level.DISTRICT

    # the bureau prepares and invites the ten units; each gets its own task
    prepare(p, esc)
    esc.refresh_from_db()
    assert esc.invited_units.count() == 10
    unit_tasks = esc.task_set.filter(flow_task=EscalationFlow.state_measures)
    assert unit_tasks.count() == 10
    assert {t.data["unit"] for t in unit_tasks} == {u.pk for u, _ in p.units.values()}
    # a unit's staff see this case (and its linked file), nothing else
    union = p.unit_user("trade_union")
    esc_page = EscalationFlow.instance.reverse("process_detail", args=[esc.pk])
    assert Desk(union).get(esc_page).status_code == 200
    for url in (
        DibaoFlow.instance.reverse("process_detail", args=[case.pk]),
        HotlineFlow.instance.reverse("process_detail", args=[call.pk]),
    ):
        assert Desk(union).get(url).status_code in (403, 404)  # no such app for them
    # …and not another unit's task
    red_cross_task = open_task(
        esc, EscalationFlow.state_measures, p.units["red_cross"][0]
    )
    from ..dibao.desk import task_url

    assert Desk(union).post(task_url(red_cross_task, "assign")).status_code == 403

    for kind in p.units:
        state(p, esc, kind)

    # the meeting: all ten present, unanimous, include in 低保
    record_meeting(p, esc, meeting_data(p, esc))
    esc.refresh_from_db()
    meeting = esc.meeting
    assert meeting.carried and meeting.units_present == 10 and meeting.votes_for == 10
    assert esc.measures.count() == 5

    # the meeting's decision is published for 7 days like any proposal to
    # include (S1 Art 19, 28), then the decision follows with the meeting
    # as its basis — the meeting stands in for the district's review only
    case.refresh_from_db()
    assert case.stage == Application.Stage.OPINION
    assert open_task(case, DibaoFlow.decide) is None
    work(
        p.caseworker,
        case,
        DibaoFlow.publish_inclusion,
        {"place": "运河街道某社区公开栏"},
    )
    case.refresh_from_db()
    notice = case.notices.latest("pk")
    assert case.stage == Application.Stage.NOTICE
    assert notice.proposed_amount == Decimal("1800") and notice.applicant_name
    through_notice(case)
    assert case.stage == Application.Stage.DECISION
    assert open_task(case, DibaoFlow.review) is None
    work(
        p.district_supervisor,
        case,
        DibaoFlow.decide,
        {"outcome": "approve", "reasons": "经一事一议专题会议决定纳入。"},
    )
    case.refresh_from_db()
    decision = case.decisions.get()
    assert decision.escalation_id == esc.pk
    assert decision.monthly_amount == Decimal("1800")
    assert Benefit.objects.filter(
        case=case, household=case.household, kind="dibao"
    ).exists()
    assert case.stage == Application.Stage.APPROVED and case.finished

    # the five measures carried out by their units; the household told
    for kind in ARTICLE_MEASURES:
        carry_out(p, esc, kind)
    inform(p, esc)
    esc.refresh_from_db()
    assert esc.stage == Escalation.Stage.CLOSED and esc.status == STATUS.DONE
    assert esc.total_given == Decimal("122200")
    assert set(esc.measures.values_list("status", flat=True)) == {Measure.Status.DONE}
    page = Desk(p.reviewer).get(esc_page)
    assert "122,200.00" in page.content.decode()
    # the units' access ended with the case (no grant left: not even the app)
    assert Desk(union).get(esc_page).status_code in (403, 404)
    # and the call's record shows where it led
    call.refresh_from_db()
    assert [c for c in descendants(call) if c.programme.IS_ESCALATION] == [esc]
