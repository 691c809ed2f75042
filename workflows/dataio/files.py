"""Reading an uploaded table: xlsx (first sheet) or csv, one header row.

Every cell comes back as text, the way the user typed it, with the row number
the user sees in Excel (the header is row 1) so that a problem can be named
where the user will look for it. The reader decides nothing about what the
columns mean; it only says which cells hold a formula and which cells of a
text-only column (an ID number) were typed as numbers, which Excel rounds to
15 significant digits.

csv encodings: UTF-8, UTF-8 with a byte-order mark, and GB 18030, the
national standard (a GBK file is read as its subset). ``encoding="auto"``
takes the byte-order mark if there is one, else strict UTF-8 if the whole
file decodes, else GB 18030; the user may choose one instead.

``iter_rows`` streams (the sheet's XML through ``sheetxml``, csv through an
incremental decoder), so a 200,000-row file is read without holding every row;
``read_table`` keeps them all for a preview of a small file.

An xlsx is a zip: before its sheet is read, its members' unpacked sizes are
checked (``settings.IMPORT_XLSX_MAX_UNPACKED`` in all, and no large member
packed more than ``IMPORT_XLSX_MAX_RATIO`` times), so a few kilobytes that
unpack to gigabytes (a zip bomb) are refused before anything is unpacked.
The sizes are those the zip declares; Python's ``zipfile`` never unpacks a
member beyond its declared size (and fails its CRC check if it would), so a
lying header gains nothing.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk")
XLSX = "xlsx"
_CHUNK = 1 << 20
# characters stripped from both ends of a header or a cell besides whitespace
# (str.strip already drops the full-width space U+3000)
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
# after a leading sign, what a number (or a phone number) may hold: nothing a
# spreadsheet could evaluate as a function or a reference
_SIGNED_NUMBER = re.compile(r"[+-][0-9 .,%-]*[0-9][0-9 .,%-]*")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# members smaller than this unpacked are not held to the packing ratio (a
# tiny member of repeated bytes packs well and harms nobody)
_RATIO_FROM = 1 << 20
# a long number after Excel has been at it: 3.70402E+17
_EXCEL_EXPONENT = re.compile(r"[0-9](\.[0-9]+)?[eE]\+[0-9]+")


class FileProblem(Exception):
    """The file as a whole cannot be read; ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_formula(text: str) -> bool:
    """Would a spreadsheet evaluate this text as a formula?

    ``=`` or ``@`` first, or a ``+`` / ``-`` followed by something that is not
    a number: ``-3.5`` and ``+86 138 0000 0000`` stay values, ``+SUM(A1)``,
    ``-1+cmd|' /C calc'!A0`` are formulas."""
    text = text.strip().lstrip(_INVISIBLE)
    if not text:
        return False
    if text[0] in "=@":
        return True
    if text[0] in "+-" and len(text) > 1:
        return _SIGNED_NUMBER.fullmatch(text) is None
    return False


@dataclass(slots=True)
class Row:
    """One data row: its Excel row number and its cells as text."""

    number: int
    cells: tuple[str, ...]
    _index: dict[str, int] = field(repr=False)
    # columns (header names) holding a formula
    formulas: frozenset[str] = frozenset()
    # (column, reason) the reader found in this row
    problems: list[tuple[str, str]] = field(default_factory=list)

    def __getitem__(self, column: str) -> str:
        position = self._index.get(column)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]

    def get(self, column: str, default: str = "") -> str:
        return self[column] if column in self._index else default

    def as_dict(self) -> dict[str, str]:
        return {name: self[name] for name in self._index}


@dataclass
class RowStream:
    """An open table: its headers, the encoding read, and its rows (once)."""

    headers: list[str]
    encoding: str  # "xlsx", or the csv encoding actually used
    rows: Iterator[Row]

    def __iter__(self) -> Iterator[Row]:
        return self.rows


@dataclass
class Table:
    headers: list[str]
    encoding: str
    rows: list[Row]


def read_table(
    data: bytes,
    *,
    filename: str,
    encoding: str = "auto",
    text_columns: Collection[str] = (),
) -> Table:
    """Every row of the file, in memory (for a preview of a small file)."""
    stream = iter_rows(
        data, filename=filename, encoding=encoding, text_columns=text_columns
    )
    return Table(headers=stream.headers, encoding=stream.encoding, rows=list(stream))


def iter_rows(
    data: bytes,
    *,
    filename: str,
    encoding: str = "auto",
    text_columns: Collection[str] = (),
) -> RowStream:
    """Open the table; its rows are read as they are iterated.

    ``text_columns`` name columns that must be typed as text (ID numbers): a
    number there is a row problem, since Excel has already lost its digits.
    Raises ``FileProblem`` for a file that cannot be read at all."""
    if not data or not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise FileProblem(_("文件是空的。"))
    if encoding not in ("auto", *ENCODINGS):
        raise FileProblem(
            _("不支持的文件编码：%(encoding)s。") % {"encoding": encoding}
        )
    if _is_xlsx(data, filename):
        return _xlsx_rows(data, frozenset(text_columns))
    return _csv_rows(data, encoding, frozenset(text_columns))


def _is_xlsx(data: bytes, filename: str) -> bool:
    name = filename.lower()
    if data.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise FileProblem(
            _(
                "这是旧版Excel（xls）文件，请在Excel中另存为“Excel工作簿（xlsx）”或CSV后再上传。"
            )
        )
    if name.endswith((".xlsx", ".xlsm")):
        return True
    return data.startswith(b"PK\x03\x04") and not name.endswith((".csv", ".txt"))


def _clean(text: str) -> str:
    # NUL is never data, and PostgreSQL refuses it in text and JSON
    return text.replace("\x00", "").strip().strip(_INVISIBLE).strip()


def _headers(raw: list[str]) -> tuple[list[str], dict[str, int]]:
    """Header names and their positions; columns without a name are ignored."""
    headers, index = [], {}
    for position, value in enumerate(raw):
        name = _clean(value)
        if not name:
            continue
        if name in index:
            raise FileProblem(
                _("表头中“%(name)s”出现了不止一次，每列的名称应各不相同。")
                % {"name": name}
            )
        headers.append(name)
        index[name] = position
    if not headers:
        raise FileProblem(_("文件第1行应为表头（列名），但这一行是空的。"))
    return headers, index


# --- xlsx ------------------------------------------------------------------


_NOT_XLSX = gettext_noop(
    "无法作为Excel（xlsx）文件打开，文件可能已损坏或并非xlsx格式。"
)


def _check_unpacked(data: bytes) -> None:
    """Refuse an xlsx whose members would unpack too large (a zip bomb), or
    that is no zip at all, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise FileProblem(_(_NOT_XLSX)) from error
    limit = settings.IMPORT_XLSX_MAX_UNPACKED
    ratio = settings.IMPORT_XLSX_MAX_RATIO
    total = 0
    for member in members:
        total += member.file_size
        packed_well = member.file_size > ratio * max(member.compress_size, 1)
        if total > limit or (member.file_size >= _RATIO_FROM and packed_well):
            raise FileProblem(
                _(
                    "这个Excel（xlsx）文件解压后过大（超过%(limit)dMB）或压缩比异常，"
                    "可能已损坏或被恶意构造，系统拒绝读取。"
                    "请在Excel中另存为CSV，或分成几个文件后再上传。"
                )
                % {"limit": limit // (1024 * 1024)}
            )


def _xlsx_rows(data: bytes, text_columns: frozenset[str]) -> RowStream:
    """The first sheet's rows, its XML read as a stream (``sheetxml``)."""
    from .sheetxml import SheetProblem, sheet_rows

    _check_unpacked(data)
    rows = sheet_rows(io.BytesIO(data))
    try:
        first = next(rows, None)
    except SheetProblem as error:
        raise FileProblem(_(_NOT_XLSX)) from error
    if first is None:
        raise FileProblem(_("文件是空的。"))
    number, cells = first
    if number != 1:  # the header must be row 1, as the template has it
        raise FileProblem(_("文件第1行应为表头（列名），但这一行是空的。"))
    width = max(cells) + 1
    headers, index = _headers(
        [_xlsx_text(cells[p][0]) if p in cells else "" for p in range(width)]
    )
    wanted = [(name, index[name]) for name in headers]
    size = max(index.values()) + 1

    def generate() -> Iterator[Row]:
        try:
            for number, cells in rows:
                texts, formulas, problems = [""] * size, [], []
                for name, position in wanted:
                    found = cells.get(position)
                    if found is None:
                        continue
                    value, formula = found
                    if formula:
                        formulas.append(name)
                        texts[position] = str(value)
                        continue
                    text = _xlsx_text(value)
                    texts[position] = text
                    if isinstance(value, str) and is_formula(text):
                        formulas.append(name)
                    elif name in text_columns and isinstance(value, int | float):
                        if not isinstance(value, bool):
                            problems.append((name, _number_in_text_column(name)))
                if not any(texts):
                    continue
                yield Row(number, tuple(texts), index, frozenset(formulas), problems)
        except SheetProblem as error:
            raise FileProblem(_(_NOT_XLSX)) from error
        finally:
            rows.close()

    return RowStream(headers=headers, encoding=XLSX, rows=generate())


def _number_in_text_column(name: str) -> str:
    return _(
        "“%(column)s”在Excel中是数字格式，超过15位的数字已丢失末尾几位；"
        "请先把这一列设为“文本”格式，再重新填写。"
    ) % {"column": name}


def _xlsx_text(value) -> str:
    """A cell's value as the text the user sees."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return _clean(str(value))


# --- csv -------------------------------------------------------------------

_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "gb18030": "GB 18030"}


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig`` with a byte-order mark, else ``utf-8`` if the whole file
    decodes strictly, else ``gb18030`` if it does; else ``FileProblem``."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(
            _("文件是UTF-16编码，请另存为“CSV UTF-8（逗号分隔）”或xlsx后再上传。")
        )
    for candidate in ("utf-8", "gb18030"):
        if _decodes(data, candidate):
            return candidate
    raise FileProblem(
        _(
            "无法识别文件的编码：它既不是UTF-8，也不是GB 18030（GBK）。"
            "请在Excel中另存为“CSV UTF-8（逗号分隔）”或xlsx后再上传。"
        )
    )


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(data: bytes, encoding: str, text_columns: frozenset[str]) -> RowStream:
    if encoding == "auto":
        encoding = detect_encoding(data)
    # GBK is a subset of GB 18030: read it as the standard, which also knows
    # the characters GBK lacks
    codec = "gb18030" if encoding == "gbk" else encoding
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    label = _LABELS.get(codec, codec)
    lines = _decoded_lines(data, codec)
    try:
        first_line = next(lines, "")
        delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
        reader = csv.reader(_chain_first(first_line, lines), delimiter=delimiter)
        header = next(reader, None)
    except _Undecodable as error:
        raise _not_encoding(label, 1) from error
    except csv.Error as error:
        raise FileProblem(
            _("第1行无法按CSV格式读取：%(error)s") % {"error": error}
        ) from error
    if header is None:
        raise FileProblem(_("文件是空的。"))
    headers, index = _headers(header)
    width = max(index.values()) + 1
    wanted = [(name, index[name]) for name in headers]

    def generate() -> Iterator[Row]:
        number = 1
        try:
            for number, record in enumerate(reader, start=2):  # noqa: B007
                texts = [""] * width
                formulas, problems = [], []
                for name, position in wanted:
                    if position < len(record):
                        value = _clean(record[position])
                        texts[position] = value
                        if value and is_formula(value):
                            formulas.append(name)
                        elif name in text_columns and _EXCEL_EXPONENT.fullmatch(value):
                            problems.append((name, _number_in_text_column(name)))
                if not any(texts):
                    continue
                yield Row(number, tuple(texts), index, frozenset(formulas), problems)
        except _Undecodable as error:
            raise _not_encoding(label, number + 1) from error
        except csv.Error as error:
            raise FileProblem(
                _("第%(row)d行附近无法按CSV格式读取：%(error)s")
                % {"row": number + 1, "error": error}
            ) from error

    return RowStream(headers=headers, encoding=encoding, rows=generate())


class _Undecodable(Exception):
    pass


def _decoded_lines(data: bytes, codec: str) -> Iterator[str]:
    """The file's lines, decoded one at a time (a line feed is never inside a
    character in UTF-8 or GB 18030), so a bad byte is found where it is."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        for line in io.BytesIO(data):
            yield decoder.decode(line)
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _Undecodable from error
    if tail:
        yield tail


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _not_encoding(label: str, row: int) -> FileProblem:
    return FileProblem(
        _("文件第%(row)d行附近的内容不是%(encoding)s编码，请选择正确的编码后重新上传。")
        % {"row": row, "encoding": label}
    )
