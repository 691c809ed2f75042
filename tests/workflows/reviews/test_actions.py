"""The two pages of a household in force that are not review steps: a work
refusal recorded (the third opens a reduction, S1 Art 34) and a review class
changed (the next review date moves, S1 Art 31) — through the web, scoped to
the user's regions."""

from django.urls import reverse

from workflows.benefits.services import add_months
from workflows.reviews.models import BenefitReview, WorkRefusal

from ..dibao.desk import Desk
from .conftest import approve, three_persons, today

REFUSAL = "/review/refusals/"
REVIEW_CLASS = "/review/review-class/"


def test_the_pages_are_in_the_review_app():
    assert reverse("review:refusal") == REFUSAL
    assert reverse("review:review_class") == REVIEW_CLASS


def test_three_refusals_recorded_on_the_page_open_one_reduction(cast):
    benefit = approve(cast, members=three_persons())
    member = benefit.household.members.get(name="李大山")
    desk = Desk(cast.caseworker)
    page = desk.get(REFUSAL)
    assert page.status_code == 200
    assert member.pk in [m.pk for m in page.context["form"].fields["member"].queryset]
    for n in range(3):
        response = desk.post(
            REFUSAL,
            {"member": member.pk, "refused_on": today(), "job_offered": f"保洁{n}"},
        )
        assert response.status_code == 302
    assert WorkRefusal.objects.filter(member=member).count() == 3
    review = BenefitReview.objects.get(benefit=benefit)
    assert review.trigger == "work_refusal" and review.proposal == "reduce"
    # a job offered is required: nothing is recorded without it
    response = desk.post(REFUSAL, {"member": member.pk, "refused_on": today()})
    assert response.status_code == 200 and response.context["form"].errors
    assert WorkRefusal.objects.filter(member=member).count() == 3


def test_a_class_change_moves_the_next_review_date(cast):
    benefit = approve(cast)
    desk = Desk(cast.caseworker)
    response = desk.post(
        REVIEW_CLASS,
        {"benefit": benefit.pk, "review_class": "variable", "reason": "成员可就业"},
    )
    assert response.status_code == 302
    benefit.refresh_from_db()
    assert benefit.review_class == "variable"
    assert benefit.next_review_on == add_months(today(), 6)
    # a reason is required
    response = desk.post(
        REVIEW_CLASS, {"benefit": benefit.pk, "review_class": "stable", "reason": " "}
    )
    assert response.status_code == 200
    benefit.refresh_from_db()
    assert benefit.review_class == "variable"


def test_outsiders_see_no_household_and_cannot_post_one(cast):
    benefit = approve(cast)
    member = benefit.household.members.first()
    other = Desk(cast.other_village_coordinator)
    page = other.get(REFUSAL)
    assert page.status_code == 200
    assert not page.context["form"].fields["member"].queryset.exists()
    response = other.post(
        REFUSAL, {"member": member.pk, "refused_on": today(), "job_offered": "保洁"}
    )
    assert response.status_code == 200 and not WorkRefusal.objects.exists()
    response = other.post(
        REVIEW_CLASS,
        {"benefit": benefit.pk, "review_class": "variable", "reason": "越权"},
    )
    assert response.status_code == 200
    benefit.refresh_from_db()
    assert benefit.review_class == "stable"
    # a role that may not open reviews does not get the pages
    assert Desk(cast.reviewer).get(REFUSAL).status_code in (403, 404)
