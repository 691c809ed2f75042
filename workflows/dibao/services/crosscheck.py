"""4. The one-click economic cross-check (一键核对, S1 Art 17–18).

Every member of the household is matched against the newest batch of each
departmental feed (``workflows.monitoring.selectors.feed_findings``, in SQL);
the verification report lists, per member, each finding with its source, the
feed's period and the value, and says which sources had no data for the
period. Only with the household's signed authorization (核对授权书). A
finding is evidence, not a verdict: the reviewer confirms or explains each,
and the calculation takes the confirmed ones (``selectors.snapshot_inputs``).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...base.history import bulk_create
from ...clock.services import time_limit
from ...jobs.services import job_start
from ...monitoring.models import FeedBatch
from ...monitoring.selectors import feed_findings
from ...registry.models import Member
from ...standards.models import AssistanceStandard
from ..models import Application, CrossCheckFinding, CrossCheckReport

PERMISSION = "workflows.crosscheck_application"
JOB_KIND = "dibao.crosscheck"
FEED_AGE = "crosscheck_feed_age"  # how old a feed may be to count (TimeLimit)
DEPOSIT_SOURCE = FeedBatch.Source.DEPOSIT


def crosscheck_refusal(application: Application, user) -> str | None:
    """Why ``user`` may not run the cross-check of ``application``, or None."""
    if not user.has_perm(PERMISSION, application):
        return _("您无权对本案进行信息核对。")
    if not application.authorization_signed:
        return _(
            "申请人家庭未签署家庭经济状况核对授权书，不能进行信息核对。请先补签授权书。"
        )
    return None


@transaction.atomic
def crosscheck_start(*, application: Application, user):
    """一键核对: queue the job that matches the household against the feeds."""
    why = crosscheck_refusal(application, user)
    if why:
        raise PermissionDenied(why)
    return job_start(kind=JOB_KIND, user=user, params={"application": application.pk})


def feed_window(on: datetime.date) -> datetime.date:
    """The first month a feed may describe to be current on ``on``."""
    limit = time_limit(FEED_AGE, on)
    return (on - datetime.timedelta(days=limit.amount)).replace(day=1)


def _standards(on):
    """``{(district code, area): standard}`` in force on ``on``: one query."""
    return {
        (s.district.code, s.area): s
        for s in AssistanceStandard.objects.in_force(on).select_related("district")
    }


def _district_code(region_path: str) -> str:
    parts = region_path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else parts[0]


@transaction.atomic
def crosscheck_run(
    *, applications: list[Application], user, on: datetime.date | None = None
) -> list[CrossCheckReport]:
    """Match every member of each application's household against the current
    feeds and write one report per application, with its findings (history
    rows copied in the database, ``bulk_create``). A few queries
    whatever the number of applications: members, batches, feed rows,
    standards, then the inserts."""
    on = on or timezone.localdate()
    for application in applications:
        why = crosscheck_refusal(application, user)
        if why:
            raise PermissionDenied(why)
    since = feed_window(on)
    members = list(
        Member.objects.filter(
            household_id__in=[a.household_id for a in applications]
        ).order_by("household_id", "pk")
    )
    by_household = {}
    for member in members:
        by_household.setdefault(member.household_id, []).append(member)
    match = feed_findings(id_numbers=[m.id_number for m in members], on=on, since=since)
    rows_of = {}
    for row in match.rows:
        rows_of.setdefault(row["id_number"], []).append(row)
    standards = _standards(on)
    coverage = {
        source: ({"batch": b.pk, "period": b.period.strftime("%Y-%m")} if b else None)
        for source, b in match.batches.items()
    }
    summary = _Summary(coverage)
    reports, findings = [], []
    for n, application in enumerate(applications, start=1):
        household = by_household.get(application.household_id, [])
        rows = [
            (member, row)
            for member in household
            for row in rows_of.get(member.id_number, [])
        ]
        limit = _deposit_limit(application, household, standards)
        deposits = sum(
            (
                r["amount"] or Decimal(0)
                for _m, r in rows
                if r["source"] == DEPOSIT_SOURCE
            ),
            Decimal(0),
        )
        over = limit is not None and deposits > limit
        report = CrossCheckReport(
            application=application,
            origin=CrossCheckReport.Origin.FEEDS,
            report_number=f"HD{on:%Y%m%d}-{application.pk}-{n}",
            checked_on=on,
            result=(
                CrossCheckReport.Result.DISCREPANT
                if rows
                else CrossCheckReport.Result.CONSISTENT
            ),
            findings=summary(rows),
            coverage=coverage,
            recorded_by=user,
        )
        # the application and the user exist (loaded): no query per report
        report.full_clean(exclude=["application", "recorded_by"])
        reports.append(report)
        findings.append(
            [
                CrossCheckFinding(
                    application=application,
                    member=member,
                    source=row["source"],
                    period=row["period"],
                    kind=row["kind"][:32],
                    amount=row["amount"],
                    detail=row["detail"][:200],
                    over_limit=over and row["source"] == DEPOSIT_SOURCE,
                )
                for member, row in rows
            ]
        )
    reports = bulk_create(CrossCheckReport, reports, reason=_("一键核对"))
    flat = []
    for report, items in zip(reports, findings, strict=True):
        for item in items:
            item.report = report
            flat.append(item)
    bulk_create(CrossCheckFinding, flat, reason=_("一键核对"))
    return reports


def _deposit_limit(application, household, standards):
    """Deposits allowed to the household: the per-capita limit of the
    standard in force × members counted; None without a standard."""
    standard = standards.get(
        (_district_code(application.region.path), application.household.area)
    )
    if standard is None:
        return None
    size = sum(1 for m in household if not m.exclusion) or 1
    return standard.financial_assets_limit_per_capita * size


class _Summary:
    """The report's text: counts per source, and the sources without data.
    The labels, the translated sentences and the sources without data are
    the same for every report of a run: looked up once (a thousand reports
    spent a twentieth of the run in gettext)."""

    def __init__(self, coverage):
        self.labels = {code: str(label) for code, label in FeedBatch.Source.choices}
        self.part = _("%(source)s：%(count)s 条")
        self.found = _("发现 %(n)s 条部门数据记录（%(parts)s），待核实。")
        self.none = _("已接入的部门数据中未发现该家庭成员的收入或财产记录。")
        missing = [self.labels[s] for s, entry in coverage.items() if entry is None]
        self.missing = (
            _("以下部门本期无数据：%(sources)s。") % {"sources": "、".join(missing)}
            if missing
            else ""
        )

    def __call__(self, rows) -> str:
        counts = {}
        for _member, row in rows:
            counts[row["source"]] = counts.get(row["source"], 0) + 1
        parts = [
            self.part % {"source": self.labels[s], "count": c}
            for s, c in counts.items()
        ]
        text = (
            self.found % {"n": len(rows), "parts": "；".join(parts)}
            if rows
            else self.none
        )
        return text + self.missing


@transaction.atomic
def finding_review(
    *, finding: CrossCheckFinding, user, status: str, explanation: str = ""
) -> CrossCheckFinding:
    """The reviewer confirms a finding (the calculation takes it) or explains
    it (a vehicle used for a disability, a house in ruins), with the reason."""
    application = finding.application
    if not user.has_perm(PERMISSION, application):
        raise PermissionDenied(_("您无权核实本案的信息核对结果。"))
    if application.stage not in (
        Application.Stage.INVESTIGATION,
        Application.Stage.CALCULATION,
    ):
        raise ValidationError(_("本案已过调查核实阶段，不能再更改核对结果。"))
    if status not in (
        CrossCheckFinding.Status.CONFIRMED,
        CrossCheckFinding.Status.EXPLAINED,
    ):
        raise ValidationError({"status": _("请选择核实属实或说明理由。")})
    finding.status = status
    finding.explanation = explanation.strip() if status == "explained" else ""
    finding.reviewed_by = user
    finding.reviewed_at = timezone.now()
    finding.full_clean()
    finding.save()
    return finding


@transaction.atomic
def crosscheck_conclude(*, application: Application, user) -> CrossCheckReport:
    """The cross-check step ends on the newest feed report once every finding
    is confirmed or explained; a confirmed finding makes the report
    discrepant (the applicant is told and may ask for a re-check, S1 Art 18)."""
    if not user.has_perm(PERMISSION, application):
        raise PermissionDenied(_("您无权对本案进行信息核对。"))
    report = (
        application.crosscheck_reports.filter(origin=CrossCheckReport.Origin.FEEDS)
        .order_by("-pk")
        .first()
    )
    if report is None:
        raise ValidationError(_("尚未进行一键核对，请先核对或人工录入核对报告。"))
    pending = report.feed_findings.filter(status=CrossCheckFinding.Status.PENDING)
    if pending.exists():
        raise ValidationError(
            _("还有 %(n)s 条核对发现未核实，请逐条核实属实或说明理由。")
            % {"n": pending.count()}
        )
    confirmed = report.feed_findings.filter(
        status=CrossCheckFinding.Status.CONFIRMED
    ).exists()
    report.result = (
        CrossCheckReport.Result.DISCREPANT
        if confirmed
        else CrossCheckReport.Result.CONSISTENT
    )
    report.recorded_by = user
    report.full_clean()
    report.save()
    return report
