"""1–2. Application (申请, S1 Art 6–10) and acceptance (受理, S1 Art 11–12)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...base.masking import mask_id_number
from ...core.clocks import start_case_clock
from ...registry import idnumber
from ...registry.models import Asset, Deduction, Household, IncomeItem, Member
from ...standards.models import DistrictPolicy
from .. import selectors
from ..models import (
    Application,
)

Stage = Application.Stage


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
    application.accepted_on = accepted_on
    start_case_clock(
        application,
        "overall_town" if application.town_confirms else "overall",
        accepted_on,
    )
    application.stage = Stage.INVESTIGATION


@transaction.atomic
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


@transaction.atomic
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
