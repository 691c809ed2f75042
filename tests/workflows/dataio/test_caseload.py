"""The existing caseload import (存量低保名单): households of the registry
become approved 低保 cases with their benefit in force."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from viewflow.workflow.models import Task

from workflows.benefits.models import Benefit
from workflows.dataio.models import ImportRun
from workflows.dataio.services import import_commit, import_preview
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.imports import CASELOAD
from workflows.dibao.models import Application, Decision
from workflows.registry.idnumber import make_id_number

from ..dibao.desk import case_url
from .conftest import HEADERS, as_csv, as_xlsx, member_file

pytestmark = pytest.mark.django_db

CASELOAD_HEADERS = [c.header for c in CASELOAD.columns]
DIBAO = DibaoFlow.instance
UNKNOWN = make_id_number("370402", datetime.date(1988, 8, 8), 7)  # not registered


def _run(user, kind, rows, headers, fmt="xlsx"):
    data = as_xlsx(rows, headers) if fmt == "xlsx" else as_csv(rows, fmt, headers)
    run = import_preview(user=user, kind=kind, data=data, filename=f"f.{fmt}")
    if run.status == ImportRun.Status.READY:
        run = import_commit(user=user, run=run)  # the job runs inline in tests
        run.refresh_from_db()
    return run


@pytest.fixture
def registry(staff):
    """Four households in 市中区 (370402) registered by the registry import:
    (their heads' ID numbers, all ID numbers in row order)."""
    rows, numbers = member_file(10)  # households of 3, 2, 3, 2 members
    importer = staff("city_administrator", "370400")
    assert _run(importer, "registry.households", rows, HEADERS).status == "done"
    heads = [numbers[i] for i in (0, 3, 5, 8)]
    return heads, numbers


@pytest.fixture
def reviewer(staff):
    return staff("district_reviewer", "370402")


def test_roster_import_makes_approved_cases_on_the_roster_and_timeline(
    registry, reviewer, staff
):
    """Two households: approved cases, finished processes, the benefit in
    force with the file's amount and start month, the decision recorded with
    the basis 导入存量名单; the auditor of the district finds them on the
    roster, the case page and the audit timeline."""
    heads, numbers = registry
    rows = [
        [heads[0], "2023-07-15", "1,500.00", "ZZ-2023-0001", "", ""],
        [heads[1], "2024/3/1", "300", "ZZ-2024-0002", "", numbers[4]],
    ]
    run = _run(reviewer, "dibao.caseload", rows, CASELOAD_HEADERS, fmt="gbk")
    assert run.status == ImportRun.Status.DONE, run.errors
    assert run.rows_written == 2
    first = Application.objects.get(applicant__id_number=heads[0])
    assert first.stage == Application.Stage.APPROVED
    assert first.channel == Application.Channel.IMPORTED
    assert first.status == "DONE" and first.finished is not None
    end = Task.objects.get(process=first)
    assert end.flow_task == DibaoFlow.approved and end.status == "DONE"
    decision = Decision.objects.get(application=first)
    assert decision.outcome == Decision.Outcome.APPROVE
    assert decision.certificate_number == "ZZ-2023-0001"
    # the decision recorded is dated when it took effect; the records are new
    assert decision.decided_on == datetime.date(2023, 7, 15)
    assert first.created.date() >= datetime.date.today() - datetime.timedelta(1)
    benefit = Benefit.objects.get(case=first)
    assert benefit.monthly_amount == Decimal("1500.00")
    assert benefit.start_month == datetime.date(2023, 7, 1)
    assert benefit.persons == 3  # every counted member by default
    assert benefit.status == Benefit.Status.ACTIVE
    assert "导入存量名单" in benefit.legal_basis
    single = Benefit.objects.get(case__application__applicant__id_number=heads[1])
    assert single.persons == 1 and single.member.id_number == numbers[4]
    assert single.start_month == datetime.date(2024, 3, 1)
    # every row written with its history, attributed to the importer
    assert first.history.get().history_user == reviewer
    assert decision.history.get().history_change_reason.startswith("数据导入")
    assert Benefit.history.filter(id=benefit.pk).count() == 1

    auditor = staff("auditor", "370402")
    client = Client()
    client.force_login(auditor)
    roster = client.get(DIBAO.reverse("roster"))
    assert roster.status_code == 200
    assert {b.pk for b in roster.context["object_list"]} >= {benefit.pk, single.pk}
    assert first.applicant.name in roster.content.decode()
    page = client.get(case_url(first))
    assert page.status_code == 200
    assert "ZZ-2023-0001" in page.content.decode()
    timeline = client.get(f"/audit/cases/{first.pk}/")
    assert timeline.status_code == 200
    events = list(timeline.context["page"])
    assert any(e.kind == "created" and "决定" in e.summary for e in events)
    # the benefit in force the import granted is in the case's timeline too
    [granted] = [e for e in events if e.model == "workflows.Benefit"]
    assert granted.kind == "created" and granted.actor
    assert granted.reason.startswith("数据导入")
    assert str(Benefit._meta.verbose_name) in timeline.content.decode()
    assert first.number in timeline.content.decode()
    # an auditor of another district: not there
    elsewhere = Client()
    elsewhere.force_login(staff("auditor", "370404"))
    assert elsewhere.get(f"/audit/cases/{first.pk}/").status_code == 404
    assert benefit not in elsewhere.get(DIBAO.reverse("roster")).context["object_list"]


def test_a_bad_file_writes_nothing_and_names_every_row(registry, reviewer):
    """Every problem with its row (header = 1), column and a Chinese reason;
    not one case, decision or benefit written."""
    heads, numbers = registry
    rows = [
        [heads[0], "2023-07-01", "1000", "C-1", "", ""],  # good
        [UNKNOWN, "2023-07-01", "100", "C-2", "", ""],  # unknown
        [numbers[1], "2023-07-01", "100", "C-3", "", ""],  # not the head
        [heads[0], "2023-07-01", "100", "C-4", "", ""],  # same household
        [heads[1], "2023-02-30", "十元", "C-5", "", ""],  # bad date, amount
        [heads[2], "2023-07-01", "=1+1", "C-1", "", ""],  # formula, cert twice
        [heads[3], "2023-07-01", "1601", "C-7", "", ""],  # 800 × 2 = 1600
        [heads[3][:-1] + "X", "2099-01-01", "100", "C-8", "9", ""],
    ]
    run = _run(reviewer, "dibao.caseload", rows, CASELOAD_HEADERS)
    assert run.status == ImportRun.Status.REJECTED
    found = {(p["row"], p["column"]) for p in run.errors}
    assert found >= {
        (3, "户主身份证号码"),
        (4, "户主身份证号码"),
        (5, "户主身份证号码"),
        (6, "低保开始日期"),
        (6, "月保障金额"),
        (7, "月保障金额"),
        (7, "低保证编号"),
        (8, "月保障金额"),
        (9, "户主身份证号码"),
        (9, "低保开始日期"),
    }
    assert 2 not in {p["row"] for p in run.errors}
    messages = {(p["row"], p["column"]): p["message"] for p in run.errors}
    assert "请先导入其家庭" in messages[(3, "户主身份证号码")]
    assert "不是户主" in messages[(4, "户主身份证号码")]
    assert "第2行" in messages[(5, "户主身份证号码")]
    assert "公式" in messages[(7, "月保障金额")]
    assert "超过" in messages[(8, "月保障金额")]
    assert Application.objects.count() == 0
    assert Decision.objects.count() == 0 and Benefit.objects.count() == 0


def test_a_since_date_before_the_1999_regulation_is_a_row_problem(registry, reviewer):
    """No one was on 低保 before 1999-10-01 (城市居民最低生活保障条例): an
    earlier date is a typing error, named on its row; the day itself is
    accepted."""
    heads, _numbers = registry
    rows = [
        [heads[0], "1999-09-30", "800", "E-1", "", ""],
        [heads[1], "1999-10-01", "800", "E-2", "", ""],
        [heads[2], "1899-10-01", "800", "E-3", "", ""],
    ]
    run = _run(reviewer, "dibao.caseload", rows, CASELOAD_HEADERS)
    assert run.status == ImportRun.Status.REJECTED
    messages = {(p["row"], p["column"]): p["message"] for p in run.errors}
    assert set(messages) == {(2, "低保开始日期"), (4, "低保开始日期")}
    assert "1999年10月1日" in messages[(2, "低保开始日期")]
    assert Application.objects.count() == 0


def test_caseload_enter_refuses_a_since_date_out_of_bounds(registry, reviewer):
    from django.core.exceptions import ValidationError

    from workflows.dibao.services.caseload import caseload_enter
    from workflows.registry.models import Member

    heads, _numbers = registry
    head = Member.objects.get(id_number=heads[0])
    for since in (datetime.date(1999, 9, 30), datetime.date(2999, 1, 1)):
        with pytest.raises(ValidationError):
            caseload_enter(
                user=reviewer,
                head=head,
                since=since,
                monthly_amount=Decimal("100"),
                certificate_number="X-1",
                persons=1,
                reason="test",
            )
    assert Application.objects.count() == 0


def test_a_household_already_on_dibao_is_refused(registry, reviewer):
    """Imported once, the same household again: on the roster already."""
    heads, _numbers = registry
    assert (
        _run(
            reviewer,
            "dibao.caseload",
            [[heads[0], "2023-01-01", "800", "A", "", ""]],
            CASELOAD_HEADERS,
        ).status
        == "done"
    )
    again = _run(
        reviewer,
        "dibao.caseload",
        [[heads[0], "2023-01-01", "800", "B", "", ""]],
        CASELOAD_HEADERS,
    )
    assert again.status == ImportRun.Status.REJECTED
    assert "在保" in again.errors[0]["message"]
    assert Application.objects.count() == 1


def test_scope_another_district_and_the_town_are_refused(registry, staff):
    """A district reviewer of 峄城区 cannot import 市中区 households (a row
    problem, nothing written); the town caseworker holds no such permission
    (putting a household on 低保 is the county's decision)."""
    heads, _numbers = registry
    other = staff("district_reviewer", "370404")
    run = _run(
        other,
        "dibao.caseload",
        [[heads[0], "2023-01-01", "800", "A", "", ""]],
        CASELOAD_HEADERS,
    )
    assert run.status == ImportRun.Status.REJECTED
    # the words for an unregistered head: nothing told about other regions
    assert run.errors[0]["message"].startswith("您辖区的家庭登记中没有这个身份证号码")
    assert Application.objects.count() == 0
    caseworker = staff("town_caseworker", "370402106")
    with pytest.raises(PermissionDenied):
        import_preview(
            user=caseworker,
            kind="dibao.caseload",
            data=as_xlsx([], CASELOAD_HEADERS),
            filename="x.xlsx",
        )
    client = Client()
    client.force_login(caseworker)
    assert client.get("/imports/template/dibao.caseload/").status_code == 403


def test_the_template_downloads_for_the_district(reviewer):
    client = Client()
    client.force_login(reviewer)
    response = client.get("/imports/template/dibao.caseload/")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert "导入存量低保名单" in client.get("/imports/").content.decode()
