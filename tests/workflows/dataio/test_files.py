"""The file reader: one table, whatever the file format and encoding."""

import codecs
import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from workflows.dataio.files import FileProblem, is_formula, iter_rows, read_table

HEADER = ["户编号", "姓名", "身份证号码", "出生日期", "月收入"]
ROWS = [
    ["H1", "张三", "370402199001011234", "1990-01-01", "1200"],
    ["H1", "李四（𠀀）", "37040219920202123X", "1992-02-02", "-3.5"],
    ["H2", "王五", "370402198503031111", "", "=SUM(A1:A2)"],
]


def xlsx(header=HEADER, rows=ROWS, *, typed=False) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        if typed:
            row = [
                datetime.date.fromisoformat(v) if "-" in v and v[:4].isdigit() else v
                for v in row
            ]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(encoding: str, rows=ROWS) -> bytes:
    lines = [",".join(HEADER)] + [",".join(row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


def flatten(table):
    return [
        (row.number, row.as_dict(), sorted(row.formulas), row.problems)
        for row in table.rows
    ]


GBK_ROWS = [[cell.replace("（𠀀）", "") for cell in row] for row in ROWS]


@pytest.mark.parametrize(
    ("data", "filename", "encoding"),
    [
        (csv_bytes("utf-8"), "a.csv", "utf-8"),
        (csv_bytes("utf-8-sig"), "a.csv", "utf-8-sig"),
        (csv_bytes("gb18030"), "a.csv", "gb18030"),
    ],
)
def test_every_format_reads_the_same_table(data, filename, encoding):
    """xlsx, UTF-8, UTF-8 with BOM and GB 18030 csv give the same headers, rows,
    row numbers and formula cells; the encoding is detected."""
    expected = read_table(xlsx(typed=True), filename="a.xlsx")
    assert expected.encoding == "xlsx"
    table = read_table(data, filename=filename)
    assert table.encoding == encoding
    assert table.headers == expected.headers == HEADER
    assert flatten(table) == flatten(expected)
    assert [row.number for row in table.rows] == [2, 3, 4]
    assert table.rows[2].formulas == {"月收入"}
    assert table.rows[1]["月收入"] == "-3.5"


def test_a_gbk_file_reads_as_gb18030_detected_or_chosen():
    """GBK is GB 18030's subset: the same table detected or chosen as gbk."""
    data = csv_bytes("gbk", GBK_ROWS)
    expected = flatten(read_table(xlsx(rows=GBK_ROWS, typed=True), filename="a.xlsx"))
    assert flatten(read_table(data, filename="a.csv")) == expected
    chosen = read_table(data, filename="a.csv", encoding="gbk")
    assert chosen.encoding == "gbk"
    assert flatten(chosen) == expected


def test_the_chosen_encoding_is_used():
    data = csv_bytes("utf-8")
    assert (
        read_table(data, filename="a.csv", encoding="utf-8").rows[0]["姓名"] == "张三"
    )
    with pytest.raises(FileProblem, match="不是GB 18030编码|不是UTF-8编码") as problem:
        read_table(csv_bytes("gb18030"), filename="a.csv", encoding="utf-8")
    assert "第" in problem.value.message


def test_headers_and_cells_are_stripped_of_full_width_spaces():
    data = "\u3000户编号 ,姓名\u3000\r\n H1 ,\u3000张三\r\n".encode()
    table = read_table(data, filename="a.csv")
    assert table.headers == ["户编号", "姓名"]
    assert table.rows[0].as_dict() == {"户编号": "H1", "姓名": "张三"}


def test_a_nul_byte_never_reaches_a_cell():
    """csv reads NUL; PostgreSQL refuses it in text and JSON."""
    data = "户编号,姓名\r\nH1,张\x00三\r\n".encode()
    table = read_table(data, filename="a.csv")
    assert table.rows[0].as_dict() == {"户编号": "H1", "姓名": "张三"}


def test_blank_rows_are_skipped_but_keep_their_numbers():
    data = "户编号,姓名\r\nH1,甲\r\n,\r\nH2,乙\r\n".encode()
    assert [r.number for r in read_table(data, filename="a.csv").rows] == [2, 4]
    book = xlsx(
        rows=[["H1", "甲"], [None, None], ["H2", "乙"]], header=["户编号", "姓名"]
    )
    assert [r.number for r in read_table(book, filename="b.xlsx").rows] == [2, 4]


def test_xlsx_values_become_text_as_the_user_sees_them():
    """Integer-valued floats lose ".0", dates read YYYY-MM-DD, decimals stay."""
    book = Workbook()
    sheet = book.active
    sheet.append(["a", "b", "c", "d", "e"])
    sheet.append(
        [1200.0, 3.25, datetime.datetime(2024, 5, 6), datetime.date(2020, 1, 2), 7]
    )
    sheet["F1"] = "f"
    sheet["F2"] = "=A2*2"
    out = io.BytesIO()
    book.save(out)
    row = read_table(out.getvalue(), filename="x.xlsx").rows[0]
    assert row.as_dict() == {
        "a": "1200",
        "b": "3.25",
        "c": "2024-05-06",
        "d": "2020-01-02",
        "e": "7",
        "f": "=A2*2",
    }
    assert row.formulas == {"f"}


def test_an_id_number_typed_as_a_number_is_a_row_problem():
    """Excel keeps 15 digits of a number: an ID column holding one is named."""
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号码"])
    sheet.append(["张三", 370402199001011234])
    sheet.append(["李四", "370402199001011234"])
    out = io.BytesIO()
    book.save(out)
    rows = read_table(
        out.getvalue(), filename="x.xlsx", text_columns={"身份证号码"}
    ).rows
    assert [column for column, _ in rows[0].problems] == ["身份证号码"]
    assert "数字格式" in rows[0].problems[0][1]
    assert rows[1].problems == []
    data = "姓名,身份证号码\r\n张三,3.70402E+17\r\n".encode()
    (row,) = read_table(data, filename="a.csv", text_columns={"身份证号码"}).rows
    assert row.problems and row.problems[0][0] == "身份证号码"


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ("+SUM(A1)", True),
        ("-1+cmd|' /C calc'!A0", True),
        ("=", True),
        ("-3.5", False),
        ("+3.5", False),
        ("-", False),
        ("+86 138 0000 0000", False),
        ("1,200", False),
        ("张三", False),
        ("", False),
        ("a=b", False),
    ],
)
def test_is_formula(text, formula):
    assert is_formula(text) is formula


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "a.csv", "空"),
        (b"\r\n\r\n", "a.csv", "空"),
        (codecs.BOM_UTF8, "a.csv", "空"),
        (b"PK\x03\x04not really a zip", "a.xlsx", "xlsx"),
        (b"just text", "a.xlsx", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls", "旧版Excel"),
        (b"\xff\xfe\x00\x00\xff\xff\x81", "a.csv", "编码"),
        (b"\x81\x30\xff\xff,\xff\r\n", "a.csv", "编码"),
        (",,\r\nH1,甲\r\n".encode(), "a.csv", "表头"),
        ("姓名,姓名\r\n甲,乙\r\n".encode(), "a.csv", "不止一次"),
    ],
)
def test_unreadable_files_say_why_in_chinese(data, filename, message):
    with pytest.raises(FileProblem, match=message):
        read_table(data, filename=filename)


def test_an_empty_xlsx_sheet_is_refused():
    out = io.BytesIO()
    Workbook().save(out)
    with pytest.raises(FileProblem, match="空"):
        read_table(out.getvalue(), filename="a.xlsx")


def test_rows_stream_without_reading_the_rest():
    """iter_rows reads lazily: the first row comes before a bad byte further on."""
    data = "户编号,姓名\r\nH1,甲\r\n".encode() + b"H2,\xff\xfe\r\n"
    stream = iter_rows(data, filename="a.csv", encoding="utf-8")
    assert next(iter(stream))["姓名"] == "甲"
    with pytest.raises(FileProblem, match="第3行"):
        list(stream)


def _xlsx_with(member: str, payload: bytes) -> bytes:
    """A real workbook with ``member`` replaced (or added) by ``payload``."""
    source = zipfile.ZipFile(io.BytesIO(xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info))
        target.writestr(member, payload, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings):
    """A few kilobytes of sharedStrings that unpack to 64 MB: the packing
    ratio (a member over 1 MB packed beyond 100:1) refuses it."""
    data = _xlsx_with("xl/sharedStrings.xml", b"\x00" * (64 << 20))
    assert len(data) < 200_000
    with pytest.raises(FileProblem, match="解压后过大"):
        read_table(data, filename="a.xlsx")


def test_an_xlsx_unpacking_beyond_the_setting_is_refused(settings):
    """Packed plausibly, but larger in all than IMPORT_XLSX_MAX_UNPACKED."""
    import random

    noise = random.Random(1).randbytes(300_000)
    data = _xlsx_with("xl/media/noise.bin", noise)
    assert read_table(data, filename="a.xlsx").rows  # under the default
    settings.IMPORT_XLSX_MAX_UNPACKED = 200_000
    with pytest.raises(FileProblem, match="解压后过大"):
        read_table(data, filename="a.xlsx")


def test_a_truncated_xlsx_says_it_is_damaged():
    data = xlsx()
    with pytest.raises(FileProblem, match="已损坏"):
        read_table(data[: len(data) // 2], filename="a.xlsx")


def test_the_sheet_xml_reader_reads_what_openpyxl_reads():
    """``sheetxml`` reads the sheet's XML itself (for speed): every kind of
    value a user's workbook holds comes back as openpyxl gives it — shared
    and rich strings, numbers, booleans, dates by built-in and custom
    (Chinese) formats, times, formulas, errors, gaps between rows and cells."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from workflows.dataio.files import _xlsx_text
    from workflows.dataio.sheetxml import sheet_rows

    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "数", "日期", "其他"])
    sheet.append(["张三", 42, datetime.date(2026, 11, 30), True])
    sheet.append(["  李四 ", 0.1, datetime.datetime(2026, 1, 2, 3, 4, 5), False])
    sheet.append(["=SUM(B2:B3)", 3.70402e17, datetime.time(8, 30), "#N/A"])
    sheet["D4"].data_type = "e"
    sheet.append([None, None, None, None])
    sheet.append(["王五", -3.5, 45000, '=A2&"x"'])
    sheet["C6"].number_format = "yyyy年m月d日"
    sheet.append([CellRichText(["红", TextBlock(InlineFont(b=True), "字")]), 1e-7])
    sheet["B9"] = "隔行"
    sheet["D9"] = 7
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()

    reference = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    expected = []
    for number, cells in enumerate(reference.worksheets[0].iter_rows(), start=1):
        texts = {
            p: _xlsx_text(c.value) for p, c in enumerate(cells) if c.value is not None
        }
        if texts:
            expected.append((number, texts))
    got = [
        (number, {p: _xlsx_text(v) for p, (v, _f) in cells.items()})
        for number, cells in sheet_rows(io.BytesIO(data))
    ]
    assert got == expected
    formulas = {
        (n, p)
        for n, cells in sheet_rows(io.BytesIO(data))
        for p, (_v, f) in cells.items()
        if f
    }
    assert formulas == {(4, 0), (6, 3)}
