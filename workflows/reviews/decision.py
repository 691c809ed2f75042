"""The decision of a review and its effect on the benefit: the
recalculation on the standard in force, the town's proposal, the decision
by the level that confirms, the notice, and the decision applied (S1 Art
20–21, 31–34; S2 Art 68). The benefit is written only through
``benefits.services``."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..benefits import services as benefits
from ..benefits.models import Benefit, RegisterEntry
from ..benefits.services import add_months, first_of_month
from ..standards.models import ReviewClass
from .models import BenefitReview
from .services import REMEDIES, Outcome, Stage, _check, policy_for


def recalculate(review: BenefitReview, on: datetime.date):
    """The benefit calculated again on the standard in force (its
    programme's calculation, with the confirmed cross-check findings), stored
    on the review; None where the programme has no calculation."""
    benefit = review.benefit
    recalc = benefit.case.specific.recalculate_benefit(
        benefit, on=on, findings=review.crosscheck_findings
    )
    if recalc is None:
        review.recalc_outcome = ""
        return None
    review.recalc_outcome = recalc.outcome
    review.recalc_amount = recalc.monthly_amount
    review.recalc_persons = recalc.persons
    review.recalc_lines = [
        {"text": str(line.get("text", "")), "basis": str(line.get("basis", ""))}
        if isinstance(line, dict)
        else {"text": str(line), "basis": ""}
        for line in recalc.lines
    ]
    review.recalc_inputs = _jsonable(recalc.inputs)
    review.recalc_result = _jsonable(recalc.result)
    review.rule_version = recalc.rule_version
    return recalc


def _jsonable(value):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _outcome_errors(
    review, outcome, amount, exit_months, stop_reason, recovery_amount, on
):
    errors = {}
    if outcome in (Outcome.INCREASE, Outcome.REDUCE):
        if amount is None:
            errors["amount"] = _("增发或减发的，请填写金额。")
        elif outcome == Outcome.INCREASE and amount <= review.benefit.monthly_amount:
            errors["amount"] = _("增发金额须高于现保障金额。")
        elif outcome == Outcome.REDUCE and not (
            Decimal(0) < amount < review.benefit.monthly_amount
        ):
            errors["amount"] = _(
                "减发金额须低于现保障金额且大于零；不再保障的请选停发。"
            )
    if outcome == Outcome.GRADUAL_EXIT:
        policy = policy_for(review.benefit.region, on)
        most = policy.gradual_exit_months if policy else 6
        if not exit_months or exit_months > most:
            errors["exit_months"] = _("渐退月数须在1至%(n)s个月之间。") % {"n": most}
    if outcome == Outcome.STOP:
        if stop_reason not in Benefit.StopReason.values:
            errors["stop_reason"] = _("请选择停保原因。")
        elif stop_reason == Benefit.StopReason.FRAUD and recovery_amount is None:
            errors["recovery_amount"] = _("骗取救助的，须填写应追回金额。")
    return errors


@transaction.atomic
def review_propose(
    *,
    review: BenefitReview,
    user,
    proposal: str,
    reasons: str,
    amount: Decimal | None = None,
) -> BenefitReview:
    """镇（街道）意见: the recalculation on the standard in force and the
    town's proposal with its reasons (S1 Art 31)."""
    _check(user, "workflows.propose_benefitreview", review, _("您无权提出复核意见。"))
    today = timezone.localdate()
    if review.trigger == BenefitReview.Trigger.WORK_REFUSAL:
        # S1 Art 34: the member's own share, not a recalculation
        if amount is None and proposal == Outcome.REDUCE:
            amount = review.proposed_amount
    else:
        recalc = recalculate(review, today)
        if (
            amount is None
            and recalc is not None
            and proposal
            in (
                Outcome.INCREASE,
                Outcome.REDUCE,
            )
        ):
            amount = recalc.monthly_amount
    errors = _outcome_errors(review, proposal, amount, 1, "other", None, today)
    if not (reasons or "").strip():
        errors["reasons"] = _("请写明意见理由。")
    if errors:
        raise ValidationError(errors)
    review.proposal = proposal
    review.proposal_reasons = reasons.strip()
    review.proposed_amount = amount
    review.proposed_by = user
    review.stage = Stage.DECISION
    review.full_clean(exclude=["flow_class"])
    review.save()
    return review


def decide_conflict(user, review: BenefitReview) -> str | None:
    """Whoever investigated or proposed does not decide (S1 Art 12, 20)."""
    if user.pk in review.investigator_ids:
        return _("您参与了本复核的入户核查，按规定不能作出复核决定。")
    if review.proposed_by_id == user.pk:
        return _("您提出了本复核的意见，按规定不能再作出复核决定。")
    return None


@transaction.atomic
def review_decide(
    *,
    review: BenefitReview,
    user,
    outcome: str,
    reasons: str,
    amount: Decimal | None = None,
    persons: int | None = None,
    exit_months: int | None = None,
    stop_reason: str = "",
    recovery_amount: Decimal | None = None,
) -> BenefitReview:
    """复核决定 by the level that confirms: the outcome with written reasons;
    an increase or reduction applies from the month after the decision, a
    stop pays the decision month last (S1 Art 21, 31–33; S2 Art 68)."""
    _check(user, review.decision_permission, review, _("您无权作出本复核的决定。"))
    why = decide_conflict(user, review)
    if why:
        raise PermissionDenied(why)
    today = timezone.localdate()
    if amount is None and outcome in (Outcome.INCREASE, Outcome.REDUCE):
        # the town's figure when it proposed the same, else the recalculation
        same = review.proposal == outcome and review.proposed_amount is not None
        amount = review.proposed_amount if same else review.recalc_amount
    errors = _outcome_errors(
        review, outcome, amount, exit_months, stop_reason, recovery_amount, today
    )
    if not (reasons or "").strip():
        errors["reasons"] = _("请写明决定理由。")
    if errors:
        raise ValidationError(errors)
    benefit = review.benefit
    review.outcome = outcome
    review.decision_reasons = reasons.strip()
    review.decided_on = today
    review.decided_by = user
    review.from_month = add_months(first_of_month(today), 1)
    review.decided_amount = (
        amount if outcome in (Outcome.INCREASE, Outcome.REDUCE) else None
    )
    review.decided_persons = (
        persons or review.recalc_persons or benefit.persons
        if review.decided_amount is not None
        else None
    )
    review.exit_months = exit_months if outcome == Outcome.GRADUAL_EXIT else None
    review.stop_reason = stop_reason if outcome == Outcome.STOP else ""
    review.recovery_amount = recovery_amount if outcome == Outcome.STOP else None
    review.notice_text = notice_text(review)
    review.stage = Stage.NOTICE
    review.full_clean(exclude=["flow_class"])
    review.save()
    return review


def notice_text(review: BenefitReview) -> str:
    """The notice to the household: the decision, its reasons, the remedies."""
    parts = [
        _("经复核，决定：%(outcome)s。") % {"outcome": review.get_outcome_display()}
    ]
    if review.decided_amount is not None:
        parts.append(
            _("自%(month)s起每月保障金%(amount)s元。")
            % {
                "month": review.from_month.strftime("%Y-%m"),
                "amount": review.decided_amount,
            }
        )
    if review.outcome == Outcome.GRADUAL_EXIT:
        parts.append(_("给予%(n)s个月渐退期，期满停发。") % {"n": review.exit_months})
    if review.outcome == Outcome.STOP:
        parts.append(
            _("自%(month)s起停发。") % {"month": review.from_month.strftime("%Y-%m")}
        )
        if review.recovery_amount is not None:
            parts.append(
                _("应退回骗取的救助金%(amount)s元。")
                % {"amount": review.recovery_amount}
            )
    parts.append(_("理由：%(reasons)s") % {"reasons": review.decision_reasons})
    parts.append(str(REMEDIES))
    return "".join(parts)


@transaction.atomic
def review_deliver(
    *, review: BenefitReview, user, delivered_on: datetime.date
) -> BenefitReview:
    """送达: the town delivers the written notice to the household."""
    _check(user, "workflows.deliver_benefitreview", review, _("您无权送达本通知。"))
    if delivered_on > timezone.localdate() or (
        review.decided_on and delivered_on < review.decided_on
    ):
        raise ValidationError(
            {"delivered_on": _("送达日期须在决定日期之后且不晚于今天。")}
        )
    review.notice_delivered_on = delivered_on
    review.full_clean(exclude=["flow_class"])
    review.save()
    return review


def _next_class(review):
    """After the review following a death, the household returns to the
    stable class unless the review changed it."""
    if review.benefit.review_class == ReviewClass.AFTER_DEATH:
        return ReviewClass.STABLE
    return None


KEEPS_PAYING = (
    Outcome.CONTINUE,
    Outcome.INCREASE,
    Outcome.REDUCE,
    Outcome.GRADUAL_EXIT,
)


@transaction.atomic
def review_apply(*, review: BenefitReview) -> Benefit:
    """The decision applied to the benefit (S1 Art 31–33, S2 Art 68); every
    outcome that keeps the benefit sets its next review date by class."""
    benefit = review.benefit
    decided = review.decided_on
    label = _("复核决定（%(case)s）：%(reasons)s") % {
        "case": review.number,
        "reasons": review.decision_reasons,
    }
    outcome = review.outcome
    if outcome in KEEPS_PAYING:
        # a payment held by an earlier decision resumes with this one
        benefits.benefit_resume(benefit=benefit, reason=label)
    if outcome in (Outcome.INCREASE, Outcome.REDUCE):
        benefits.benefit_amount_change(
            benefit=benefit,
            from_month=review.from_month,
            monthly_amount=review.decided_amount,
            persons=review.decided_persons,
            reason=label,
            case=review,
            user=review.decided_by,
        )
    if outcome in (Outcome.CONTINUE, Outcome.INCREASE, Outcome.REDUCE):
        benefits.benefit_review_schedule(
            benefit=benefit, after=decided, review_class=_next_class(review)
        )
        review.stage = Stage.CLOSED
    elif outcome == Outcome.STOP:
        benefits.benefit_stop(
            benefit=benefit,
            last_month=decided,
            on=decided,
            stop_reason=review.stop_reason,
            note=label,
            recovery_amount=review.recovery_amount,
        )
        if review.recalc_outcome == "marginal":
            benefits.register_enter(
                household=benefit.household,
                category=RegisterEntry.Category.MARGINAL,
                since=review.from_month,
                case=review,
                note=_("停保后经核算属低保边缘家庭"),
            )
        review.stage = Stage.CLOSED
    elif outcome == Outcome.GRADUAL_EXIT:
        benefits.benefit_exit_schedule(
            benefit=benefit,
            until_month=add_months(first_of_month(decided), review.exit_months),
            reason=label,
            case=review,
        )
        review.stage = Stage.EXITING
    elif outcome == Outcome.SUSPEND:
        benefits.benefit_suspend(benefit=benefit, on=decided, reason=label)
        review.stage = Stage.CLOSED
    review.save()
    return benefit


@transaction.atomic
def review_exit_end(*, review: BenefitReview) -> Benefit:
    """渐退期满 (S1 Art 33): the benefit stops after its last exit month, by
    the timer, with the stop notice recorded."""
    benefit = Benefit.objects.select_for_update().get(pk=review.benefit_id)
    today = timezone.localdate()
    note = _(
        "渐退期已于%(month)s期满，自次月起停发最低生活保障金（%(case)s）。%(remedies)s"
    ) % {
        "month": benefit.exit_until.strftime("%Y-%m"),
        "case": review.number,
        "remedies": REMEDIES,
    }
    if benefit.status != Benefit.Status.STOPPED:
        benefits.benefit_stop(
            benefit=benefit,
            last_month=benefit.exit_until,
            on=today,
            stop_reason=Benefit.StopReason.EXIT_ENDED,
            note=note,
        )
    review.exit_stopped_on = today
    review.exit_stop_notice = note
    review.stage = Stage.CLOSED
    review.save()
    return benefit


def exit_moment(review: BenefitReview) -> datetime.datetime:
    """The first moment after the last month of the gradual exit."""
    last = review.benefit.exit_until
    first_after = add_months(last, 1)
    return timezone.make_aware(
        datetime.datetime.combine(first_after, datetime.time.min)
    )
