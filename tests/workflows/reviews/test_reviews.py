"""The periodic review: dates by class, the due sweep, change reports,
decisions applied to the benefit, suspension, gradual exit by the timer,
fraud, work refusals, who decides, scope and the audit timeline."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats, timezone
from viewflow.workflow.timers import fire_due_timers

from tests.factories import member_row, set_policy
from workflows.benefits.models import Benefit, RegisterEntry
from workflows.benefits.services import add_months
from workflows.dibao.flows import DibaoFlow
from workflows.reviews import decision, scheduling, services
from workflows.reviews.api import review_open
from workflows.reviews.flows import ReviewFlow
from workflows.reviews.models import BenefitReview

from .conftest import (
    Desk,
    approve,
    decided,
    investigated,
    step,
    task_of,
    three_persons,
    today,
)

pytestmark = pytest.mark.django_db

Status = Benefit.Status


def this_month():
    return today().replace(day=1)


def next_month():
    return add_months(this_month(), 1)


def test_review_dates_follow_the_class_and_a_class_change_moves_the_date(cast, benefit):
    assert benefit.review_class == "stable"
    assert benefit.next_review_on == add_months(benefit.start_month, 12)
    with pytest.raises(PermissionDenied):
        scheduling.review_class_change(
            benefit=benefit,
            review_class="variable",
            reason="有劳动能力",
            user=cast.other_town_caseworker,
        )
    scheduling.review_class_change(
        benefit=benefit,
        review_class="variable",
        reason="有劳动能力",
        user=cast.caseworker,
    )
    benefit.refresh_from_db()
    assert benefit.review_class == "variable"
    assert benefit.next_review_on == add_months(today(), 6)


def test_the_due_sweep_opens_one_review_per_due_benefit_never_two(cast, benefit):
    assert scheduling.reviews_open_due() == 0  # due in a year
    Benefit.objects.filter(pk=benefit.pk).update(next_review_on=today())
    assert scheduling.reviews_open_due() == 1
    assert scheduling.reviews_open_due() == 0
    review = BenefitReview.objects.get(benefit=benefit)
    assert review.trigger == "periodic" and review.region == benefit.region
    assert task_of(review, ReviewFlow.investigate) is not None
    # the public module returns the open review instead of a second one
    again = review_open(benefit=benefit, trigger="alert", reason="预警", user=None)
    assert again == review and BenefitReview.objects.count() == 1


def test_a_benefit_without_a_review_date_gets_one_from_its_start(cast, benefit):
    Benefit.objects.filter(pk=benefit.pk).update(next_review_on=None)
    assert scheduling.reviews_open_due() == 0
    benefit.refresh_from_db()
    assert benefit.next_review_on == add_months(benefit.start_month, 12)
    assert benefit.history.first().history_change_reason


def test_a_change_report_opens_the_review_at_once(cast, benefit):
    desk = Desk(cast.caseworker)
    url = ReviewFlow.start.reverse("execute")
    assert desk.get(url).status_code == 200
    response = desk.post(
        url,
        {
            "benefit": benefit.pk,
            "reason": "户主已外出务工",
            "reported_by_name": "王小花",
            "reported_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    review = BenefitReview.objects.get()
    assert review.trigger == "change_report" and review.reported_by_name == "王小花"
    assert task_of(review, ReviewFlow.investigate) is not None
    assert desk.get(review.get_absolute_url()).status_code == 200
    # an outsider does not find it
    outsider = Desk(cast.other_town_caseworker)
    assert outsider.get(review.get_absolute_url()).status_code == 404


def test_a_death_in_a_larger_household_reduces_the_amount_from_next_month(cast):
    benefit = approve(cast, members=three_persons())
    before = benefit.monthly_amount
    assert benefit.persons == 3
    review = review_open(
        benefit=benefit,
        trigger="alert",
        reason="李小宝 死亡",
        user=cast.caseworker,
        review_class="after_death",
    )
    benefit.refresh_from_db()
    assert benefit.review_class == "after_death"
    assert benefit.next_review_on == add_months(today(), 3)
    benefit.household.members.get(name="李小宝").delete()
    decided(cast, review, "reduce")
    benefit.refresh_from_db()
    assert review.recalc_persons == 2 and review.rule_version
    assert review.recalc_lines and review.decided_amount < before
    assert benefit.monthly_amount == review.decided_amount and benefit.persons == 2
    assert benefit.amount_for(this_month()).monthly_amount == before
    assert benefit.amount_for(next_month()).monthly_amount == review.decided_amount
    # back to the stable class, reviewed a year after the decision
    assert benefit.review_class == "stable"
    assert benefit.next_review_on == add_months(today(), 12)
    assert "行政复议" in review.notice_text and review.notice_delivered_on
    assert review.finished


def test_the_only_members_death_stops_from_next_month(cast):
    benefit = approve(cast, members=[member_row("张孤老")], incomes=[])
    review = review_open(
        benefit=benefit, trigger="alert", reason="张孤老 死亡", user=cast.caseworker
    )
    decided(cast, review, "stop", stop_reason="death")
    benefit.refresh_from_db()
    assert benefit.status == Status.STOPPED and benefit.stop_reason == "death"
    assert benefit.end_month == this_month()
    assert benefit.amount_for(this_month()) is not None
    assert benefit.amount_for(next_month()) is None
    assert benefit.next_review_on is None
    assert not benefit.register_entries.filter(ended_on__isnull=True).exists()


def test_found_work_gradual_exit_then_stopped_by_the_timer(cast, benefit):
    review = review_open(
        benefit=benefit, trigger="change_report", reason="王小花 就业", user=None
    )
    with pytest.raises(ValidationError):  # more than the district allows
        decided(cast, review, "gradual_exit", exit_months=7)
    review = BenefitReview.objects.get(pk=review.pk)
    assert task_of(review, ReviewFlow.decide) is not None  # nothing written
    step(
        review,
        ReviewFlow.decide,
        cast.district_supervisor,
        decision.review_decide,
        outcome="gradual_exit",
        reasons="王小花 就业，收入超过标准",
        exit_months=6,
    )
    benefit.refresh_from_db()
    assert benefit.status == Status.ACTIVE  # until the notice is delivered
    step(
        review,
        ReviewFlow.deliver,
        cast.caseworker,
        decision.review_deliver,
        delivered_on=today(),
    )
    benefit.refresh_from_db()
    assert benefit.status == Status.EXITING
    assert benefit.exit_until == add_months(this_month(), 6)
    assert review.stage == "exiting" and not review.finished
    # the roster shows the gradual exit and its last month
    page = roster_page(cast)
    until = formats.date_format(benefit.exit_until, "YEAR_MONTH_FORMAT")
    assert f"渐退期（至 {until}）" in page
    timer = task_of(review, ReviewFlow.exit_period) or review.task_set.get(
        flow_task=ReviewFlow.exit_period
    )
    assert timezone.localtime(timer.scheduled).date() == add_months(
        benefit.exit_until, 1
    )
    assert fire_due_timers() == 0  # not yet
    timer.scheduled = timezone.now() - datetime.timedelta(seconds=1)
    timer.save()
    assert fire_due_timers() == 1
    benefit.refresh_from_db()
    review.refresh_from_db()
    assert benefit.status == Status.STOPPED and benefit.stop_reason == "exit_ended"
    assert benefit.end_month == benefit.exit_until
    assert review.exit_stopped_on == today() and "渐退期" in review.exit_stop_notice
    assert review.finished
    # … and then the stop, with its reason
    page = roster_page(cast, status="stopped")
    assert "停保" in page and "渐退期满" in page


def roster_page(cast, **params):
    from ..dibao.desk import Desk

    response = Desk(cast.caseworker).get(DibaoFlow.instance.reverse("roster"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_fraud_stop_records_the_amount_to_recover(cast, benefit):
    review = review_open(benefit=benefit, trigger="alert", reason="隐瞒车辆", user=None)
    with pytest.raises(ValidationError):
        decided(cast, review, "stop", stop_reason="fraud")
    review = BenefitReview.objects.get(pk=review.pk)
    step(
        review,
        ReviewFlow.decide,
        cast.district_supervisor,
        decision.review_decide,
        outcome="stop",
        reasons="隐瞒名下车辆骗取低保",
        stop_reason="fraud",
        recovery_amount=Decimal("2400.00"),
    )
    step(
        review,
        ReviewFlow.deliver,
        cast.caseworker,
        decision.review_deliver,
        delivered_on=today(),
    )
    benefit.refresh_from_db()
    assert benefit.status == Status.STOPPED and benefit.stop_reason == "fraud"
    assert benefit.recovery_amount == Decimal("2400.00")
    assert "2400.00" in review.notice_text


def test_suspended_after_a_missed_visit_and_resumed_on_report(cast, benefit):
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    with pytest.raises(ValidationError):  # no notice served
        step(
            review,
            ReviewFlow.investigate,
            cast.caseworker,
            services.review_investigate,
            cooperated=False,
        )
    review = BenefitReview.objects.get(pk=review.pk)
    step(
        review,
        ReviewFlow.investigate,
        cast.caseworker,
        services.review_investigate,
        cooperated=False,
        notice_on=today(),
    )
    benefit.refresh_from_db()
    assert benefit.status == Status.ACTIVE  # a notice first, no hold yet
    step(
        review,
        ReviewFlow.await_report,
        cast.caseworker,
        services.review_await,
        reported=False,
        on=today(),
    )
    benefit.refresh_from_db()
    assert benefit.status == Status.SUSPENDED and benefit.suspended_on == today()
    assert task_of(review, ReviewFlow.await_report) is not None  # the case waits
    step(
        review,
        ReviewFlow.await_report,
        cast.caseworker,
        services.review_await,
        reported=True,
        on=today(),
    )
    benefit.refresh_from_db()
    assert benefit.status == Status.ACTIVE
    assert task_of(review, ReviewFlow.investigate) is not None  # goes on
    investigated(cast, review)
    assert task_of(review, ReviewFlow.propose) is not None


def test_the_third_work_refusal_opens_a_reduction_of_the_members_share(cast):
    benefit = approve(cast, members=three_persons())
    member = benefit.household.members.get(name="李大山")
    for n in range(2):
        scheduling.work_refusal_record(
            benefit=benefit,
            member=member,
            refused_on=today(),
            job_offered=f"保洁岗位{n}",
            user=cast.caseworker,
        )
    assert not BenefitReview.objects.exists()
    scheduling.work_refusal_record(
        benefit=benefit,
        member=member,
        refused_on=today(),
        job_offered="保安岗位",
        user=cast.caseworker,
    )
    review = BenefitReview.objects.get()
    share = (benefit.monthly_amount / 3).quantize(Decimal("0.01"))
    assert review.trigger == "work_refusal" and review.proposal == "reduce"
    assert review.proposed_amount == benefit.monthly_amount - share
    assert review.work_refusals.count() == 3
    decided(cast, review, "reduce", amount=review.proposed_amount, persons=2)
    benefit.refresh_from_db()
    assert benefit.monthly_amount == review.proposed_amount and benefit.persons == 2
    assert benefit.amount_for(next_month()).monthly_amount == review.proposed_amount


def test_who_decides(cast, benefit):
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    investigated(cast, review)
    step(
        review,
        ReviewFlow.propose,
        cast.caseworker,
        decision.review_propose,
        proposal="continue",
        reasons="情况无变化",
    )
    # the town may not decide where the district did not delegate
    with pytest.raises(PermissionDenied):
        step(
            review,
            ReviewFlow.decide,
            cast.town_supervisor,
            decision.review_decide,
            outcome="continue",
            reasons="x",
        )
    step(
        review,
        ReviewFlow.decide,
        cast.district_supervisor,
        decision.review_decide,
        outcome="continue",
        reasons="情况无变化，继续保障",
    )
    assert review.outcome == "continue"


def test_delegated_town_decides_but_not_who_investigated_or_proposed(cast, benefit):
    set_policy("370402", confirmation_delegated=True)
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    assert review.town_confirms
    investigated(cast, review)
    step(
        review,
        ReviewFlow.propose,
        cast.caseworker2,
        decision.review_propose,
        proposal="continue",
        reasons="情况无变化",
    )
    flow = ReviewFlow.instance
    perm = review.decision_permission
    assert flow.step_conflict(cast.caseworker, review, perm)  # investigated
    assert flow.step_conflict(cast.caseworker2, review, perm)  # proposed
    assert flow.step_conflict(cast.town_supervisor, review, perm) is None
    step(
        review,
        ReviewFlow.decide,
        cast.town_supervisor,
        decision.review_decide,
        outcome="continue",
        reasons="情况无变化，继续保障",
    )
    assert review.decided_by == cast.town_supervisor


def test_everything_is_in_the_audit_timeline(cast, benefit, staff):
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    decided(cast, review, "continue")
    auditor = Desk(staff("auditor", "370402"))
    response = auditor.get(f"/audit/cases/{review.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert review.number in content
    assert len(response.context["page"].paginator.object_list) >= 5


def test_stopped_household_that_is_marginal_enters_the_register(cast, benefit):
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    investigated(cast, review)
    review.recalc_outcome = "marginal"  # as the calculation would find it
    BenefitReview.objects.filter(pk=review.pk).update(recalc_outcome="marginal")
    step(
        review,
        ReviewFlow.propose,
        cast.caseworker,
        decision.review_propose,
        proposal="stop",
        reasons="收入超过标准",
    )
    BenefitReview.objects.filter(pk=review.pk).update(recalc_outcome="marginal")
    review.refresh_from_db()
    step(
        review,
        ReviewFlow.decide,
        cast.district_supervisor,
        decision.review_decide,
        outcome="stop",
        reasons="收入超过标准",
        stop_reason="income",
    )
    step(
        review,
        ReviewFlow.deliver,
        cast.caseworker,
        decision.review_deliver,
        delivered_on=today(),
    )
    assert RegisterEntry.objects.filter(
        household=benefit.household, category="marginal", ended_on__isnull=True
    ).exists()


def test_the_step_pages_work_through_the_web(cast, benefit):
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    worker = Desk(cast.caseworker)
    _task, page = worker.open(review, ReviewFlow.investigate)
    assert "复核调查核实" in page.content.decode()
    worker.complete(
        review,
        ReviewFlow.investigate,
        {
            "cooperated": "yes",
            "visited_on": today().isoformat(),
            "investigator_1": cast.caseworker.pk,
            "investigator_2": cast.coordinator.pk,
            "findings": "情况无变化",
        },
    )
    worker.complete(
        review,
        ReviewFlow.propose,
        {"proposal": "continue", "amount": "", "reasons": "情况无变化"},
    )
    review.refresh_from_db()
    assert review.rule_version and review.recalc_amount is not None
    # the caseworker who investigated is refused the decision page's task
    boss = Desk(cast.district_supervisor)
    _task, page = boss.open(review, ReviewFlow.decide)
    assert "情况无变化" in page.content.decode()
    boss.complete(
        review, ReviewFlow.decide, {"outcome": "continue", "reasons": "继续保障"}
    )
    worker.complete(review, ReviewFlow.deliver, {"delivered_on": today().isoformat()})
    review.refresh_from_db()
    assert review.finished and review.stage == "closed"
    page = worker.get(review.get_absolute_url())
    assert page.status_code == 200 and "继续保障" in page.content.decode()
    assert worker.get(ReviewFlow.instance.reverse("process_list")).status_code == 200
