"""3–5. Investigation (调查核实, S1 Art 15–18): visits and the cross-check."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...core.services import visit_refusal
from ..models import (
    Application,
    CrossCheckRecheck,
    CrossCheckReport,
    HomeVisit,
    NeighbourVisit,
)

Stage = Application.Stage


# --- 3–5. investigation (调查核实) -------------------------------------------


@transaction.atomic
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


@transaction.atomic
def neighbour_visit_record(*, application: Application, user, **values):
    visit = NeighbourVisit(application=application, recorded_by=user, **values)
    if visit.visited_on and visit.visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("访问日期不能晚于今天。")})
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def crosscheck_record(*, application: Application, user, **values):
    """A cross-check report typed in by hand (a department outside the
    feeds): the reason is required (``CrossCheckReport.clean``)."""
    report = CrossCheckReport(
        application=application,
        recorded_by=user,
        origin=CrossCheckReport.Origin.MANUAL,
        **values,
    )
    if report.checked_on and report.checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("核对日期不能晚于今天。")})
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def crosscheck_recheck(
    *,
    application: Application,
    user,
    informed_on,
    requested: bool,
    evidence: str = "",
    result: str = "",
    findings: str = "",
):
    """S1 Art 18: the applicant was told the cross-check's finding; if they
    asked for a re-check with evidence, the town re-checked (the result)."""
    if not user.has_perm("workflows.investigate_application", application):
        raise PermissionDenied(_("您无权办理本案的核对结果告知与复查。"))
    report = application.crosscheck_reports.order_by("-pk").first()
    if report is None:
        raise ValidationError(_("本案尚无信息核对报告。"))
    if informed_on > timezone.localdate():
        raise ValidationError({"informed_on": _("告知日期不能晚于今天。")})
    if informed_on < report.checked_on:
        raise ValidationError({"informed_on": _("告知日期不能早于核对日期。")})
    recheck = CrossCheckRecheck(
        application=application,
        report=report,
        informed_on=informed_on,
        requested=requested,
        evidence=evidence.strip(),
        result=result if requested else "",
        findings=findings.strip(),
        recorded_by=user,
    )
    recheck.full_clean()
    recheck.save()
    return recheck
