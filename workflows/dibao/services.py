"""Writes of the 低保 process, one service per step (HackSoft style).

Views and flow handlers only call these. Each service validates (``full_clean``)
before saving and runs inside the caller's transaction (the flow lock's), so a
refused step leaves nothing half-written.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles.accounts.throttle import client_address

from ..clock.services import due_after
from ..core.locks import lock_cases
from ..core.masking import mask_id_number
from ..core.models import SensitiveAccess
from ..core.services import visit_refusal
from ..registry import idnumber
from ..registry.models import Asset, Deduction, Household, IncomeItem, Member
from ..standards.models import AssistanceStandard, DistrictPolicy
from . import income, selectors
from .models import (
    Application,
    Assessment,
    CrossCheckReport,
    Decision,
    HomeVisit,
    NeighbourVisit,
    Notice,
    Objection,
    Opinion,
    Review,
)

Stage = Application.Stage

REMEDIES = gettext_lazy(
    "如对本决定不服，可以自收到本决定之日起六十日内向区（市）人民政府申请行政复议，"
    "或者自收到本决定之日起六个月内向人民法院提起行政诉讼。"
)


# --- 1. application (申请) ---------------------------------------------------


@dataclass
class MemberData:
    name: str
    id_number: str
    relation: str
    employment: str
    disability_grade: int = 0
    disability_kind: str = ""
    major_illness: bool = False
    illness_note: str = ""
    exclusion: str = ""


@dataclass
class IncomeData:
    member_index: int  # position in ``members``, from 0
    income_type: object
    monthly_amount: Decimal
    note: str = ""


@dataclass
class DeductionData:
    member_index: int
    kind: str
    monthly_amount: Decimal
    note: str = ""


@dataclass
class AssetData:
    kind: str
    value: Decimal
    quantity: int = 1
    is_exempt: bool = False
    note: str = ""


@dataclass
class ApplicationData:
    """Everything an application brings (一证一书 plus the declaration)."""

    region: object
    address: str
    area: str
    channel: str
    reason: str
    members: list
    phone: str = ""
    incomes: list = field(default_factory=list)
    deductions: list = field(default_factory=list)
    assets: list = field(default_factory=list)
    proxy_name: str = ""
    proxy_relation: str = ""
    entrustment_recorded: bool = False
    authorization_signed: bool = False
    declaration_signed: bool = False
    origin: object = None  # the case this application answers (a hotline call)


CONTACT_ELSEWHERE = gettext_lazy(
    "如需核实，请联系市民政局社会救助科（为保护个人信息，此处不显示对方家庭和案件）。"
)


def _check_duplicates(members, user):
    """Refuse a number given twice in this application or already in the
    registry (the sequential check; the insert itself catches a concurrent
    submission, see ``_register_members``)."""
    errors = []
    seen = set()
    for m in members:
        number = idnumber.normalize(m.id_number)
        if number in seen:
            errors.append(
                _("身份证号码 %(id)s 在本次申请中重复填写。")
                % {"id": mask_id_number(number)}
            )
        seen.add(number)
    errors += _registered_elsewhere(seen, user)
    if errors:
        raise ValidationError(errors)


def _registered_elsewhere(numbers, user):
    """Why each of ``numbers`` cannot be registered again, as errors.

    The person, household and case are named only to a user who may see
    them (the one permission rule). Anyone else learns only that the number
    is already taken, and whom to ask: the city bureau, which sees every
    district. Naming the household or the case to them would turn this form
    into a lookup of other regions' families by ID number.
    """
    errors = []
    existing = Member.objects.filter(id_number__in=numbers).select_related(
        "household__region"
    )
    for member in existing:
        masked = member.masked_id_number
        case = selectors.open_case_of_household(member.household)
        if case is not None:
            if user.has_perm("workflows.view_application", case):
                message = _("%(name)s（%(id)s）已在办理中的案件 %(case)s 中。") % {
                    "name": member.name,
                    "id": masked,
                    "case": case.number,
                }
                link = selectors.case_link_for(user, case)
            else:
                message = _(
                    "身份证号码为 %(id)s 的人员已在其他地区办理中的案件中，"
                    "不能重复申请。%(contact)s"
                ) % {"id": masked, "contact": CONTACT_ELSEWHERE}
                link = None
            errors.append(
                ValidationError(message, code="duplicate", params={"link": link})
            )
        elif user.has_perm("workflows.view_household", member.household):
            errors.append(
                _("%(name)s（%(id)s）已登记在其他家庭，如属分户请先办理成员变更。")
                % {"name": member.name, "id": masked}
            )
        else:
            errors.append(
                _(
                    "身份证号码为 %(id)s 的人员已登记在其他地区的家庭中，"
                    "不能重复登记。%(contact)s"
                )
                % {"id": masked, "contact": CONTACT_ELSEWHERE}
            )
    return errors


def _register_members(household, rows, user):
    """Insert the members; a number registered meanwhile by a concurrent
    submission (both passed ``_check_duplicates``, the unique index refuses
    the second) is refused with the same message, nothing half-written."""
    numbers = [idnumber.normalize(row.id_number) for row in rows]
    try:
        with transaction.atomic():  # a savepoint: the transaction stays usable
            return [
                _register_member(household, row, number)
                for row, number in zip(rows, numbers, strict=True)
            ]
    except IntegrityError as error:
        errors = _registered_elsewhere(numbers, user)
        if not errors:
            raise
        raise ValidationError(errors) from error


def _register_member(household, row, number):
    idnumber.validate_id_number(number)
    member = Member(
        household=household,
        name=row.name,
        id_number=number,
        relation=row.relation,
        birth_date=idnumber.birth_date(number),
        sex=idnumber.sex(number),
        disability_grade=row.disability_grade,
        disability_kind=row.disability_kind,
        major_illness=row.major_illness,
        illness_note=row.illness_note,
        employment=row.employment,
        exclusion=row.exclusion,
    )
    # uniqueness is the index's to enforce (a check here would race)
    member.full_clean(validate_unique=False)
    member.save()
    return member


@transaction.atomic
def application_submit(*, application: Application, user, data: ApplicationData):
    """Register the household and fill in the application (step 1, S1 Art 6–10).

    ``application`` is the unsaved process instance of the start activation.
    """
    if not user.has_perm("workflows.apply_application", data.region):
        raise PermissionDenied(_("您的岗位不覆盖该村（社区），不能在此提交申请。"))
    if not data.members:
        raise ValidationError(_("家庭至少应有一名成员。"))
    heads = [m for m in data.members if m.relation == Member.Relation.HEAD]
    if len(heads) != 1:
        raise ValidationError(_("须填写且只能填写一名户主（本人）。"))
    if not data.authorization_signed:
        raise ValidationError(_("申请须附家庭经济状况核对授权书。"))
    if not data.declaration_signed:
        raise ValidationError(_("申请须附收入财产申报及承诺书。"))
    _check_duplicates(data.members, user)

    household = Household(
        region=data.region, address=data.address, area=data.area, phone=data.phone
    )
    household.full_clean()
    household.save()

    members = _register_members(household, data.members, user)

    for row in data.incomes:
        _add(
            IncomeItem,
            member=members[row.member_index],
            income_type=row.income_type,
            monthly_amount=row.monthly_amount,
            note=row.note,
        )
    for row in data.deductions:
        _add(
            Deduction,
            member=members[row.member_index],
            kind=row.kind,
            monthly_amount=row.monthly_amount,
            note=row.note,
        )
    for row in data.assets:
        _add(
            Asset,
            household=household,
            kind=row.kind,
            value=row.value,
            quantity=row.quantity,
            is_exempt=row.is_exempt,
            note=row.note,
        )

    application.region = data.region
    application.household = household
    application.applicant = members[data.members.index(heads[0])]
    application.submitted_by = user
    application.channel = data.channel
    application.reason = data.reason
    application.proxy_name = data.proxy_name
    application.proxy_relation = data.proxy_relation
    application.entrustment_recorded = data.entrustment_recorded
    application.authorization_signed = data.authorization_signed
    application.declaration_signed = data.declaration_signed
    if data.origin is not None:
        origin = data.origin
        if not user.has_perm(f"workflows.view_{origin._meta.model_name}", origin):
            raise PermissionDenied(_("您无权关联该案件。"))
        refusal = Application.origin_refusal(origin)
        if refusal:
            raise ValidationError(refusal)
        application.origin = origin
        if origin.household_id is None:  # the case it answers learns the household
            origin.household = household  # its own model, so its history says so
            origin.save(update_fields=["household"])
    application.opened_on = timezone.localdate()
    application.stage = Stage.ACCEPTANCE
    application.full_clean(exclude=["flow_class", "current_assessment"])
    return application


def _add(model, **values):
    obj = model(**values)
    obj.full_clean()
    obj.save()
    return obj


# --- 2. acceptance (受理) ----------------------------------------------------


def _start_clock(application: Application, accepted_on: datetime.date):
    policy = (
        DistrictPolicy.objects.in_force(accepted_on)
        .filter(district=application.region.district)
        .first()
    )
    application.town_confirms = bool(policy and policy.confirmation_delegated)
    application.limit_code = "overall_town" if application.town_confirms else "overall"
    application.accepted_on = accepted_on
    application.due_on = due_after(application.limit_code, accepted_on).on
    application.stage = Stage.INVESTIGATION


def application_accept(
    *,
    application: Application,
    user,
    missing_items: str = "",
    separate_registration: bool = False,
    separate_registration_reason: str = "",
    related_staff=(),
    on: datetime.date | None = None,
):
    """Accept a complete application, or issue the one-time notice of what is
    missing (一次性告知); the clock does not start until it is complete."""
    on = on or timezone.localdate()
    if separate_registration and not separate_registration_reason.strip():
        raise ValidationError(
            {
                "separate_registration_reason": _(
                    "单独登记备案须写明原因（与哪位工作人员或村干部的近亲属关系）。"
                )
            }
        )
    related_staff = list(related_staff)
    if user in related_staff:
        raise ValidationError(
            _("您与申请人存在近亲属关系，不能受理本案，请由其他工作人员受理。")
        )
    application.separate_registration = separate_registration
    application.separate_registration_reason = separate_registration_reason.strip()
    application.related_staff.set(related_staff)
    application.missing_items = missing_items.strip()
    if application.missing_items:
        application.materials_requested_on = on
        application.stage = Stage.AWAITING_MATERIALS
    else:
        _start_clock(application, on)
    application.save()


def materials_received(*, application: Application, user, on=None, still_missing=""):
    """The applicant brought the missing items: accept now (clock starts)."""
    on = on or timezone.localdate()
    if still_missing.strip():
        application.missing_items = still_missing.strip()
        application.save()
        return
    application.missing_items = ""
    application.materials_received_on = on
    _start_clock(application, on)
    application.save()


# --- 3–5. investigation (调查核实) -------------------------------------------


def home_visit_record(*, application: Application, user, **values):
    """入户调查 (S1 Art 16): two different investigators, the family's signature."""
    visit = HomeVisit(application=application, recorded_by=user, **values)
    errors = {}
    if visit.investigator_1_id and visit.investigator_1_id == visit.investigator_2_id:
        errors["investigator_2"] = _("入户调查须由两名不同的工作人员进行。")
    if not visit.household_signed:
        errors["household_signed"] = _("调查表须经在场家庭成员签字确认。")
    if visit.method != HomeVisit.Method.IN_PERSON and not visit.remote_reason.strip():
        errors["remote_reason"] = _("仅紧急情况可电话或视频调查，请写明原因。")
    if visit.visited_on and visit.visited_on > timezone.localdate():
        errors["visited_on"] = _("调查日期不能晚于今天。")
    for field_name in ("investigator_1", "investigator_2"):
        why = visit_refusal(values.get(field_name), application)
        if why:
            errors[field_name] = why
    if errors:
        raise ValidationError(errors)
    visit.full_clean()
    visit.save()
    return visit


def neighbour_visit_record(*, application: Application, user, **values):
    visit = NeighbourVisit(application=application, recorded_by=user, **values)
    if visit.visited_on and visit.visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("访问日期不能晚于今天。")})
    visit.full_clean()
    visit.save()
    return visit


def crosscheck_record(*, application: Application, user, **values):
    report = CrossCheckReport(application=application, recorded_by=user, **values)
    if report.checked_on and report.checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("核对日期不能晚于今天。")})
    report.full_clean()
    report.save()
    return report


# --- 6. income calculation (收入核算) ----------------------------------------


def standard_for(application: Application, on: datetime.date) -> AssistanceStandard:
    district = application.region.district
    standard = (
        AssistanceStandard.objects.in_force(on)
        .filter(district=district, area=application.household.area)
        .first()
    )
    if standard is None:
        raise ValidationError(
            _("%(district)s 在 %(date)s 没有有效的%(area)s低保标准，请管理员补充。")
            % {
                "district": district,
                "date": on,
                "area": application.household.get_area_display(),
            }
        )
    return standard


def snapshot_inputs(application: Application, standard: AssistanceStandard) -> dict:
    """The plain-data input of the calculation, as stored on the assessment."""
    members = list(application.household.members.all())
    member_ids = [m.pk for m in members]
    incomes = IncomeItem.objects.filter(member_id__in=member_ids).select_related(
        "income_type"
    )
    deductions = Deduction.objects.filter(member_id__in=member_ids)
    assets = application.household.assets.all()
    return {
        "standard": {
            "id": standard.pk,
            "district": standard.district.name,
            "area": standard.area,
            "valid_from": standard.valid_from.isoformat(),
            "is_sample": standard.is_sample,
            "monthly_standard": str(standard.monthly_standard),
            "marginal_multiplier": str(standard.marginal_multiplier),
            "financial_assets_limit_per_capita": str(
                standard.financial_assets_limit_per_capita
            ),
            "vehicle_value_limit": str(standard.vehicle_value_limit),
            "housing_units_limit": standard.housing_units_limit,
            "business_assets_limit": str(standard.business_assets_limit),
            "rounding": standard.rounding,
        },
        "members": [
            {
                "id": m.pk,
                "name": m.name,
                "included": not m.exclusion,
                "excluded_reason": m.exclusion,
                "disability_grade": m.disability_grade,
                "disability_kind": m.disability_kind,
                "major_illness": m.major_illness,
            }
            for m in members
        ],
        "incomes": [
            {
                "member": i.member_id,
                "type": i.income_type.code,
                "name": i.income_type.name,
                "name_en": i.income_type.name_en,
                "counted": i.income_type.counted,
                "monthly_amount": str(i.monthly_amount),
            }
            for i in incomes
        ],
        "deductions": [
            {
                "member": x.member_id,
                "kind": x.kind,
                "monthly_amount": str(x.monthly_amount),
            }
            for x in deductions
        ],
        "assets": [
            {
                "kind": a.kind,
                "value": str(a.value),
                "quantity": a.quantity,
                "exempt": a.is_exempt,
            }
            for a in assets
        ],
    }


def income_assess(*, application: Application, user, on: datetime.date | None = None):
    """Run the calculation on the household as it stands and store it."""
    on = on or timezone.localdate()
    standard = standard_for(application, on)
    inputs = snapshot_inputs(application, standard)
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
        starts = timezone.localdate()
        first_day_after = due_after("notice_period", starts).on
        notice = Notice(
            application=application,
            opinion=opinion,
            place=notice_place.strip(),
            starts_on=starts,
            ends_on=first_day_after - datetime.timedelta(days=1),
            applicant_name=(single_member or application.applicant).name,
            household_size=1 if single_member else assessment.result["household_size"],
            proposed_amount=amount,
        )
        notice.full_clean()
        notice.save()
        application.stage = Stage.NOTICE
    elif proposal == Opinion.Proposal.ESCALATE:
        from ..escalation.api import escalation_start_for

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


def escalation_returned(*, application: Application):
    """The escalation decided: on to the decision if the meeting included the
    household, otherwise back to the town for a first opinion on the rules."""
    application.stage = (
        Stage.DECISION if application.included_by_escalation else Stage.OPINION
    )
    application.save()


def _escalation_refusal_at_opinion(application, assessment):
    """提级复审 from a first opinion: for a household the rules do not cover,
    once (the rest of ``Application.escalation_refusal`` holds at once)."""
    if assessment is not None and assessment.outcome == Assessment.Outcome.ELIGIBLE:
        return _("收入核算结论为符合条件，请直接提出纳入意见，无需提级复审。")
    if application.escalation_included is not None:
        return _("本案已经提级复审并作出决定，不能再次提请。")
    return None


def notice_close(*, application: Application):
    """The notice period is over (fired by the timer)."""
    for notice in application.notices.filter(ended=False):
        notice.ended = True
        notice.save(update_fields=["ended"])  # one by one: each keeps its history
    application.stage = (
        Stage.OBJECTION if application.has_open_objections else Stage.REVIEW
    )
    application.save()


@transaction.atomic
def objection_record(
    *, application: Application, user, received_on, content, objector=""
):
    """Register an objection raised while the notice is posted (S1 Art 19).

    Under the case's lock, so the notice cannot end (the timer) between
    finding it open and recording the objection: an objection recorded a
    moment before the notice closes is routed to 处理公示异议, never lost."""
    if not user.has_perm("workflows.record_objection", application):
        raise PermissionDenied(_("您无权为本案登记异议。"))
    lock_cases([application.pk])
    notice = application.notices.filter(ended=False).order_by("-pk").first()
    if notice is None:
        raise ValidationError(_("本案当前不在公示期内，不能登记公示异议。"))
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    if received_on < notice.starts_on:
        raise ValidationError({"received_on": _("收到日期早于公示开始日期。")})
    objection = Objection(
        application=application,
        notice=notice,
        received_on=received_on,
        objector=objector,
        content=content,
        recorded_by=user,
    )
    objection.full_clean()
    objection.save()
    return objection


def objection_handle(*, application: Application, user, handling: str, result: str):
    """Resolve every open objection: re-investigate, or a community review."""
    open_objections = list(application.open_objections)
    if not open_objections:
        raise ValidationError(_("没有待处理的异议。"))
    if not result.strip():
        raise ValidationError({"result": _("请填写处理结果。")})
    today = timezone.localdate()
    for objection in open_objections:
        objection.handling = handling
        objection.result = result
        objection.resolved_on = today
        objection.resolved_by = user
        objection.full_clean()
        objection.save()
    application.stage = (
        Stage.INVESTIGATION
        if handling == Objection.Handling.REINVESTIGATE
        else Stage.OPINION
    )
    application.save()


# --- 8. review and confirmation (审核确认) -----------------------------------


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
    return decision


def roster_enrol(*, application: Application):
    """Put an approved household on the recipient roster (publication list):
    the benefit in force, written through the spine's one service."""
    from ..benefits.services import benefit_grant

    decision = application.decisions.get(outcome=Decision.Outcome.APPROVE)
    opinion = application.latest_opinion
    single = opinion.single_member if opinion else None
    assessment = application.current_assessment
    if decision.escalation_id:
        basis = _("一事一议会议决定（%(number)s），低保证 %(certificate)s") % {
            "number": decision.escalation.number,
            "certificate": decision.certificate_number,
        }
    else:
        basis = _("低保审核确认决定，低保证 %(certificate)s") % {
            "certificate": decision.certificate_number
        }
    benefit = benefit_grant(
        case=application,
        member=single,
        persons=1 if single else assessment.result["household_size"],
        monthly_amount=decision.monthly_amount,
        start_month=decision.start_month,
        legal_basis=basis,
    )
    application.stage = Stage.APPROVED
    application.save()
    return benefit


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


# --- the overall clock (S1 Art 22) -----------------------------------------


@transaction.atomic
def deadline_extend(*, application: Application, user, reason: str):
    """Extend the overall limit to 45 working days, with a recorded reason.

    Under the case's lock, on the case as it is now, writing only the
    extension: a step completed at the same moment keeps what it wrote."""
    if not user.has_perm("workflows.extend_deadline", application):
        raise PermissionDenied(_("您无权延长本案办理期限。"))
    if not reason.strip():
        raise ValidationError({"reason": _("延长办理期限须写明理由。")})
    lock_cases([application.pk])
    application.refresh_from_db()
    if application.accepted_on is None:
        raise ValidationError(_("本案尚未受理，尚未开始计时。"))
    if application.limit_code == "overall_extended":
        raise ValidationError(_("本案办理期限已延长过，不能再次延长。"))
    if application.finished:
        raise ValidationError(_("本案已办结。"))
    application.limit_code = "overall_extended"
    application.due_on = due_after("overall_extended", application.accepted_on).on
    application.extension_reason = reason.strip()
    application._change_reason = reason.strip()
    application.save(update_fields=["limit_code", "due_on", "extension_reason"])


# --- sensitive reads -------------------------------------------------------


def id_number_revealed(*, case, member, user, request=None):
    """Log that ``user`` saw ``member``'s full ID number (not the number)."""
    if not user.has_perm("workflows.reveal_idnumber", case):
        raise PermissionDenied(_("您无权查看完整身份证号码。"))
    SensitiveAccess.objects.create(
        user=user,
        action=SensitiveAccess.Action.REVEAL_ID,
        case=case,
        record=f"workflows.member:{member.pk}",
        ip_address=client_address(request) if request else None,
    )
