"""Departmental feeds: stored once per file, only rows of registered people
(PIPL Art 6), imported by the roles that hold the permission."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import StaffFactory
from workflows.monitoring.feedfile import FeedRow, read_feed
from workflows.monitoring.models import FeedBatch, FeedRecord
from workflows.monitoring.selectors import feed_findings
from workflows.monitoring.services import feed_import
from workflows.registry.idnumber import make_id_number
from workflows.registry.models import Household, Member

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2026, 10, 1)


def _member(seq=101):
    from roles.models import Region

    household = Household.objects.create(
        region=Region.objects.get(code="370402106201"), address="龚庄村", area="rural"
    )
    number = make_id_number("370402", datetime.date(1970, 1, 1), seq)
    return Member.objects.create(
        household=household,
        name="李大山",
        id_number=number,
        relation="head",
        birth_date=datetime.date(1970, 1, 1),
        sex="M" if int(number[16]) % 2 else "F",
    )


def _rows(*numbers):
    return [
        FeedRow(n + 2, number, "小型轿车", Decimal("50000.00"), "")
        for n, number in enumerate(numbers)
    ]


def _import(user, rows, checksum="a" * 64, source="vehicle"):
    return feed_import(
        user=user,
        source=source,
        period=PERIOD,
        rows=rows,
        file_name="车辆.csv",
        checksum=checksum,
    )


@pytest.fixture
def importer(staff):
    return staff("district_reviewer", "370402")


def test_rows_of_people_outside_the_registry_are_not_stored(importer):
    member = _member()
    stranger = make_id_number("370402", datetime.date(1980, 5, 5), 201)
    result = _import(importer, _rows(member.id_number, stranger))
    assert (result.rows_received, result.rows_kept, result.rows_discarded) == (2, 1, 1)
    assert list(FeedRecord.objects.values_list("id_number", flat=True)) == [
        member.id_number
    ]
    batch = result.batch
    assert batch.rows_received == 2 and batch.row_count == 1
    assert batch.imported_by == importer and batch.file_name == "车辆.csv"
    assert batch.checksum == "a" * 64 and batch.duration is not None
    assert batch.history.count() == 2  # opened, then closed


def test_a_batch_imported_twice_is_stored_once(importer):
    member = _member()
    first = _import(importer, _rows(member.id_number))
    again = _import(importer, _rows(member.id_number))
    assert again.duplicate and again.batch == first.batch
    assert FeedBatch.objects.count() == 1 and FeedRecord.objects.count() == 1
    # the same file for another source is another delivery
    _import(importer, _rows(member.id_number), source="tax")
    assert FeedBatch.objects.count() == 2


def test_the_database_refuses_a_second_batch_of_the_same_file():
    from django.db import IntegrityError, transaction

    FeedBatch.objects.create(source="tax", period=PERIOD, checksum="b" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedBatch.objects.create(source="tax", period=PERIOD, checksum="b" * 64)


def test_only_the_data_roles_import(staff):
    member = _member()
    for user in (staff("town_caseworker", "370402106"), StaffFactory()):
        user.save()
        with pytest.raises(PermissionDenied):
            _import(user, _rows(member.id_number))
    _import(staff("city_administrator", "370400"), _rows(member.id_number))


def test_a_source_without_a_batch_in_the_period_has_no_data(importer):
    member = _member()
    _import(importer, _rows(member.id_number))
    match = feed_findings(
        id_numbers=[member.id_number], on=datetime.date(2026, 11, 30), since=PERIOD
    )
    assert match.batches["tax"] is None
    assert match.batches["vehicle"].period == PERIOD
    assert [r["kind"] for r in match.rows] == ["小型轿车"]
    old = feed_findings(
        id_numbers=[member.id_number],
        on=datetime.date(2026, 11, 30),
        since=datetime.date(2026, 11, 1),
    )
    assert old.batches["vehicle"] is None and old.rows == []


def test_the_file_reader_names_row_column_and_reason():
    good = make_id_number("370402", datetime.date(1970, 1, 1), 101)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    wide = good.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    text = (
        "身份证号码,项目,金额（元）,说明\n"
        f"{wide},轿车,50000,\n"
        f"{bad},轿车,1,\n"
        f"{good},轿车,一万,\n"
        f"{good},=SUM(A1),-5,\n"
        f"{good},轿车,+5,\n"
    )
    for encoding in ("utf-8-sig", "gb18030"):
        read = read_feed(text.encode(encoding), filename="a.csv")
        assert [r.id_number for r in read.rows] == [good, good]
        assert read.rows[1].amount == Decimal("5.00")  # a signed number
        assert [(p.line, p.column) for p in read.problems] == [
            (3, "身份证号码"),
            (4, "金额（元）"),
            (5, "项目"),
        ]
        assert read.lines == 5


def test_matching_is_two_queries(importer, django_assert_max_num_queries):
    members = [_member(101 + n) for n in range(5)]
    numbers = [m.id_number for m in members]
    _import(importer, _rows(*numbers))
    with django_assert_max_num_queries(2):
        match = feed_findings(
            id_numbers=numbers, on=datetime.date(2026, 11, 30), since=PERIOD
        )
    assert len(match.rows) == 5


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("1e13", "超出允许的范围"),
        ("10000000000000", "超出允许的范围"),
        ("1000000000000", "超出允许的范围"),
        ("NaN", "不是有效的数字"),
        ("sNaN", "不是有效的数字"),
        ("Infinity", "不是有效的数字"),
        ("-Infinity", "公式"),  # the reader: a sign then a name
        ("-5", "不能为负数"),
        ("-0.01", "不能为负数"),
        ("1.005", "小数位数超过2位"),
        ("0.001", "小数位数超过2位"),
        ("0.1234567890123456", "小数位数超过2位"),
        # a comma that is not a thousands separator (a decimal comma, a typo)
        # is no number, never a hundredfold amount
        ('"12,34"', "不是有效的数字"),
        ('"1,2,3"', "不是有效的数字"),
        ('"1234,567.00"', "不是有效的数字"),
        ('"12.345,6"', "不是有效的数字"),
    ],
)
def test_an_amount_the_record_cannot_hold_is_a_row_problem(amount, reason):
    """Amounts (incomes, deposits, pensions) are checked at the preview
    against what ``FeedRecord.amount`` holds, never found at the commit."""
    good = make_id_number("370402", datetime.date(1970, 1, 1), 101)
    text = f"身份证号码,项目,金额（元）,说明\n{good},存款,{amount},\n{good},存款,1,\n"
    read = read_feed(text.encode(), filename="a.csv")
    assert [(p.line, p.column) for p in read.problems] == [(2, "金额（元）")]
    assert reason in read.problems[0].reason
    assert [r.line for r in read.rows] == [3] and read.lines == 2


def test_the_largest_amount_the_record_holds_is_stored(importer):
    member = _member()
    text = (
        "身份证号码,项目,金额（元）,说明\n"
        f'{member.id_number},存款,"999,999,999,999.99",\n'
        f"{member.id_number},存款,-0,\n"
        f"{member.id_number},存款,1.50000,\n"
        f"{member.id_number},存款,+7,\n"
        # an xlsx float's binary tail, beyond the 15 digits Excel holds
        f"{member.id_number},存款,1234.5600000000001,\n"
    )
    read = read_feed(text.encode(), filename="a.csv")
    assert read.problems == []
    amounts = [r.amount for r in read.rows]
    assert amounts == [
        Decimal("999999999999.99"),
        Decimal("0.00"),
        Decimal("1.50"),
        Decimal("7.00"),
        Decimal("1234.56"),
    ]
    assert not amounts[1].is_signed()  # "-0" is stored as 0
    _import(importer, read.rows)
    stored = sorted(FeedRecord.objects.values_list("amount", flat=True))
    assert stored == sorted(amounts)


def test_an_import_takes_its_rows_as_a_stream(importer, monkeypatch):
    """``feed_import`` writes a stream of rows a chunk at a time: the same
    counts and records as a list."""
    from workflows.monitoring import services

    monkeypatch.setattr(services, "LOOKUP_CHUNK", 2)
    members = [_member(101 + n) for n in range(3)]
    stranger = make_id_number("370402", datetime.date(1980, 5, 5), 201)
    rows = _rows(*(m.id_number for m in members), stranger)
    result = _import(importer, iter(rows))
    assert (result.rows_received, result.rows_kept) == (4, 3)
    assert result.batch.rows_received == 4 and result.batch.row_count == 3
    assert FeedRecord.objects.count() == 3


def test_xlsx_amounts_are_checked_as_the_user_sees_them():
    import io

    from openpyxl import Workbook

    good = make_id_number("370402", datetime.date(1970, 1, 1), 101)
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "项目", "金额（元）", "说明"])
    for amount in (0.1 + 0.2, 1e13, -5.0, 1234.5):
        sheet.append([good, "存款", amount, ""])
    out = io.BytesIO()
    book.save(out)
    read = read_feed(out.getvalue(), filename="a.xlsx")
    assert [r.amount for r in read.rows] == [Decimal("0.30"), Decimal("1234.50")]
    assert [(p.line, p.column) for p in read.problems] == [
        (3, "金额（元）"),
        (4, "金额（元）"),
    ]
    assert "超出允许的范围" in read.problems[0].reason
    assert "不能为负数" in read.problems[1].reason


def test_amounts_as_people_type_them():
    """Spaces, thousands separators, an exponent, full-width digits and
    punctuation (a Chinese input method) are the amount they show."""
    good = make_id_number("370402", datetime.date(1970, 1, 1), 101)
    cells = ['" 12.50 "', "1e3", '"12,345.00"', "１２３", "１２．５０", '"１，２３４"']
    text = "身份证号码,项目,金额（元）,说明\n" + "".join(
        f"{good},存款,{cell},\n" for cell in cells
    )
    read = read_feed(text.encode(), filename="a.csv")
    assert read.problems == []
    assert [r.amount for r in read.rows] == [
        Decimal("12.50"),
        Decimal("1000.00"),
        Decimal("12345.00"),
        Decimal("123.00"),
        Decimal("12.50"),
        Decimal("1234.00"),
    ]
