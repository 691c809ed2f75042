"""The 低保 flow end to end over HTTP, each step done by the post that holds it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.timers import fire_due_timers

from tests.factories import member_row, set_policy
from workflows.benefits.models import Benefit
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

from .desk import (
    Desk,
    accept,
    calculate,
    case_url,
    decide,
    income_type,
    investigate,
    open_task,
    propose,
    review,
    submit,
    task_url,
    through_notice,
    today,
)

pytestmark = pytest.mark.django_db

HUMAN_TRAIL_APPROVED = [
    "apply",
    "accept",
    "home_visit",
    "neighbour_visit",
    "cross_check",
    "calculate",
    "first_opinion",
    "review",
    "decide",
]


def human_trail(case):
    return [
        t.flow_task.name
        for t in case.task_set.filter(
            flow_task_type__in=["HUMAN", "HUMAN_START"]
        ).order_by("pk")
    ]


def test_approve_path(cast):
    case = submit(Desk(cast.caseworker), cast)
    assert case.stage == Application.Stage.ACCEPTANCE
    assert case.applicant.name == "李大山"
    accept(cast, case)
    case.refresh_from_db()
    assert case.accepted_on == timezone.localdate()
    assert case.due_on is not None and case.limit_code == "overall"
    investigate(cast, case)
    assessment = calculate(cast, case)
    # 900 yuan for 2 people in a rural village (sample standard 800): 450 each
    assert assessment.outcome == "eligible"
    assert assessment.per_capita_income == Decimal("450.00")
    assert assessment.monthly_amount == Decimal("700.00")
    propose(cast, case, "include")
    assert case.stage == Application.Stage.NOTICE
    notice = case.notices.get()
    assert (notice.applicant_name, notice.household_size, notice.proposed_amount) == (
        "李大山",
        2,
        Decimal("700.00"),
    )
    through_notice(case)
    assert case.stage == Application.Stage.REVIEW
    review(cast, case, "confirm")
    decide(cast, case, "approve")

    case.refresh_from_db()
    assert case.status == PROCESS.DONE
    assert case.stage == Application.Stage.APPROVED
    decision = case.decisions.get()
    assert decision.monthly_amount == Decimal("700.00")
    today = timezone.localdate()
    assert decision.start_month == (
        today.replace(day=1) + datetime.timedelta(days=32)
    ).replace(day=1)
    entry = Benefit.objects.get(case=case)
    assert (entry.persons, entry.monthly_amount) == (2, Decimal("700.00"))
    assert human_trail(case) == HUMAN_TRAIL_APPROVED
    # the roster page lists the household, without ID numbers
    page = Desk(cast.caseworker).get(DibaoFlow.instance.reverse("roster"))
    assert "李大山" in page.content.decode()
    assert case.applicant.id_number not in page.content.decode()
    month = entry.start_month
    assert f"{month.year}年{month.month}月" in page.content.decode()  # a month


def test_reject_path(cast):
    members = [
        member_row("赵富贵"),
        member_row("钱多多", relation="spouse", male=False),
    ]
    incomes = [
        {"member_no": 1, "income_type": income_type("wage"), "monthly_amount": "4000"}
    ]
    case = submit(Desk(cast.caseworker), cast, members=members, incomes=incomes)
    accept(cast, case)
    investigate(cast, case)
    assessment = calculate(cast, case)
    assert assessment.outcome == "not_eligible"
    # a proposal to include an ineligible household is refused with the reason
    response = Desk(cast.caseworker).complete(
        case,
        DibaoFlow.first_opinion,
        {"proposal": "include", "reasons": "x", "notice_place": "x"},
        expect=200,
    )
    assert "不符合条件" in response.content.decode()
    propose(cast, case, "reject")
    assert not case.notices.exists()  # a proposal to reject is not published
    assert case.stage == Application.Stage.REVIEW
    review(cast, case, "disagree")
    decide(cast, case, "reject")
    decision = case.decisions.get()
    assert "行政复议" in decision.remedies and "行政诉讼" in decision.remedies
    assert case.stage == Application.Stage.DELIVERY
    task = open_task(case, DibaoFlow.deliver_rejection)
    assert task.deadline.limit.code == "rejection_notice"
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.deliver_rejection,
        {"delivered_on": today(), "method": "当面送达"},
    )
    case.refresh_from_db()
    assert case.status == PROCESS.DONE
    assert case.stage == Application.Stage.REJECTED
    assert not Benefit.objects.filter(case=case).exists()


def test_incomplete_materials_then_completed(cast):
    case = submit(Desk(cast.caseworker), cast)
    desk = Desk(cast.caseworker)
    # "incomplete" without listing what is missing is refused
    response = desk.complete(
        case, DibaoFlow.accept, {"complete": "no", "missing_items": ""}, expect=200
    )
    assert "一次性列明" in response.content.decode()
    desk.complete(
        case,
        DibaoFlow.accept,
        {"complete": "no", "missing_items": "户口簿复印件\n医疗费用票据"},
    )
    case.refresh_from_db()
    assert case.stage == Application.Stage.AWAITING_MATERIALS
    assert case.accepted_on is None and case.due_on is None  # clock not running
    assert "户口簿复印件" in desk.get(case_url(case)).content.decode()
    # partly brought: still waiting
    desk.complete(
        case,
        DibaoFlow.await_materials,
        {"received_on": today(), "still_missing": "医疗费用票据"},
    )
    case.refresh_from_db()
    assert case.stage == Application.Stage.AWAITING_MATERIALS
    assert case.missing_items == "医疗费用票据"
    desk.complete(case, DibaoFlow.await_materials, {"received_on": today()})
    case.refresh_from_db()
    assert case.accepted_on == timezone.localdate()
    assert case.due_on is not None
    assert open_task(case, DibaoFlow.home_visit) is not None


def test_objection_during_notice_then_community_review(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    # the village coordinator records an objection while the notice is posted
    coordinator = Desk(cast.coordinator)
    response = coordinator.post(
        case_url(case, "record_objection"),
        {"received_on": today(), "objector": "", "content": "有未申报的经营收入"},
    )
    assert response.status_code == 302
    assert case.objections.count() == 1
    # the timer fires only when the notice is over
    assert fire_due_timers() == 0
    through_notice(case)
    case.refresh_from_db()
    assert case.stage == Application.Stage.OBJECTION
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.handle_objection,
        {"handling": "community_review", "result": "民主评议认为情况属实"},
    )
    # a new opinion, then straight on to review (no second notice)
    assert open_task(case, DibaoFlow.first_opinion) is not None
    propose(cast, case, "include")
    assert case.notices.count() == 1
    # review must visit the household: refused without the visit
    response = review(cast, case, "confirm", expect=200)
    assert "须入户核查" in response.content.decode()
    review(cast, case, "confirm", visited_on=today(), visit_findings="核查属实")
    decide(cast, case, "approve")
    assert case.status == PROCESS.DONE
    assert case.reviews.get().visit_required_reason


def test_objection_leading_to_reinvestigation(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
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
    # back to the investigation: all three branches again
    for node in (
        DibaoFlow.home_visit,
        DibaoFlow.neighbour_visit,
        DibaoFlow.cross_check,
    ):
        assert open_task(case, node) is not None
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    assert open_task(case, DibaoFlow.review) is not None


def test_proxy_application_records_the_proxy(cast, staff):
    proxy = staff("proxy_agent", "370402106201")
    desk = Desk(proxy)
    # a proxy application without the entrustment papers is refused
    data_missing = dict(channel="proxy", proxy_name="张代办", proxy_relation="村委委员")
    from tests.factories import apply_post_data

    response, case = desk.apply(
        apply_post_data(cast.village, [member_row("孙老汉")], **data_missing)
    )
    assert case is None and response.status_code == 200
    assert "委托手续" in response.content.decode()
    case = submit(
        desk,
        cast,
        members=[member_row("孙老汉")],
        incomes=[],
        channel="proxy",
        proxy_name="张代办",
        proxy_relation="村委委员",
        entrustment_recorded="on",
    )
    assert case.channel == Application.Channel.PROXY
    assert (case.proxy_name, case.entrustment_recorded, case.authorization_signed) == (
        "张代办",
        True,
        True,
    )
    assert case.submitted_by == proxy
    # the town takes it from there
    assert open_task(case, DibaoFlow.accept).pk in Desk(cast.caseworker).queue_ids()


def test_single_person_inclusion_in_a_marginal_household(cast):
    members = [
        member_row("李德福", disability_grade="1", disability_kind="physical"),
        member_row("王秀兰", relation="spouse", male=False, employment="employed"),
        member_row("李明", relation="child", employment="student"),
    ]
    incomes = [
        {"member_no": 2, "income_type": income_type("wage"), "monthly_amount": "2700"}
    ]
    case = submit(
        Desk(cast.coordinator),
        cast,
        members=members,
        incomes=incomes,
        channel="village",
    )
    accept(cast, case)
    investigate(cast, case)
    assessment = calculate(cast, case)
    assert assessment.outcome == "marginal"
    head = case.household.members.get(name="李德福")
    assert [c["member"] for c in assessment.result["single_candidates"]] == [head.pk]
    # a member who is not a candidate is refused
    spouse = case.household.members.get(name="王秀兰")
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.first_opinion,
        {
            "proposal": "include_single",
            "single_member": spouse.pk,
            "reasons": "x",
            "notice_place": "x",
        },
        expect=200,
    )
    propose(cast, case, "include_single", single_member=head.pk)
    notice = case.notices.get()
    assert (notice.applicant_name, notice.household_size, notice.proposed_amount) == (
        "李德福",
        1,
        Decimal("800.00"),
    )
    through_notice(case)
    review(cast, case, "confirm")
    decide(cast, case, "approve")
    entry = Benefit.objects.get(case=case)
    assert entry.member == head
    assert (entry.persons, entry.monthly_amount) == (1, Decimal("800.00"))


def test_delegated_district_confirms_at_the_town_within_20_days(cast, staff):
    town_supervisor = staff("town_supervisor", "370402106")
    set_policy("370402", confirmation_delegated=True)
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    case.refresh_from_db()
    assert case.town_confirms and case.limit_code == "overall_town"
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    task = open_task(case, DibaoFlow.review)
    assert task.owner_permission == "workflows.confirm_delegated_application"
    assert task.pk not in Desk(cast.reviewer).queue_ids()
    Desk(town_supervisor).complete(
        case, DibaoFlow.review, {"conclusion": "confirm", "remarks": "同意"}
    )
    assert open_task(case, DibaoFlow.decide).owner_permission == (
        "workflows.decide_delegated_application"
    )


def test_spot_check_drawn_makes_the_home_visit_mandatory(cast):
    set_policy("370402", spot_check_ratio=1)
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    case.refresh_from_db()
    assert case.spot_check is True
    response = review(cast, case, "confirm", expect=200)
    assert "抽中入户抽查" in response.content.decode()


def test_separate_registration_needs_a_reason_and_a_review_visit(cast):
    case = submit(Desk(cast.caseworker), cast)
    desk = Desk(cast.caseworker)
    response = desk.complete(
        case,
        DibaoFlow.accept,
        {"complete": "yes", "separate_registration": "on"},
        expect=200,
    )
    assert "近亲属" in response.content.decode()
    desk.complete(
        case,
        DibaoFlow.accept,
        {
            "complete": "yes",
            "separate_registration": "on",
            "separate_registration_reason": "申请人系村委会主任之兄",
        },
    )
    case.refresh_from_db()
    assert case.separate_registration
    assert "单独登记备案" in [str(r) for r in case.home_visit_reasons]


def test_deadlines_are_shown_on_every_task(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    assert task.deadline.limit.code == "investigation_start"
    page = Desk(cast.caseworker).open(case, DibaoFlow.home_visit)[1]
    content = page.content.decode()
    assert task.deadline.due_on.isoformat() in content
    assert "第十五条" in content  # the rule behind the deadline
    inbox = Desk(cast.caseworker).get(DibaoFlow.instance.reverse("inbox"))
    assert task.deadline.due_on.isoformat() in inbox.content.decode()


def test_extension_to_45_working_days_needs_a_reason(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    case.refresh_from_db()
    before = case.due_on
    supervisor = Desk(cast.town_supervisor)
    response = supervisor.post(case_url(case, "extend"), {"reason": ""})
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.due_on == before
    response = supervisor.post(
        case_url(case, "extend"), {"reason": "人户分离，调查难度大"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.limit_code == "overall_extended" and case.due_on > before
    # a caseworker may not extend
    response = Desk(cast.caseworker).post(case_url(case, "extend"), {"reason": "x"})
    assert response.status_code == 403


def test_notice_timer_is_due_after_the_seventh_day(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    notice = case.notices.get()
    assert notice.ends_on - notice.starts_on == datetime.timedelta(days=6)
    timer = case.task_set.get(flow_task=DibaoFlow.notice)
    assert timer.status == STATUS.SCHEDULED
    assert timezone.localtime(
        timer.scheduled
    ).date() == notice.ends_on + datetime.timedelta(days=1)
    assert fire_due_timers() == 0  # not yet
    # when the moment comes, the dispatcher fires it and the case moves on
    timer.scheduled = timezone.now() - datetime.timedelta(seconds=1)
    timer.save()
    assert fire_due_timers() == 1
    case.refresh_from_db()
    assert case.notices.get().ended
    assert open_task(case, DibaoFlow.review) is not None


def test_task_page_shows_summary_decision_rule_and_deadline(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    task, page = Desk(cast.caseworker).open(case, DibaoFlow.calculate)
    content = page.content.decode()
    assert case.number in content and "李大山" in content
    assert "需要决定" in content and "《最低生活保障审核确认办法》第十三条" in content
    assert case.applicant.id_number not in content  # masked
    assert case.applicant.masked_id_number in content
    assert task_url(task, "execute")
