"""Exports are scoped, formula-safe, masked and logged (issue 13, 导出)."""

import csv
import datetime
import decimal
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.factories import (
    OTHER_DISTRICT_VILLAGE,
    OTHER_TOWN_VILLAGE,
    VILLAGE,
    StaffFactory,
    make_id_number,
    one_person_spec,
)
from tests.workflows.dibao.desk import Desk
from workflows import demo
from workflows.base.masking import mask_id_number
from workflows.core.models import SensitiveAccess
from workflows.dibao.flows import DibaoFlow
from workflows.escalation.flows import EscalationFlow
from workflows.exports.lists import mask_ids, plain, safe_text
from workflows.hotline.flows import HotlineFlow

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/","点我")'
SUM = "@SUM(A1:A9)"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def case_list():
    return DibaoFlow.instance.reverse("process_list")


def apply(name, n, village, user):
    spec = {**one_person_spec(name, n), "village": village}
    return demo.apply(spec, {"caseworker": user})


def csv_rows(response, encoding="utf-8"):
    body = b"".join(response.streaming_content)
    if encoding == "utf-8":
        assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
        body = body[3:]
    return list(csv.reader(io.StringIO(body.decode(encoding))))


def xlsx_sheet(response):
    body = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(body)).active


def export(desk, url, fmt="csv", **params):
    response = desk.get(url, {**params, "_export": fmt})
    assert response.status_code == 200, response.status_code
    return response


@pytest.fixture
def towns(cast, staff):
    """One case in the caseworker's town, one in another town of the same
    district, one in another district."""
    other_district = staff("town_caseworker", "370404103")
    return {
        "own": apply("本镇户主", 1, VILLAGE, cast.caseworker),
        "other_town": apply(
            "外镇户主", 2, OTHER_TOWN_VILLAGE, cast.other_town_caseworker
        ),
        "other_district": apply("外区户主", 3, OTHER_DISTRICT_VILLAGE, other_district),
    }


def test_a_town_caseworker_exports_only_the_cases_of_their_town(cast, towns):
    rows = csv_rows(export(Desk(cast.caseworker), case_list()))
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {towns["own"].number}
    # the district reviewer: both towns of the district, never another district
    rows = csv_rows(export(Desk(cast.reviewer), case_list()))
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {towns["own"].number, towns["other_town"].number}
    # xlsx: the same rows
    sheet = xlsx_sheet(export(Desk(cast.reviewer), case_list(), "xlsx"))
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == numbers


def test_the_export_is_the_page_as_filtered_with_its_chinese_headers(cast, towns):
    rows = csv_rows(export(Desk(cast.reviewer), case_list(), _search="外镇"))
    assert rows[0] == [
        "案件编号",
        "申请人",
        "身份证号码",
        "村（社区）",
        "办理环节",
        "登记日期",
        "办结期限",
    ]
    assert [r[0] for r in rows[1:]] == [towns["other_town"].number]
    assert rows[1][1] == "外镇户主"
    assert rows[1][3] == "光明路街道 光明社区"
    assert rows[1][4] == towns["other_town"].get_stage_display()


def test_id_numbers_are_masked(cast, towns):
    id_number = towns["own"].applicant.id_number
    response = export(Desk(cast.caseworker), case_list())
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert id_number not in body
    assert f"{id_number[:4]}**********{id_number[-4:]}" in body
    # whatever column an ID number turns up in
    assert mask_ids(f"户主 {id_number}，电话 13800000000") == (
        f"户主 {id_number[:4]}**********{id_number[-4:]}，电话 13800000000"
    )


def test_formulas_are_written_as_text_in_csv_and_xlsx(cast):
    apply(HYPERLINK, 4, VILLAGE, cast.caseworker)
    apply(SUM, 5, VILLAGE, cast.caseworker)
    desk = Desk(cast.caseworker)
    names = {row[1] for row in csv_rows(export(desk, case_list()))[1:]}
    assert names == {"'" + HYPERLINK, "'" + SUM}
    sheet = xlsx_sheet(export(desk, case_list(), "xlsx"))
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} == {"'" + HYPERLINK, "'" + SUM}
    assert {c.data_type for c in cells} == {"s"}  # strings, never formulas ("f")


def test_signed_numbers_stay_numbers():
    assert safe_text("-12.5") == "-12.5"
    assert safe_text("+3") == "+3"
    assert safe_text("-1+cmd|' /C calc'!A0") == "'-1+cmd|' /C calc'!A0"
    assert safe_text("\t=1+1") == "'\t=1+1"
    assert plain(decimal.Decimal("-300.50")) == decimal.Decimal("-300.50")
    assert plain(-2) == -2


def test_each_export_is_logged_once_with_its_rows_and_format(cast, towns):
    desk = Desk(cast.reviewer)
    before = SensitiveAccess.objects.count()
    export(desk, case_list(), "xlsx")
    b"".join(export(desk, case_list(), "csv", _search="外镇").streaming_content)
    logs = list(SensitiveAccess.objects.order_by("pk")[before:])
    assert len(logs) == 2
    assert {log.action for log in logs} == {SensitiveAccess.Action.EXPORT}
    assert {log.user for log in logs} == {cast.reviewer}
    assert logs[0].record.startswith("xlsx，2 行：/dibao/flows/")
    assert logs[1].record.startswith("csv，1 行：/dibao/flows/")
    # never a value: no name, no ID number of a row
    for log in logs:
        assert "本镇户主" not in log.record
        assert towns["own"].applicant.id_number not in log.record


def test_the_gb18030_option(cast, towns):
    response = export(Desk(cast.caseworker), case_list(), _encoding="gb18030")
    assert response["Content-Type"] == "text/csv; charset=gb18030"
    rows = csv_rows(response, encoding="gb18030")
    assert rows[0][0] == "案件编号"
    assert rows[1][1] == "本镇户主"


def test_an_outsider_cannot_export_what_they_cannot_open(cast):
    user = StaffFactory()
    user.save()
    no_post = Desk(user)
    for url in (case_list(), DibaoFlow.instance.reverse("roster")):
        page = no_post.get(url).status_code
        assert no_post.get(url, {"_export": "csv"}).status_code == page
    assert page == 403
    assert not SensitiveAccess.objects.filter(user=no_post.user).exists()


def list_urls():
    return [
        *(
            flow.instance.reverse(name)
            for flow in (DibaoFlow, HotlineFlow, EscalationFlow)
            for name in ("inbox", "queue", "archive", "process_list")
        ),
        DibaoFlow.instance.reverse("roster"),
        EscalationFlow.instance.reverse("common_problems"),
    ]


def test_every_list_has_working_export_buttons(cast, staff):
    users = [
        cast.caseworker,
        cast.reviewer,
        staff("hotline_operator", "370402"),
        staff("city_administrator", "370400"),
    ]
    desks = [Desk(u) for u in users]
    for url in list_urls():
        desk = next((d for d in desks if d.get(url).status_code == 200), None)
        assert desk is not None, url
        page = desk.get(url, {"page": "1", "_search": "x"})
        html = page.content.decode()
        assert 'class="zz-export"' in html, url
        # the buttons keep the page's search, drop its page number
        assert "?_search=x&amp;_export=xlsx" in html, url
        assert "_encoding=gb18030" in html, url
        xlsx = desk.get(url, {"_export": "xlsx"})
        assert (xlsx.status_code, xlsx["Content-Type"]) == (200, XLSX_TYPE), url
        assert "attachment" in xlsx["Content-Disposition"]
        load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
        text = desk.get(url, {"_export": "csv"})
        assert (text.status_code, text["Content-Type"]) == (200, CSV_TYPE), url
        assert len(csv_rows(text)[0]) >= 3, url
        # a download is not the list to come back to after a task
        assert "_export" not in desk.client.session.get("vf-pin-location", "")


def queries_of(desk, url, fmt):
    with CaptureQueriesContext(connection) as queries:
        response = export(desk, url, fmt)
        b"".join(response.streaming_content)
    return len(queries)


def test_an_export_takes_the_same_queries_for_2_or_6_rows(cast):
    desk = Desk(cast.caseworker)
    for n in range(2):
        apply(f"户主{n}", 10 + n, VILLAGE, cast.caseworker)
    urls = [case_list(), DibaoFlow.instance.reverse("inbox")]
    few = {(u, f): queries_of(desk, u, f) for u in urls for f in ("csv", "xlsx")}
    for n in range(2, 6):
        apply(f"户主{n}", 10 + n, VILLAGE, cast.caseworker)
    many = {(u, f): queries_of(desk, u, f) for u in urls for f in ("csv", "xlsx")}
    assert few == many


def test_an_id_number_in_any_text_is_masked():
    id_number = make_id_number("370402", datetime.date(1960, 1, 1), 101)
    assert plain(f"核对 {id_number}") == f"核对 {mask_id_number(id_number)}"
    assert plain("案件 DB-2026-000123") == "案件 DB-2026-000123"


def test_the_supervisors_overdue_list_exports_every_row(cast):
    """逾期督办 (a page of the workspace, not a viewflow list): buttons, every
    overdue row in the file (not only the page), scoped, logged."""
    from tests.workflows.notify.story import accepted_case, set_due, tasks

    late = []
    for _ in range(2):
        case = accepted_case(cast)
        home, _cross = tasks(case)
        set_due(home, datetime.date.today() - datetime.timedelta(days=10))
        late.append(case.number)
    desk = Desk(cast.town_supervisor)
    page = desk.get("/work/overdue/", {"page": "1"}).content.decode()
    assert 'class="zz-export"' in page and "?_export=xlsx" in page
    rows = csv_rows(export(desk, "/work/overdue/"))
    assert rows[0][:3] == ["案件编号", "办理环节", "救助对象"]
    assert sorted(r[0] for r in rows[1:]) == sorted(late)
    assert all(r[6].isdigit() and int(r[6]) > 0 for r in rows[1:])  # 逾期工作日
    sheet = xlsx_sheet(export(desk, "/work/overdue/", "xlsx"))
    late_days = [r[6] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(n, int) for n in late_days)  # numbers stay numbers
    log = SensitiveAccess.objects.filter(user=cast.town_supervisor).latest("pk")
    assert log.record == "xlsx，2 行：/work/overdue/"
    # the page's own rule: a caseworker may neither open nor export it
    assert (
        Desk(cast.caseworker).get("/work/overdue/", {"_export": "csv"}).status_code
        == 403
    )


def test_the_supervisors_page_of_one_persons_tasks_exports_them(cast, staff):
    """一人的在办任务 (the workspace's page of one person's tasks, and the
    region's queue): buttons, every task in the page's scope, formula-safe,
    logged; the page's own rules for who may export."""
    from tests.workflows.notify.story import accepted_case
    from workflows.registry.models import Member

    first, second = accepted_case(cast), accepted_case(cast)
    Member.objects.filter(pk=first.applicant_id).update(name=HYPERLINK)
    url = f"/work/people/{cast.caseworker.pk}/"
    desk = Desk(cast.town_supervisor)
    page = desk.get(url)
    assert 'class="zz-export"' in page.content.decode()
    assert "?_export=xlsx" in page.content.decode()
    shown = page.context["tasks"]
    rows = csv_rows(export(desk, url))
    assert rows[0] == [
        "案件编号",
        "办理环节",
        "救助对象",
        "村（社区）",
        "承办人",
        "截止日期",
    ]
    assert len(rows) - 1 == len(shown) >= 2
    assert {r[0] for r in rows[1:]} == {first.number, second.number}
    assert "'" + HYPERLINK in {r[2] for r in rows[1:]}
    assert {r[4] for r in rows[1:]} == {cast.caseworker.get_full_name()}
    sheet = xlsx_sheet(export(desk, url, "xlsx"))
    subjects = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert "'" + HYPERLINK in {c.value for c in subjects}
    assert {c.data_type for c in subjects} == {"s"}  # never a formula
    log = SensitiveAccess.objects.filter(user=cast.town_supervisor).latest("pk")
    assert log.record == f"xlsx，{len(shown)} 行：{url}"
    # the region's queue exports the same way (its own scope)
    queue = csv_rows(export(desk, "/work/queue/"))
    assert queue[0] == rows[0] and all(r[4] == "待领取" for r in queue[1:])
    # the page's own rules: a caseworker may not; a supervisor elsewhere
    # does not see this person (404), and nothing is logged for either
    before = SensitiveAccess.objects.count()
    assert Desk(cast.caseworker).get(url, {"_export": "csv"}).status_code == 403
    elsewhere = Desk(staff("town_supervisor", "370402002"))
    assert elsewhere.get(url, {"_export": "csv"}).status_code == 404
    assert SensitiveAccess.objects.count() == before


@pytest.mark.parametrize(
    "text", [" =1+1", '\ufeff=HYPERLINK("x")', "\u200b@SUM(A1)", "\u3000-2+3"]
)
def test_a_formula_behind_what_a_spreadsheet_trims_is_defused(text):
    assert safe_text(text) == "'" + text


def test_a_signed_number_behind_a_space_stays_a_number():
    assert safe_text(" -12.5") == " -12.5"
