"""Adversarial review: crafted writes against the review programme that
must be refused or leave the record as it was."""

import pytest
from django.core.exceptions import ValidationError

from workflows.reviews import decision, scheduling, services
from workflows.reviews.api import review_open
from workflows.reviews.flows import ReviewFlow
from workflows.reviews.models import BenefitReview

from .conftest import approve, investigated, step, three_persons, today

pytestmark = pytest.mark.django_db


def test_work_refusals_do_not_overwrite_the_proposal_of_an_open_review(cast):
    """A periodic review already proposed by the town: the third refusal of
    work must not replace the town's proposal and amount behind its back."""
    benefit = approve(cast, members=three_persons())
    review = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    investigated(cast, review)
    step(
        review,
        ReviewFlow.propose,
        cast.caseworker,
        decision.review_propose,
        proposal="continue",
        reasons="镇（街道）意见：继续保障",
    )
    member = benefit.household.members.get(name="李大山")
    for n in range(3):
        scheduling.work_refusal_record(
            benefit=benefit,
            member=member,
            refused_on=today(),
            job_offered=f"岗位{n}",
            user=cast.caseworker,
        )
    review.refresh_from_db()
    assert BenefitReview.objects.count() == 1
    assert review.proposal == "continue"
    assert review.proposed_amount is None
    assert review.proposal_reasons == "镇（街道）意见：继续保障"


def test_a_second_open_review_of_one_benefit_is_refused_where_it_is_filled(
    cast,
):
    """review_fill is where every start (change report, sweep, alert) fills
    its review: it refuses a benefit that already has an open review, under
    the benefit's row lock (a change report racing the sweep)."""
    benefit = approve(cast)
    review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    with pytest.raises(ValidationError):
        services.review_fill(
            review=BenefitReview(),
            benefit=benefit,
            trigger="change_report",
            reason="家庭成员就业",
            user=cast.caseworker,
        )


def test_a_later_review_that_keeps_the_benefit_resumes_a_suspended_payment(
    cast,
):
    """Suspended by one review's decision; the household reports and the
    next review decides to continue (or to exit gradually): the payment
    resumes, it does not stay held for ever."""
    from workflows.benefits.models import Benefit

    from .conftest import decided

    benefit = approve(cast)
    first = review_open(benefit=benefit, trigger="periodic", reason="定期", user=None)
    decided(cast, first, "suspend")
    benefit.refresh_from_db()
    assert benefit.status == Benefit.Status.SUSPENDED
    second = review_open(
        benefit=benefit, trigger="change_report", reason="家庭已报告", user=None
    )
    decided(cast, second, "continue")
    benefit.refresh_from_db()
    assert benefit.status == Benefit.Status.ACTIVE
    assert benefit.suspended_on is None and benefit.suspension_reason == ""
