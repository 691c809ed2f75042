"""8–9. Review and confirmation (审核确认, S1 Art 20) and the decision
(决定, S1 Art 21)."""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...benefits.models import RegisterEntry
from ...benefits.services import register_enter
from ...standards.models import DistrictPolicy
from ..models import (
    Application,
    Assessment,
    Decision,
    Review,
)

Stage = Application.Stage


REMEDIES = gettext_lazy(
    "如对本决定不服，可以自收到本决定之日起六十日内向区（市）人民政府申请行政复议，"
    "或者自收到本决定之日起六个月内向人民法院提起行政诉讼。"
)


# --- 8. review and confirmation (审核确认) -----------------------------------


@transaction.atomic
def spot_check_draw(*, application: Application, ratio: Decimal | None = None):
    """Draw the random spot check for review (S1 Art 20, default 30 %)."""
    if ratio is None:
        policy = (
            DistrictPolicy.objects.in_force(timezone.localdate())
            .filter(district=application.region.district)
            .first()
        )
        ratio = policy.spot_check_ratio if policy else Decimal("0.30")
    application.spot_check = secrets.SystemRandom().random() < float(ratio)
    application.stage = Stage.REVIEW
    application.save()


@transaction.atomic
def review_record(
    *,
    application: Application,
    user,
    conclusion: str,
    remarks: str,
    amount: Decimal | None = None,
    visited_on=None,
    visit_findings: str = "",
):
    reasons = application.home_visit_reasons
    errors = {}
    if reasons and (not visited_on or not visit_findings.strip()):
        errors["visit_findings"] = _(
            "本案须入户核查（%(reasons)s），请填写核查日期和情况。"
        ) % {"reasons": "、".join(str(r) for r in reasons)}
    if visited_on and visited_on > timezone.localdate():
        errors["visited_on"] = _("核查日期不能晚于今天。")
    opinion = application.latest_opinion
    if conclusion == Review.Conclusion.AMEND and (amount is None or amount <= 0):
        errors["amount"] = _("调整保障金额时请填写确认金额。")
    if conclusion != Review.Conclusion.DISAGREE and not (
        opinion and opinion.proposes_inclusion
    ):
        errors["conclusion"] = _(
            "初审意见为不予纳入，审核只能作出不同意纳入的意见或退回提级复审。"
        )
    if errors:
        raise ValidationError(errors)
    if conclusion == Review.Conclusion.CONFIRM:
        amount = opinion.proposed_amount
    elif conclusion == Review.Conclusion.DISAGREE:
        amount = Decimal("0")
    review = Review(
        application=application,
        visit_required_reason="、".join(str(r) for r in reasons),
        spot_checked=bool(application.spot_check),
        visited_on=visited_on,
        visit_findings=visit_findings,
        conclusion=conclusion,
        amount=amount,
        remarks=remarks,
        reviewed_by=user,
    )
    review.full_clean()
    review.save()
    application.stage = Stage.DECISION
    application.save()
    return review


# --- 9. decision (决定) ------------------------------------------------------


def first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@transaction.atomic
def decision_record(*, application: Application, user, outcome: str, reasons: str):
    """Approve with amount and start month (the month after), or reject with
    written reasons and the applicant's remedies (S1 Art 21)."""
    if application.decisions.exists():
        raise ValidationError(_("本案已作出决定，不能重复决定。"))
    if not reasons.strip():
        raise ValidationError({"reasons": _("请写明决定理由。")})
    today = timezone.localdate()
    decision = Decision(
        application=application,
        outcome=outcome,
        reasons=reasons,
        decided_by=user,
        decided_on=today,
    )
    escalation = application.deciding_escalation
    review = application.reviews.order_by("-pk").first()
    if escalation is not None:
        # the leading group decided to include (一事一议): the decision follows it
        if outcome != Decision.Outcome.APPROVE:
            raise ValidationError(
                {
                    "outcome": _(
                        "一事一议会议（%(number)s）已决定纳入低保，决定应与会议决定一致。"
                    )
                    % {"number": escalation.number}
                }
            )
        decision.escalation = escalation
        decision.monthly_amount = application.escalation_amount
        decision.start_month = first_of_next_month(today)
        application.stage = Stage.APPROVED
    elif review is None:
        raise ValidationError(_("请先完成审核确认。"))
    elif outcome == Decision.Outcome.APPROVE:
        if review.conclusion == Review.Conclusion.DISAGREE or review.amount <= 0:
            raise ValidationError(
                {"outcome": _("审核意见为不同意纳入，不能作出批准决定。")}
            )
        decision.monthly_amount = review.amount
        decision.start_month = first_of_next_month(today)
        application.stage = Stage.APPROVED
    else:
        with translation.override("zh-hans"):  # a legal notice to the applicant
            decision.remedies = str(REMEDIES)
        application.stage = Stage.DELIVERY
    if outcome == Decision.Outcome.APPROVE:
        district = application.region.district
        decision.certificate_number = (
            f"{district.code}-{today.year}-{application.pk:06d}"
        )
    decision.full_clean()
    decision.save()
    application.save()
    _enter_marginal(application, decision)
    return decision


def _enter_marginal(application: Application, decision: Decision):
    """A rejection whose income calculation found a marginal household
    (低保边缘) puts the household in the low-income register as marginal."""
    if decision.outcome == Decision.Outcome.APPROVE or application.household is None:
        return
    assessment = application.assessments.order_by("-pk").first()
    if assessment is None or assessment.outcome != Assessment.Outcome.MARGINAL:
        return
    register_enter(
        household=application.household,
        category=RegisterEntry.Category.MARGINAL,
        since=decision.decided_on,
        case=application,
        note=str(Assessment.Outcome.MARGINAL.label),
    )


@transaction.atomic
def rejection_deliver(*, application: Application, user, delivered_on, method: str):
    decision = application.decisions.get(outcome=Decision.Outcome.REJECT)
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("送达日期不能晚于今天。")})
    if delivered_on < decision.decided_on:
        raise ValidationError({"delivered_on": _("送达日期不能早于决定日期。")})
    decision.delivered_on = delivered_on
    decision.delivery_method = method
    decision._change_reason = _("送达不予批准通知")
    decision.full_clean()
    decision.save()
    application.stage = Stage.REJECTED
    application.save()
