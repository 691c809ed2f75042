"""The registry import: preview names every problem, a clean file commits whole."""

import hashlib

import pytest
from django.test import Client

from roles.models import Region
from workflows.dataio.models import ImportRun
from workflows.dataio.services import import_commit, import_preview
from workflows.registry.models import Household, Member

from .conftest import HEADERS, as_csv, as_xlsx, in_format, member_file

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "gb18030", "gbk", "utf-8-sig"]
COLUMN = {
    name: i
    for i, name in enumerate(
        [
            "户编号",
            "所在村（社区）代码",
            "住址",
            "城乡类别",
            "联系电话",
            "姓名",
            "身份证号码",
            "与户主关系",
            "出生日期",
            "性别",
            "残疾等级",
            "残疾类别",
            "患重特大疾病",
            "疾病情况",
            "就业状况",
            "家庭成员认定",
        ]
    )
}


def spoil(rows):
    """Nine problems: five bad check digits, two duplicate ID numbers, one
    member of an unknown household, one formula cell. Returns the expected
    (row number, column) of each (the header is row 1)."""
    rows = [list(r) for r in rows]
    expected = []
    for index in (10, 200, 400, 600, 800):
        number = rows[index][COLUMN["身份证号码"]]
        wrong = "0" if number[-1] != "0" else "1"
        rows[index][COLUMN["身份证号码"]] = number[:-1] + wrong
        expected.append((index + 2, "身份证号码"))
    for index, source in ((501, 3), (903, 31)):
        rows[index][COLUMN["身份证号码"]] = rows[source][COLUMN["身份证号码"]]
        expected.append((index + 2, "身份证号码"))
    rows[701][COLUMN["户编号"]] = "不存在的户"  # a spouse, not a head
    expected.append((703, "户编号"))
    rows[950][COLUMN["疾病情况"]] = '=HYPERLINK("http://x")'
    expected.append((952, "疾病情况"))
    return rows, sorted(expected)


def problems(run):
    return sorted((p["row"], p["column"]) for p in run.errors)


@pytest.mark.parametrize("fmt", FORMATS)
def test_preview_names_all_nine_problems_and_writes_nothing(fmt, staff):
    """Whatever the format: the nine problems with row and column, in
    Chinese, and not one household or member written."""
    caseworker = staff("town_caseworker", "370402106")
    rows, _numbers = member_file(1000)
    rows, expected = spoil(rows)
    data, filename = in_format(rows, fmt)
    run = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert run.status == ImportRun.Status.REJECTED
    assert run.rows_read == 1000
    assert run.error_count == 9
    assert problems(run) == expected
    assert all(
        any("\u4e00" <= ch <= "\u9fff" for ch in p["message"]) for p in run.errors
    )
    assert run.data == b""
    assert not Household.objects.exists() and not Member.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_clean_file_imports_exactly_with_history(fmt, staff):
    """The corrected file: every member written once, in its household, each
    with a '+' history row carrying the import's reason; the run records the
    file's SHA-256 and its counts."""
    caseworker = staff("town_caseworker", "370402106")
    rows, numbers = member_file(1000)
    data, filename = in_format(rows, fmt)
    run = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert run.status == ImportRun.Status.READY, run.errors
    assert Member.objects.count() == 0
    run = import_commit(user=caseworker, run=run)  # the job runs inline in tests
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.sha256 == hashlib.sha256(data).hexdigest()
    assert (run.rows_read, run.rows_written, run.error_count) == (1000, 1000, 0)
    assert run.data == b"" and run.duration is not None
    assert sorted(Member.objects.values_list("id_number", flat=True)) == sorted(numbers)
    assert Household.objects.count() == 400
    assert Member.history.filter(history_type="+").count() == 1000
    assert Household.history.filter(history_type="+").count() == 400
    reasons = set(Member.history.values_list("history_change_reason", flat=True))
    assert reasons == {f"数据导入：{filename}（导入批次 #{run.pk}）"}
    assert set(Member.history.values_list("history_user", flat=True)) == {caseworker.pk}
    heads = Member.objects.filter(relation="head")
    assert heads.count() == 400
    first = Member.objects.get(id_number=numbers[0])
    assert first.household.address == "第1号"
    assert first.household.region.code == "370402106202"
    assert first.household.members.count() == 3
    # imported again: every number is now in the registry
    again = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert again.error_count == 1000


def test_a_town_caseworker_cannot_import_another_towns_household(staff):
    caseworker = staff("town_caseworker", "370402106")
    rows, _ = member_file(6)
    rows[3][1] = "370402002001"  # H2's head: a village of another town
    data, filename = in_format(rows, "xlsx")
    run = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert run.status == ImportRun.Status.REJECTED
    assert problems(run) == [(5, "所在村（社区）代码")]
    assert "不在您的辖区内" in run.errors[0]["message"]
    # the district's reviewer may
    reviewer = staff("district_reviewer", "370402")
    run = import_preview(
        user=reviewer, kind="registry.households", data=data, filename=filename
    )
    assert run.status == ImportRun.Status.READY


def test_unknown_region_and_a_town_code_are_named(staff):
    caseworker = staff("town_caseworker", "370402106")
    rows, _ = member_file(6)
    rows[0][1] = "370402999999"
    rows[3][1] = "370402106"
    data, filename = in_format(rows, "gb18030")
    run = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert problems(run) == [(2, "所在村（社区）代码"), (5, "所在村（社区）代码")]
    assert "未知" in run.errors[0]["message"]
    assert "不是村（社区）" in run.errors[1]["message"]


def test_numbers_dates_and_choices_that_are_not(staff):
    caseworker = staff("town_caseworker", "370402106")
    rows, _ = member_file(3)
    rows[0][COLUMN["残疾等级"]] = "二级"
    rows[1][COLUMN["出生日期"]] = "1990-13-45"
    rows[2][COLUMN["就业状况"]] = "上班"
    data, filename = in_format(rows, "xlsx")
    run = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert problems(run) == [(2, "残疾等级"), (3, "出生日期"), (4, "就业状况")]
    assert "不是数字" in run.errors[0]["message"]
    assert "不是有效日期" in run.errors[1]["message"]


def test_a_number_no_row_can_hold_is_a_row_problem(staff):
    """Thirty digits (beyond what a decimal can round), an infinity, and a
    cell of a thousand characters: each a row problem, quoted short."""
    caseworker = staff("town_caseworker", "370402106")
    rows, _ = member_file(3)
    rows[0][COLUMN["残疾等级"]] = "9" * 30
    rows[1][COLUMN["残疾等级"]] = "1e400"
    rows[2][COLUMN["出生日期"]] = "x" * 1000
    data, filename = in_format(rows, "utf-8-sig")
    run = import_preview(
        user=caseworker, kind="registry.households", data=data, filename=filename
    )
    assert problems(run) == [(2, "残疾等级"), (3, "残疾等级"), (4, "出生日期")]
    assert all(len(e["message"]) < 120 for e in run.errors)
    assert not Member.objects.exists()


def test_a_file_that_cannot_be_read_is_one_problem(staff):
    caseworker = staff("town_caseworker", "370402106")
    run = import_preview(
        user=caseworker,
        kind="registry.households",
        data=b"\xff\xfe\x00",
        filename="a.csv",
    )
    assert run.status == ImportRun.Status.REJECTED
    assert run.errors[0]["row"] == 0 and "编码" in run.errors[0]["message"]


def test_a_role_without_the_permission_is_refused(staff):
    from django.core.exceptions import PermissionDenied

    coordinator = staff("village_coordinator", "370402106201")
    rows, _ = member_file(2)
    data, filename = in_format(rows, "xlsx")
    with pytest.raises(PermissionDenied):
        import_preview(
            user=coordinator, kind="registry.households", data=data, filename=filename
        )


def test_the_pages_upload_preview_confirm_and_result(staff):
    """Upload → preview with the confirm button → the job → the result; the
    template downloads; another person's import is a 404."""
    caseworker = staff("town_caseworker", "370402106")
    client = Client()
    client.force_login(caseworker)
    assert client.get("/imports/").status_code == 200
    template = client.get("/imports/template/registry.households/")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    rows, _ = member_file(5)
    data, _name = in_format(rows, "gbk")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/imports/new/registry.households/",
        {"file": SimpleUploadedFile("户籍.csv", data), "encoding": "auto"},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page
    assert client.post(f"/imports/{run.pk}/commit/").status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.encoding == "gb18030"
    assert "已导入" in client.get(f"/imports/{run.pk}/").content.decode()
    assert Member.objects.count() == 5
    other = Client()
    other.force_login(staff("town_caseworker", "370402106"))
    assert other.get(f"/imports/{run.pk}/").status_code == 404
    assert other.post(f"/imports/{run.pk}/commit/").status_code == 404


def _import(user, kind, rows, headers, fmt="xlsx"):
    data = as_xlsx(rows, headers) if fmt == "xlsx" else as_csv(rows, fmt, headers)
    filename = "items.xlsx" if fmt == "xlsx" else "items.csv"
    run = import_preview(user=user, kind=kind, data=data, filename=filename)
    if run.status == ImportRun.Status.READY:
        run = import_commit(user=user, run=run)
        run.refresh_from_db()
    return run


def test_incomes_and_assets_import_onto_registered_people(staff):
    """Incomes keyed by a member's ID number, assets by the head's: written
    with history; unknown people, non-heads, bad amounts and types named."""
    from workflows.registry.models import Asset, IncomeItem

    caseworker = staff("town_caseworker", "370402106")
    rows, numbers = member_file(5)  # H1: rows 0-2 (head numbers[0]); H2: 3-4
    assert _import(caseworker, "registry.households", rows, HEADERS).status == "done"
    income_headers = ["身份证号码", "收入类型", "月均金额（元）", "说明"]
    bad = _import(
        caseworker,
        "registry.incomes",
        [
            [numbers[1], "工资性收入", "1,200.50", ""],
            [numbers[1], "彩票", "10", ""],
            ["370402199001011234", "工资性收入", "10", ""],
            [numbers[2], "工资性收入", "十元", ""],
        ],
        income_headers,
    )
    assert bad.status == ImportRun.Status.REJECTED
    assert problems(bad) == [(3, "收入类型"), (4, "身份证号码"), (5, "月均金额（元）")]
    assert not IncomeItem.objects.exists()
    good = _import(
        caseworker,
        "registry.incomes",
        [
            [numbers[1], "工资性收入", "1,200.50", "务工"],
            [numbers[3], "工资性收入", "800", ""],
        ],
        income_headers,
        "gb18030",
    )
    assert (good.status, good.rows_written) == ("done", 2)
    assert IncomeItem.objects.get(member__id_number=numbers[1]).monthly_amount == 1200.5
    assert IncomeItem.history.filter(history_type="+").count() == 2
    asset_headers = [
        "户主身份证号码",
        "财产类型",
        "价值（元）",
        "数量",
        "生活必需（豁免）",
        "说明",
    ]
    refused = _import(
        caseworker,
        "registry.assets",
        [[numbers[1], "机动车辆", "30000", "1", "否", ""]],
        asset_headers,
    )
    assert problems(refused) == [(2, "户主身份证号码")]
    done = _import(
        caseworker,
        "registry.assets",
        [[numbers[0], "机动车辆", "30000", "", "是", "残疾人代步车"]],
        asset_headers,
    )
    assert (done.status, done.rows_written) == ("done", 1)
    asset = Asset.objects.get()
    assert asset.household == Member.objects.get(id_number=numbers[0]).household
    assert asset.is_exempt and asset.quantity == 1
    # another town's caseworker: these people are outside their town
    other = staff("town_caseworker", "370402002")
    outside = _import(
        other, "registry.incomes", [[numbers[1], "工资性收入", "5", ""]], income_headers
    )
    assert problems(outside) == [(2, "身份证号码")]
    # the same words as for a number nobody registered: an import tells
    # nobody who is in the registry outside their regions, nor where
    assert outside.errors[0]["message"] == bad.errors[1]["message"]
    assert "370402" not in outside.errors[0]["message"]
    assert not any(
        region.name in outside.errors[0]["message"] for region in Region.objects.all()
    )
