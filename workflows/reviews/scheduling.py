"""Periodic review scheduling (分类动态管理, S1 Art 31), class changes and
work refusals (S1 Art 34): what opens a review besides a change report."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ..base.context import because
from ..base.history import bulk_update
from ..benefits import services as benefits
from ..benefits.models import Benefit
from ..benefits.services import add_months, review_interval
from ..clock.services import time_limit
from ..core.sweeps import sweep
from .models import BenefitReview, WorkRefusal
from .services import CLOSED_STATUSES, open_review_of, policy_for, review_open

LEAD = "review_lead"  # days before the due date a periodic review opens
IN_FORCE = (Benefit.Status.ACTIVE, Benefit.Status.SUSPENDED)


def undated_fill(*, on: datetime.date) -> int:
    """Benefits decided before review dates existed get one from their
    start month and class (one read, one bulk write with history)."""
    rows = list(
        Benefit.objects.filter(status__in=IN_FORCE, next_review_on__isnull=True)
        .select_related("region", "region__parent", "region__parent__parent")
        .order_by("pk")
    )
    for benefit in rows:
        months = review_interval(
            region=benefit.region, review_class=benefit.review_class, on=on
        )
        benefit.next_review_on = add_months(benefit.start_month, months)
    if rows:
        bulk_update(
            Benefit,
            rows,
            ["next_review_on"],
            reason=_("按起始月份和复核类别设定下次复核日期"),
        )
    return len(rows)


def reviews_due(*, on: datetime.date):
    """Benefits in force whose review falls due within the lead time and
    that have no open review (one query)."""
    horizon = on + datetime.timedelta(days=time_limit(LEAD, on).amount)
    open_review = BenefitReview.objects.filter(benefit=OuterRef("pk")).exclude(
        status__in=CLOSED_STATUSES
    )
    return (
        Benefit.objects.filter(status__in=IN_FORCE, next_review_on__lte=horizon)
        .exclude(Exists(open_review))
        .select_related("household", "region")
        .order_by("next_review_on", "pk")
    )


def reviews_open_due(*, on: datetime.date | None = None) -> int:
    """Open one periodic review per due benefit (never two)."""
    on = on or timezone.localdate()
    undated_fill(on=on)
    opened = 0
    for benefit in reviews_due(on=on):
        review_open(
            benefit=benefit,
            trigger=BenefitReview.Trigger.PERIODIC,
            reason=_("定期复核：应复核日期 %(day)s（%(cls)s）")
            % {
                "day": benefit.next_review_on.isoformat(),
                "cls": benefit.get_review_class_display(),
            },
            user=None,
        )
        opened += 1
    return opened


@sweep
def periodic_reviews():
    """The timer dispatcher's sweep: due reviews open by themselves."""
    return reviews_open_due()


@transaction.atomic
def review_class_change(
    *, benefit: Benefit, review_class: str, reason: str, user
) -> Benefit:
    """A new review class for ``benefit``: the next review date moves to
    today plus the class's interval (S1 Art 31)."""
    if not user.has_perm("workflows.open_benefitreview", benefit):
        raise PermissionDenied(_("您无权调整该户的复核类别。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("调整复核类别须写明原因。")})
    with because(reason.strip()):
        return benefits.benefit_review_schedule(
            benefit=benefit, after=timezone.localdate(), review_class=review_class
        )


@transaction.atomic
def work_refusal_record(
    *, benefit: Benefit, member, refused_on: datetime.date, job_offered: str, user
) -> WorkRefusal:
    """A member able to work refused a suitable job (S1 Art 34). At the
    district's limit of refusals a review opens proposing to reduce the
    amount by the member's own share."""
    if not user.has_perm("workflows.open_benefitreview", benefit):
        raise PermissionDenied(_("您无权记录该户的拒绝就业情况。"))
    if member.household_id != benefit.household_id:
        raise ValidationError({"member": _("该成员不属于此保障家庭。")})
    if refused_on > timezone.localdate():
        raise ValidationError({"refused_on": _("日期不能晚于今天。")})
    refusal = WorkRefusal(
        benefit=benefit,
        member=member,
        refused_on=refused_on,
        job_offered=(job_offered or "").strip(),
        recorded_by=user,
    )
    refusal.full_clean()
    refusal.save()
    policy = policy_for(benefit.region, refused_on)
    limit = policy.work_refusal_limit if policy else 3
    pending = WorkRefusal.objects.filter(
        benefit=benefit, member=member, review__isnull=True
    )
    if pending.count() >= limit:
        Benefit.objects.select_for_update().filter(pk=benefit.pk).first()
        if open_review_of(benefit) is not None:
            # a review is under way: its proposal is the town's, not
            # replaced here; the refusals stay pending for the next one
            return refusal
        review = review_open(
            benefit=benefit,
            trigger=BenefitReview.Trigger.WORK_REFUSAL,
            reason=_("%(name)s 无正当理由%(n)s次拒绝介绍的工作，拟减发其本人的保障金。")
            % {"name": member.name, "n": limit},
            user=user,
        )
        share = own_share(benefit)
        review.proposal = BenefitReview.Outcome.REDUCE
        review.proposed_amount = benefit.monthly_amount - share
        review.recalc_persons = max(benefit.persons - 1, 1)
        review.proposal_reasons = _(
            "减发%(name)s本人份额 %(share)s 元（保障金额 ÷ 保障人数）。"
        ) % {"name": member.name, "share": share}
        review.save()
        for row in pending:
            row.review = review
            row.save()
    return refusal


def own_share(benefit: Benefit):
    """One member's per-capita share of the benefit (amount ÷ persons)."""
    from decimal import ROUND_HALF_UP, Decimal

    return (benefit.monthly_amount / benefit.persons).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
