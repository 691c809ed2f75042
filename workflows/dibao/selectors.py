"""Reads of the 低保 process."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from workflows.core.selectors import cases_visible_to

from ..registry.models import Deduction, IncomeItem
from ..standards.models import AssistanceStandard
from .models import Application, CrossCheckFinding, CrossCheckReport


def applications_visible_to(user):
    return cases_visible_to(user, Application).select_related(
        "region", "region__parent", "applicant", "household"
    )


def open_case_of_household(household):
    """The unfinished application of ``household``, if any."""
    return Application.objects.filter(household=household).open().first()


def case_link_for(user, case):
    """URL of ``case`` if ``user`` may see it, else None."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        return None
    try:
        return case.get_absolute_url()
    except NoReverseMatch:
        return None


def investigation_file(application):
    """What the investigation found and the calculation made of it, for the
    case page and, linked (not copied), for an escalation of the case."""
    from .explain import describe

    assessment = application.current_assessment
    return {
        "home_visits": application.home_visits.select_related(
            "investigator_1", "investigator_2"
        ),
        "neighbour_visits": application.neighbour_visits.all(),
        "crosscheck_reports": application.crosscheck_reports.exclude(
            origin=CrossCheckReport.Origin.FEEDS
        ),
        "feed_report": (feed_report := latest_feed_report(application)),
        "findings": list(report_findings(feed_report)),
        "assessment": assessment,
        "explanation": [describe(line) for line in assessment.result["lines"]]
        if assessment
        else [],
    }


# --- the income calculation's inputs (收入核算) ----------------------------------


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
        "findings": confirmed_findings(application),
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


# --- the cross-check's findings (信息核对) ---------------------------------------


def latest_feed_report(application):
    """The newest one-click (feeds) cross-check report of ``application``."""
    return (
        application.crosscheck_reports.filter(origin=CrossCheckReport.Origin.FEEDS)
        .order_by("-pk")
        .first()
    )


def report_findings(report):
    """The findings of ``report`` with their members, per member in order."""
    if report is None:
        return CrossCheckFinding.objects.none()
    return report.feed_findings.select_related("member", "reviewed_by").order_by(
        "member_id", "source", "pk"
    )


def confirmed_findings(application) -> list:
    """The findings of the newest feeds report the reviewer confirmed, as
    the calculation's input (one query)."""
    newest = (
        CrossCheckReport.objects.filter(
            application=application, origin=CrossCheckReport.Origin.FEEDS
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    rows = (
        CrossCheckFinding.objects.filter(
            report__in=newest, status=CrossCheckFinding.Status.CONFIRMED
        )
        .select_related("member")
        .order_by("member_id", "source", "pk")
    )
    return [
        {
            "id": f.pk,
            "member": f.member_id,
            "name": f.member.name,
            "source": f.source,
            "period": f.period.strftime("%Y-%m"),
            "kind": f.kind,
            "amount": None if f.amount is None else str(f.amount),
        }
        for f in rows
    ]
