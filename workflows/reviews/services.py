"""Writes of the review process: one function per step, keyword-only.

The benefit itself is written only through ``benefits.services``; these
check the permission and the separation of duties, keep the review's record
and call them. See docs/statutory-rules.md (S1 Art 30–34, S2 Art 68)."""

import datetime
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base.context import on_behalf_of
from ..benefits import services as benefits
from ..benefits.models import Benefit
from ..benefits.services import district_of
from ..clock.services import time_limit
from ..core.services import visit_refusal
from ..monitoring.selectors import feed_findings
from ..standards.models import DistrictPolicy
from .models import BenefitReview

Outcome = BenefitReview.Outcome
Stage = BenefitReview.Stage
CLOSED_STATUSES = ("DONE", "CANCELED")
REMEDIES = gettext_lazy(
    "如对本决定不服，可以自收到本通知之日起六十日内向区（市）人民政府申请行政复议，"
    "或者在六个月内向人民法院提起行政诉讼。"
)


def policy_for(region, on: datetime.date):
    """The district's policy in force on ``on`` (None: the defaults)."""
    return (
        DistrictPolicy.objects.in_force(on).filter(district=district_of(region)).first()
    )


def open_review_of(benefit) -> BenefitReview | None:
    return (
        BenefitReview.objects.filter(benefit=benefit)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def review_fill(
    *,
    review: BenefitReview,
    benefit: Benefit,
    trigger: str,
    reason: str,
    user=None,
    origin=None,
    review_class: str | None = None,
    reported_by_name: str = "",
    reported_on: datetime.date | None = None,
) -> BenefitReview:
    """Fill the unsaved process of the start activation: the benefit under
    review, why, its class, who decides (the district, or the town where
    the district delegated confirmation, S1 Art 20)."""
    if benefit.status == Benefit.Status.STOPPED:
        raise ValidationError(_("该户已停保，不能发起复核。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明复核原因。")})
    # never two open reviews of one benefit, whichever start fills this one
    # (a change report racing the sweep): checked under the benefit's lock
    Benefit.objects.select_for_update().filter(pk=benefit.pk).first()
    if open_review_of(benefit) is not None:
        raise ValidationError(
            {"benefit": _("该户已有正在办理的复核，请在该复核中记录变化情况。")}
        )
    today = timezone.localdate()
    policy = policy_for(benefit.region, today)
    review.benefit = benefit
    review.region = benefit.region
    review.household = benefit.household
    review.origin = origin
    review.trigger = trigger
    review.reason = reason.strip()
    review.review_class = review_class or benefit.review_class
    review.review_due_on = benefit.next_review_on
    review.opened_by = user
    review.opened_on = today
    review.reported_by_name = reported_by_name
    review.reported_on = reported_on
    review.town_confirms = bool(policy and policy.confirmation_delegated)
    review.stage = Stage.INVESTIGATION
    review.full_clean(exclude=["flow_class"])
    if review_class and review_class != benefit.review_class:
        # a death in the household: the review falls due within its class's
        # interval from today (S1 Art 31)
        benefits.benefit_review_schedule(
            benefit=benefit, after=today, review_class=review_class
        )
    return review


def review_open(
    *,
    benefit: Benefit,
    trigger: str,
    reason: str,
    user=None,
    origin=None,
    review_class: str | None = None,
    **extra,
) -> BenefitReview:
    """Open a review case of ``benefit`` at once, or return the one already
    open (never two open reviews of one benefit). ``user`` is who opens it
    (None: the periodic sweep); the calling step checked its own power."""
    from .flows import ReviewFlow

    node = ReviewFlow.start
    with transaction.atomic():
        Benefit.objects.select_for_update().filter(pk=benefit.pk).first()
        existing = open_review_of(benefit)
        if existing is not None:
            return existing
        activation = node.activation_class.create(node, None, None)
        with on_behalf_of(user):
            activation.start(SimpleNamespace(user=user))
            review_fill(
                review=activation.process,
                benefit=benefit,
                trigger=trigger,
                reason=reason,
                user=user,
                origin=origin,
                review_class=review_class,
                **extra,
            )
            activation.execute()
    return activation.process


def _check(user, perm, review, message):
    if user is None or not user.has_perm(perm, review):
        raise PermissionDenied(message)


def crosscheck_findings(review: BenefitReview, on: datetime.date) -> list:
    members = list(review.household.members.all()) if review.household_id else []
    since = (on - datetime.timedelta(days=time_limit(FEED_AGE, on).amount)).replace(
        day=1
    )
    match = feed_findings(id_numbers=[m.id_number for m in members], on=on, since=since)
    member_of = {m.id_number: m for m in members}
    found = []
    for row in match.rows:
        member = member_of[row["id_number"]]
        found.append(
            {
                "member": member.pk,
                "name": member.name,
                "source": row["source"],
                "period": row["period"].strftime("%Y-%m"),
                "kind": row["kind"] or "",
                "amount": str(row["amount"]) if row["amount"] is not None else None,
                "detail": row["detail"] or {},
            }
        )
    return found


FEED_AGE = "crosscheck_feed_age"


@transaction.atomic
def review_investigate(
    *,
    review: BenefitReview,
    user,
    cooperated: bool,
    visited_on: datetime.date | None = None,
    investigator_1=None,
    investigator_2=None,
    findings: str = "",
    notice_on: datetime.date | None = None,
) -> BenefitReview:
    """调查核实 (S1 Art 31): the cross-check over the feeds and a home visit
    by two people; or the household did not cooperate and a notice to report
    was served (S1 Art 30, 32)."""
    _check(user, "workflows.investigate_benefitreview", review, _("您无权调查本复核。"))
    today = timezone.localdate()
    errors = {}
    if cooperated:
        if visited_on is None or visited_on > today:
            errors["visited_on"] = _("请填写入户核查日期（不能晚于今天）。")
        if investigator_1 is None or investigator_2 is None:
            errors["investigator_2"] = _("入户核查须由两名工作人员进行。")
        elif investigator_1 == investigator_2:
            errors["investigator_2"] = _("入户核查须由两名不同的工作人员进行。")
        for name, person in (
            ("investigator_1", investigator_1),
            ("investigator_2", investigator_2),
        ):
            why = visit_refusal(person, review)
            if why:
                errors[name] = why
        if not (findings or "").strip():
            errors["findings"] = _("请填写核查情况。")
    elif notice_on is None or notice_on > today:
        errors["notice_on"] = _("家庭不配合的，须先送达催告通知，填写送达日期。")
    if errors:
        raise ValidationError(errors)
    review.cooperated = cooperated
    review.household_reported_on = None
    if cooperated:
        review.crosscheck_on = today
        review.crosscheck_findings = crosscheck_findings(review, today)
        review.visited_on = visited_on
        review.investigator_1 = investigator_1
        review.investigator_2 = investigator_2
        review.findings = findings.strip()
        review.stage = Stage.PROPOSAL
    else:
        review.report_notice_on = notice_on
        review.stage = Stage.AWAITING_REPORT
    review.full_clean(exclude=["flow_class"])
    review.save()
    return review


@transaction.atomic
def review_await(
    *, review: BenefitReview, user, reported: bool, on: datetime.date
) -> BenefitReview:
    """The household did not cooperate after the notice: its payment is held
    (暂停发放, not stopped); when it reports, the payment resumes and the
    review goes on (S1 Art 30, 32)."""
    _check(user, "workflows.investigate_benefitreview", review, _("您无权办理本复核。"))
    if on > timezone.localdate():
        raise ValidationError({"on": _("日期不能晚于今天。")})
    benefit = review.benefit
    if reported:
        review.household_reported_on = on
        review.stage = Stage.INVESTIGATION
        benefits.benefit_resume(
            benefit=benefit,
            reason=_("家庭已报告并配合复核（%(case)s），恢复发放。")
            % {"case": review.number},
        )
    else:
        if review.report_notice_on is None or on < review.report_notice_on:
            raise ValidationError({"on": _("暂停发放须在催告通知送达之后。")})
        benefits.benefit_suspend(
            benefit=benefit,
            on=on,
            reason=_("经催告仍未配合复核（%(case)s），暂停发放。")
            % {"case": review.number},
        )
    review.full_clean(exclude=["flow_class"])
    review.save()
    return review
