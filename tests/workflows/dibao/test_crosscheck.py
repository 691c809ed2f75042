"""The one-click cross-check (一键核对, S1 Art 17–18): feeds matched against
every member, a report with each finding's source and period, the
reviewer's word on each, and the calculation taking the confirmed ones."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application, CrossCheckFinding, CrossCheckReport
from workflows.monitoring.feedfile import FeedRow
from workflows.monitoring.models import FeedBatch
from workflows.monitoring.services import feed_import

from .desk import Desk, accept, calculate, open_task, submit, task_url, today

pytestmark = pytest.mark.django_db


def _month(back=0):
    day = timezone.localdate().replace(day=1)
    for _ in range(back):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def _feed(user, source, rows, back=1):
    data = "".join(f"{r.id_number}{r.kind}{r.amount}" for r in rows)
    return feed_import(
        user=user,
        source=source,
        period=_month(back),
        rows=rows,
        file_name=f"{source}.csv",
        checksum=hashlib.sha256(f"{source}{back}{data}".encode()).hexdigest(),
    )


def _in_crosscheck(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    return Application.objects.get(pk=case.pk)


def _vehicle_feed(cast, case, amount="80000.00"):
    spouse = case.household.members.get(relation="spouse")
    row = FeedRow(2, spouse.id_number, "小型轿车", Decimal(amount), "鲁D·12345")
    return spouse, _feed(cast.reviewer, FeedBatch.Source.VEHICLE, [row])


def _run(desk, case):
    task = desk.take(case, DibaoFlow.cross_check)
    response = desk.post(task_url(task, "execute"), {"_run": "1"})
    assert response.status_code == 302
    return task


def test_a_vehicle_in_the_feed_is_reported_confirmed_and_fails_the_property_test(
    cast,
):
    case = _in_crosscheck(cast)
    spouse, _ = _vehicle_feed(cast, case)
    desk = Desk(cast.checker)
    task = _run(desk, case)
    report = case.crosscheck_reports.get()
    assert report.origin == CrossCheckReport.Origin.FEEDS
    finding = report.feed_findings.get()
    assert (finding.member, finding.source, finding.period) == (
        spouse,
        "vehicle",
        _month(1),
    )
    assert finding.amount == Decimal("80000.00")
    assert report.coverage["vehicle"]["period"] == _month(1).strftime("%Y-%m")
    page = desk.get(task_url(task, "execute")).content.decode()
    assert "公安（机动车）" in page and _month(1).strftime("%Y-%m") in page
    assert "小型轿车" in page
    # a source without a batch for the period says so, never "nothing found"
    assert report.coverage["tax"] is None
    assert "本期无数据" in page
    assert "税务" in report.findings and "本期无数据" in report.findings
    # the step cannot end while a finding waits for the reviewer's word
    desk.post(task_url(task, "execute"), {"_conclude": "1"})
    assert open_task(case, DibaoFlow.cross_check) is not None
    response = desk.post(
        task_url(task, "execute"),
        {"_review": "1", "finding": finding.pk, "status": "confirmed"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "confirmed" and finding.reviewed_by == cast.checker
    assert finding.history.count() == 2
    desk.post(task_url(task, "execute"), {"_conclude": "1"})
    assert open_task(case, DibaoFlow.cross_check) is None
    report.refresh_from_db()
    assert report.result == CrossCheckReport.Result.DISCREPANT
    # the applicant is told (S1 Art 18); no re-check asked, on to calculation
    worker = Desk(cast.caseworker)
    worker.complete(case, DibaoFlow.home_visit, _home_visit(cast))
    worker.complete(
        case,
        DibaoFlow.neighbour_visit,
        {"visited_on": today(), "persons_interviewed": "邻居", "findings": "属实"},
    )
    worker.complete(
        case, DibaoFlow.recheck, {"informed_on": today(), "requested": "no"}
    )
    calculate(cast, case)
    case.refresh_from_db()
    assessment = case.current_assessment
    assert assessment.outcome == "not_eligible"
    rules = {line["rule"]: line["params"] for line in assessment.result["lines"]}
    assert rules["property_vehicle"]["ok"] is False
    assert rules["property_vehicle"]["value"] == "80000.00"
    assert rules["finding_confirmed"]["source"] == "vehicle"
    assert assessment.inputs["findings"][0]["id"] == finding.pk
    page = Desk(cast.caseworker).get(case.get_absolute_url()).content.decode()
    assert "经核实属实，计入非豁免财产（机动车辆）" in page


def _home_visit(cast):
    return {
        "visited_on": today(),
        "method": "in_person",
        "investigator_1": cast.caseworker.pk,
        "investigator_2": cast.coordinator.pk,
        "family_present": "户主本人",
        "household_signed": "on",
        "living_conditions": "住房简陋",
        "findings": "情况属实",
    }


def test_an_explained_finding_is_not_counted(cast):
    case = _in_crosscheck(cast)
    _vehicle_feed(cast, case)
    [report] = services.crosscheck_run(applications=[case], user=cast.checker)
    finding = report.feed_findings.get()
    with pytest.raises(Exception, match="理由"):
        services.finding_review(finding=finding, user=cast.checker, status="explained")
    services.finding_review(
        finding=finding,
        user=cast.checker,
        status="explained",
        explanation="残疾人功能性补偿代步车",
    )
    services.crosscheck_conclude(application=case, user=cast.checker)
    report.refresh_from_db()
    assert report.result == CrossCheckReport.Result.CONSISTENT
    from workflows.dibao.selectors import snapshot_inputs, standard_for

    inputs = snapshot_inputs(case, standard_for(case, timezone.localdate()))
    assert inputs["findings"] == []


def test_no_matching_without_the_signed_authorization(cast):
    case = _in_crosscheck(cast)
    _vehicle_feed(cast, case)
    Application.objects.filter(pk=case.pk).update(authorization_signed=False)
    case.refresh_from_db()
    with pytest.raises(Exception, match="核对授权书"):
        services.crosscheck_run(applications=[case], user=cast.checker)
    desk = Desk(cast.checker)
    task = _run(desk, case)
    assert not case.crosscheck_reports.exists()
    page = desk.get(task_url(task, "execute")).content.decode()
    assert "未签署家庭经济状况核对授权书" in page


def test_deposits_over_the_limit_are_flagged(cast):
    case = _in_crosscheck(cast)
    head = case.applicant
    rows = [FeedRow(2, head.id_number, "活期存款", Decimal("900000.00"), "")]
    _feed(cast.reviewer, FeedBatch.Source.DEPOSIT, rows)
    [report] = services.crosscheck_run(applications=[case], user=cast.checker)
    assert report.feed_findings.get().over_limit


def test_a_hand_entered_report_needs_a_reason(cast):
    case = _in_crosscheck(cast)
    desk = Desk(cast.checker)
    data = {
        "report_number": "HD-1",
        "checked_on": today(),
        "result": "consistent",
        "findings": "一致",
    }
    response = desk.complete(case, DibaoFlow.cross_check, data, expect=200)
    assert "manual_reason" in response.context["form"].errors
    desk.complete(
        case, DibaoFlow.cross_check, {**data, "manual_reason": "公积金中心书面报告"}
    )
    assert case.crosscheck_reports.get().origin == "manual"


def test_matching_is_a_few_queries_whatever_the_households(cast):
    """Members × sources are matched in SQL: the queries do not grow with
    the number of applications or members."""
    cases = [_in_crosscheck(cast) for _ in range(2)]
    rows = [
        FeedRow(
            2, case.household.members.get(relation="spouse").id_number, "轿车", 1, ""
        )
        for case in cases
    ]
    _feed(cast.reviewer, FeedBatch.Source.VEHICLE, rows)

    def count(applications):
        apps = list(
            Application.objects.select_related("region", "household").filter(
                pk__in=[a.pk for a in applications]
            )
        )
        with CaptureQueriesContext(connection) as ctx:
            services.crosscheck_run(applications=apps, user=cast.checker)
        return len(ctx.captured_queries)

    one = count(cases[:1])
    two = count(cases)
    # bounded: one query per member × source would be 4 × 15 = 60 for two
    # households of two; the matching itself is two queries (batches, rows)
    assert two <= one + 2 and two < 20, (one, two)
    assert CrossCheckFinding.objects.filter(application__in=cases).count() == 3
