"""Escalations that do not end in inclusion, an absent unit, the town tier,
the city's list of common problems, and bad input refused with a reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import set_policy
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application
from workflows.escalation import services
from workflows.escalation.flows import EscalationFlow
from workflows.escalation.models import Escalation, MemberUnit
from workflows.hotline.flows import HotlineFlow

from ..dibao.desk import Desk, task_url
from .story import (
    DISTRICT,
    apply_from_call,
    dispatch,
    escalation_of,
    inform,
    meeting_data,
    open_task,
    prepare,
    propose_escalation,
    record_meeting,
    register_call,
    start_url,
    state,
    to_calculation,
    verify,
    work,
)

pytestmark = pytest.mark.django_db


def escalated(p):
    """A verified call → application → not eligible → escalated and prepared."""
    call = register_call(p)
    dispatch(p, call)
    verify(p, call)
    case = apply_from_call(p, call)
    to_calculation(p, case)
    propose_escalation(p, case)
    esc = escalation_of(case)
    return case, esc


def errors_of(response):
    context = response.context
    messages = list(context["form"].non_field_errors())
    for field_errors in context["form"].errors.values():
        messages += list(field_errors)
    return " ".join(str(m) for m in messages)


def test_a_rejected_escalation_sends_the_case_back_to_a_first_opinion(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind, measures="无", amount="0")
    record_meeting(p, esc, meeting_data(p, esc, decision="reject", monthly_amount=""))
    esc.refresh_from_db()
    assert esc.meeting.carried and esc.meeting.decision == "reject"
    assert esc.measures.count() == 0
    case.refresh_from_db()
    assert case.stage == Application.Stage.OPINION
    assert open_task(case, DibaoFlow.first_opinion) is not None
    # it cannot be escalated a second time; the town proposes on the rules
    response = propose_escalation(p, case, expect=200)
    assert "不能再次提请" in errors_of(response)
    work(
        p.caseworker,
        case,
        DibaoFlow.first_opinion,
        {"proposal": "reject", "reasons": "一事一议会议决定不予救助。"},
    )
    case.refresh_from_db()
    assert case.stage == Application.Stage.REVIEW
    inform(p, esc)
    esc.refresh_from_db()
    assert esc.stage == Escalation.Stage.CLOSED and esc.finished


def test_a_vote_that_does_not_carry_gives_nothing_and_includes_nobody(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind)
    choices = {kind: "against" for kind in list(p.units)[:5]}
    choices.update({kind: "absent" for kind in list(p.units)[5:7]})
    record_meeting(p, esc, meeting_data(p, esc, choices=choices))
    esc.refresh_from_db()
    m = esc.meeting
    assert (m.units_present, m.votes_for, m.votes_against) == (8, 3, 5)
    assert not m.carried
    assert esc.measures.count() == 0
    case.refresh_from_db()
    assert case.stage == Application.Stage.OPINION  # not included
    assert not case.included_by_escalation


def test_a_unit_that_never_answers_goes_overdue_and_is_recorded_absent(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    silent = p.units["housing"][0]
    for kind in p.units:
        if kind != "housing":
            state(p, esc, kind)
    task = open_task(esc, EscalationFlow.state_measures, silent)
    # its deadline passes: the district supervisor sees it overdue
    task.deadline.due_on = timezone.localdate() - datetime.timedelta(days=2)
    task.deadline.save()
    workload = Desk(p.district_supervisor).get("/work/")
    assert workload.context["queue"]["overdue"] >= 1
    # the meeting proceeds; the unit is absent and its task is closed
    data = meeting_data(p, esc, choices={"housing": "absent"})
    record_meeting(p, esc, data)
    task.refresh_from_db()
    assert task.status == "CANCELED"
    esc.refresh_from_db()
    vote = esc.meeting.votes.get(unit=silent)
    assert vote.choice == "absent"
    assert esc.meeting.units_present == 9 and esc.meeting.carried
    # its staff no longer see the case
    page = EscalationFlow.instance.reverse("process_detail", args=[esc.pk])
    assert Desk(p.units["housing"][1]).get(page).status_code in (403, 404)


def test_a_unit_user_cannot_open_any_other_case(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    user = p.unit_user("charity")
    desk = Desk(user)
    assert (
        desk.get(
            EscalationFlow.instance.reverse("process_detail", args=[esc.pk])
        ).status_code
        == 200
    )
    assert (
        desk.get(
            DibaoFlow.instance.reverse("process_detail", args=[case.pk])
        ).status_code
        in (403, 404)  # no such app for a unit's staff
    )
    other_call = register_call(p, subject_name="别的人")
    assert desk.get(
        HotlineFlow.instance.reverse("process_detail", args=[other_call.pk])
    ).status_code in (403, 404)
    # lists show only this case
    cases = desk.get(EscalationFlow.instance.reverse("process_list"))
    assert [c.pk for c in cases.context["object_list"]] == [esc.pk]
    assert desk.get(DibaoFlow.instance.reverse("process_list")).status_code in (
        403,
        404,
    )
    # a unit of another district is not invited and sees nothing
    stranger = Desk(p.outsider_unit_user)
    assert stranger.get(
        EscalationFlow.instance.reverse("process_detail", args=[esc.pk])
    ).status_code in (403, 404)


def test_the_town_handles_a_case_itself(people):
    p = people
    call = register_call(p)
    dispatch(p, call)
    verify(p, call)
    desk = Desk(p.caseworker)
    page = desk.get(HotlineFlow.instance.reverse("process_detail", args=[call.pk]))
    url = start_url(page, "提请提级复审")
    response = desk.post(
        url,
        {
            "level": "town",
            "hardship": "突发重病",
            "referral_reason": "镇街临时救助即可解决",
        },
    )
    assert response.status_code == 302
    esc = Escalation.objects.get(origin=call)
    assert esc.stage == Escalation.Stage.TOWN_HANDLING
    data = {
        "decision": "给予镇（街道）临时救助。",
        "measures-TOTAL_FORMS": "3",
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "1000",
        "measures-0-provider": "运河街道",
        "measures-0-description": "临时救助",
        "measures-0-amount": "3000",
        "measures-0-given_on": timezone.localdate().isoformat(),
        "measures-0-reference": "YH-LS-1",
    }
    work(p.town_supervisor, esc, EscalationFlow.handle_locally, data)
    inform(p, esc)
    esc.refresh_from_db()
    assert esc.stage == Escalation.Stage.CLOSED
    assert esc.total_given == Decimal("3000")


def test_common_problems_reach_the_city(people, staff):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind)
    data = meeting_data(
        p,
        esc,
        common_problem="on",
        common_problem_note="重特大疾病患者家庭收入略高于标准但医疗支出巨大，现行政策未覆盖。",
    )
    record_meeting(p, esc, data)
    city = staff("city_administrator", "370400")
    page = Desk(city).get(EscalationFlow.instance.reverse("common_problems"))
    assert page.status_code == 200, page.status_code
    assert [m.escalation_id for m in page.context["object_list"]] == [esc.pk]
    # a caseworker does not get the list
    assert (
        Desk(p.caseworker)
        .get(EscalationFlow.instance.reverse("common_problems"))
        .status_code
        == 403
    )


# --- bad input --------------------------------------------------------------------


def test_a_meeting_below_the_quorum_is_refused(people):
    p = people
    case, esc = escalated(p)
    response = prepare(
        p, esc, kinds=["civil_affairs", "charity", "red_cross"], expect=200
    )
    assert "少于会议最少到会单位数" in errors_of(response)
    prepare(p, esc)
    choices = {kind: "absent" for kind in list(p.units)[:6]}  # four present
    response = record_meeting(p, esc, meeting_data(p, esc, choices=choices), expect=200)
    assert "少于最少到会单位数" in errors_of(response)
    esc.refresh_from_db()
    assert esc.meeting is None  # nothing half-written


def test_a_vote_from_a_unit_that_was_not_invited_is_refused(people):
    p = people
    case, esc = escalated(p)
    prepare(
        p,
        esc,
        kinds=[
            "civil_affairs",
            "trade_union",
            "charity",
            "medical_insurance",
            "red_cross",
        ],
    )
    data = meeting_data(p, esc)
    stranger = MemberUnit.objects.get(district__code=DISTRICT, kind="housing")
    data["votes-0-unit"] = str(stranger.pk)
    response = record_meeting(p, esc, data, expect=200)
    assert "未受邀参加本次会议" in errors_of(response)
    esc.refresh_from_db()
    assert esc.meeting is None


def test_negative_or_non_numeric_amounts_are_refused(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for amount, message in (("-5", "金额不能为负数"), ("一万", "")):
        response = state(
            p, esc, "charity", measures="慈善救助", amount=amount, expect=200
        )
        assert message in errors_of(response)
        assert "amount" in response.context["form"].errors
    assert not esc.statements.exists()


def test_a_second_decision_on_a_decided_escalation_is_refused(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind)
    record_meeting(p, esc, meeting_data(p, esc, decision="measures", monthly_amount=""))
    esc.refresh_from_db()
    with pytest.raises(ValidationError, match="不能重复决定"):
        services.meeting_record(
            escalation=esc,
            user=p.reviewer,
            held_on=timezone.localdate(),
            place="x",
            chair="x",
            attendees="x",
            votes=[],
            decision="reject",
            monthly_amount=Decimal("0"),
            decision_text="x",
            minutes="x",
        )
    # and the step is gone: its page no longer accepts a decision
    task = esc.task_set.get(flow_task=EscalationFlow.record_meeting)
    assert task.status == "DONE"
    response = Desk(p.reviewer).post(task_url(task, "execute"), {})
    assert response.status_code in (403, 404, 302)


def test_a_unit_staffer_holding_a_task_shows_on_the_supervisors_workload(people):
    """Unit staff hold no post: their open tasks must still show, and move, on
    the district supervisor's workload — to a colleague of the same unit."""
    from tests.factories import StaffFactory
    from workflows.work.services import eligible_assignees

    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    unit, holder = p.units["trade_union"]
    task = open_task(esc, EscalationFlow.state_measures, unit)
    assert Desk(holder).post(task_url(task, "assign")).status_code == 302
    colleague = StaffFactory()
    colleague.save()
    colleague.groups.add(unit.group)

    desk = Desk(p.district_supervisor)
    rows = {r["user"].pk: r for r in desk.get("/work/").context["people"]}
    assert rows[holder.pk]["open"] == 1
    assert unit.group.name in rows[holder.pk]["groups"]
    page = desk.get(f"/work/people/{holder.pk}/")
    assert page.status_code == 200
    assert [t.pk for t in page.context["tasks"]] == [task.pk]
    # the same unit's colleague may take it over; another unit's staff may not
    eligible = eligible_assignees(task)
    assert colleague in eligible
    assert p.units["red_cross"][1] not in eligible
    # someone holding nothing here stays out of reach
    assert desk.get(f"/work/people/{p.outsider_unit_user.pk}/").status_code == 404


def test_a_repeated_vote_row_cannot_make_the_quorum_or_the_majority(people):
    """Two units present, quorum five: three crafted copies of a "for" row
    must not count as three more units."""
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    kinds = list(p.units)
    choices = {kind: "absent" for kind in kinds[2:]}  # two present
    data = meeting_data(p, esc, choices=choices)
    total = int(data["votes-TOTAL_FORMS"])
    for extra in range(3):
        i = total + extra
        data[f"votes-{i}-unit"] = data["votes-0-unit"]
        data[f"votes-{i}-choice"] = "for"
        data[f"votes-{i}-opinion"] = ""
        data[f"votes-{i}-measure"] = ""
        data[f"votes-{i}-amount"] = "0"
    data["votes-TOTAL_FORMS"] = str(total + 3)
    response = record_meeting(p, esc, data, expect=200)
    errors = errors_of(response)
    assert "重复填写" in errors and "少于最少到会单位数" in errors
    esc.refresh_from_db()
    assert esc.meeting is None


def test_an_absent_unit_gets_no_measure(people):
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind)
    data = meeting_data(p, esc, choices={"red_cross": "absent"})  # amount kept
    response = record_meeting(p, esc, data, expect=200)
    assert "记为缺席，不能议定其救助措施" in errors_of(response)
    esc.refresh_from_db()
    assert esc.meeting is None and not esc.measures.exists()


def test_without_a_district_policy_the_pages_say_so_instead_of_failing(people):
    p = people
    case, esc = escalated(p)
    set_policy(DISTRICT, valid_to=timezone.localdate() - datetime.timedelta(days=1))
    task = open_task(esc, EscalationFlow.prepare)
    desk = Desk(p.reviewer)
    desk.post(task_url(task, "assign"))
    page = desk.get(task_url(task, "execute"))
    assert page.status_code == 200
    assert "没有有效的审核确认设置" in page.content.decode()


def test_the_referral_page_keeps_the_escalate_once_rule(people):
    """A decided escalation cannot be started again from the referral page,
    and a crafted source id is a 404, not an error page."""
    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    for kind in p.units:
        state(p, esc, kind)
    choices = {kind: "against" for kind in p.units}
    record_meeting(p, esc, meeting_data(p, esc, choices=choices, decision="reject"))
    esc.refresh_from_db()
    assert esc.stage == Escalation.Stage.MEASURES  # the beneficiary is told first
    inform(p, esc)
    esc.refresh_from_db()
    assert esc.stage == Escalation.Stage.CLOSED

    desk = Desk(p.reviewer)
    refer = EscalationFlow.refer.reverse("execute")
    response = desk.post(
        f"{refer}?origin={case.pk}",
        {"level": "district", "hardship": "再次提请。", "referral_reason": "仍困难。"},
    )
    assert response.status_code == 200
    assert "不能再次提请" in errors_of(response)
    assert Escalation.objects.filter(origin=case).count() == 1
    assert desk.get(f"{refer}?origin=%C2%B2").status_code == 404


def test_the_units_grants_are_in_the_case_timeline_and_the_audit_search(people):
    from workflows.audit.search import Filters, search
    from workflows.audit.timeline import Kind, case_timeline

    p = people
    case, esc = escalated(p)
    prepare(p, esc)
    union = p.units["trade_union"][0]
    grants = [e for e in case_timeline(esc) if e.kind == Kind.GRANT]
    assert any(union.group.name in e.summary for e in grants)
    assert {e.model for e in grants} == {"roles.CaseGroupGrant"}
    found = search(
        p.district_supervisor,
        Filters(kind=Kind.GRANT, model="roles.CaseGroupGrant"),
    )
    assert any(union.group.name in e.summary for e in found)
