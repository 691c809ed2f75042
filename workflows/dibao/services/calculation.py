"""6–7. Income calculation (收入核算, S1 Art 13) and the first opinion
(初审意见, S1 Art 19)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...clock.services import due_after
from .. import income, selectors
from ..models import (
    Application,
    Assessment,
    Notice,
    Opinion,
)

Stage = Application.Stage


# --- 6. income calculation (收入核算) ----------------------------------------


@transaction.atomic
def income_assess(*, application: Application, user, on: datetime.date | None = None):
    """Run the calculation on the household as it stands and store it."""
    on = on or timezone.localdate()
    standard = selectors.standard_for(application, on)
    inputs = selectors.snapshot_inputs(application, standard)
    result = income.calculate(inputs)
    assessment = Assessment(
        application=application,
        rule_version=income.RULE_VERSION,
        standard=standard,
        inputs=inputs,
        result=result.as_dict(),
        outcome=result.outcome,
        per_capita_income=Decimal(result.per_capita_income),
        monthly_amount=Decimal(result.monthly_amount),
        created_by=user,
    )
    assessment.full_clean()
    assessment.save()
    application.current_assessment = assessment
    application.stage = Stage.OPINION
    application.save()
    return assessment


# --- 7. first opinion and public notice (初审、公示) --------------------------


@transaction.atomic
def opinion_give(
    *,
    application: Application,
    user,
    proposal: str,
    reasons: str,
    notice_place: str = "",
    single_member=None,
):
    """The town's first opinion; a proposal to include is published for 7 days."""
    assessment = application.current_assessment
    if assessment is None:
        raise ValidationError(_("请先完成收入核算。"))
    amount = Decimal("0")
    if proposal == Opinion.Proposal.INCLUDE:
        if assessment.outcome != Assessment.Outcome.ELIGIBLE:
            raise ValidationError(
                {
                    "proposal": _(
                        "收入核算结论为“%(outcome)s”，不能拟按全户纳入；如确有困难，可提级复审。"
                    )
                    % {"outcome": assessment.get_outcome_display()}
                }
            )
        amount = assessment.monthly_amount
    elif proposal == Opinion.Proposal.INCLUDE_SINGLE:
        candidates = {c["member"]: c for c in assessment.result["single_candidates"]}
        if single_member is None or single_member.pk not in candidates:
            raise ValidationError(
                {"single_member": _("请选择收入核算列出的单人保对象。")}
            )
        amount = Decimal(candidates[single_member.pk]["monthly_amount"])
    elif proposal == Opinion.Proposal.ESCALATE:
        single_member = None
        refusal = _escalation_refusal_at_opinion(application, assessment)
        if refusal:
            raise ValidationError({"proposal": refusal})
    else:
        single_member = None
    after_objection = application.objections.exists()
    opinion = Opinion(
        application=application,
        proposal=proposal,
        single_member=single_member,
        proposed_amount=amount,
        reasons=reasons,
        after_objection=after_objection,
        given_by=user,
    )
    opinion.full_clean()
    opinion.save()
    if opinion.proposes_inclusion and not application.notice_completed:
        if not notice_place.strip():
            raise ValidationError({"notice_place": _("请填写公示地点。")})
        start_notice(
            application=application,
            opinion=opinion,
            place=notice_place,
            name=(single_member or application.applicant).name,
            household_size=1 if single_member else assessment.result["household_size"],
            amount=amount,
        )
    elif proposal == Opinion.Proposal.ESCALATE:
        from ...escalation.api import escalation_start_for

        application.stage = Stage.ESCALATED
        application.save()
        hardship = _("%(name)s家%(size)s人，收入核算结论：%(outcome)s。") % {
            "name": application.applicant.name,
            "size": assessment.result["household_size"] if assessment else "",
            "outcome": assessment.get_outcome_display() if assessment else "—",
        }
        escalation_start_for(
            case=application, user=user, reason=reasons, hardship=hardship
        )
        return opinion
    else:
        application.stage = Stage.REVIEW
    application.save()
    return opinion


def start_notice(*, application, opinion, place, name, household_size, amount):
    """Post the 7-day public notice (S1 Art 19): name, household size and
    amount only. The case moves to 公示中 (the caller saves it)."""
    if not place.strip():
        raise ValidationError({"notice_place": _("请填写公示地点。")})
    starts = timezone.localdate()
    first_day_after = due_after("notice_period", starts).on
    notice = Notice(
        application=application,
        opinion=opinion,
        place=place.strip(),
        starts_on=starts,
        ends_on=first_day_after - datetime.timedelta(days=1),
        applicant_name=name,
        household_size=household_size,
        proposed_amount=amount,
    )
    notice.full_clean()
    notice.save()
    application.stage = Stage.NOTICE
    return notice


@transaction.atomic
def escalation_returned(*, application: Application):
    """The escalation decided: on to the decision if the meeting included the
    household, otherwise back to the town for a first opinion on the rules."""
    # included: the meeting's decision is published next (S1 Art 19, 28);
    # not included: back to the town for a first opinion on the rules
    application.stage = Stage.OPINION
    application.save()


def _escalation_refusal_at_opinion(application, assessment):
    """提级复审 from a first opinion: for a household the rules do not cover,
    once (the rest of ``Application.escalation_refusal`` holds at once)."""
    if assessment is not None and assessment.outcome == Assessment.Outcome.ELIGIBLE:
        return _("收入核算结论为符合条件，请直接提出纳入意见，无需提级复审。")
    if application.escalation_included is not None:
        return _("本案已经提级复审并作出决定，不能再次提请。")
    return None
