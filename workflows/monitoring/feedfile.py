"""Reading a departmental feed file (csv or xlsx) into rows, with the
problems of each row in Chinese.

A minimal reader of our own: the shared file reader of the imports work
(``workflows/dataio/files.py``) was not on this branch when the feed upload
was written; when it is, ``_table`` becomes a call to it (see the report of
the crosscheck branch).

Columns (Chinese headers, any order): 身份证号码 (required), 项目, 金额（元）,
说明. ID numbers are normalised (full-width digits and the rest) and their
check digit verified; an amount must be a number; a text cell starting with
``=`` or ``@`` is a formula and refused (a signed number stays a number).
"""

import codecs
import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..registry import idnumber

HEADERS = {
    "id_number": "身份证号码",
    "kind": "项目",
    "amount": "金额（元）",
    "detail": "说明",
}
ENCODINGS = {"auto", "utf-8", "utf-8-sig", "gb18030", "gbk"}


@dataclass(frozen=True)
class FeedRow:
    """One row of a feed, normalised; ``line`` is its row number in the file
    (the header is row 1)."""

    line: int
    id_number: str
    kind: str
    amount: Decimal | None
    detail: str


@dataclass(frozen=True)
class Problem:
    """A row (0: the file itself), the column's header and the reason."""

    line: int
    column: str
    reason: str


class FeedFileError(Exception):
    """The file cannot be read at all (not csv/xlsx, not decodable)."""


def _decode(data: bytes, encoding: str) -> str:
    if encoding == "auto":
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "gb18030"  # GBK files read as its subset
    if encoding == "gbk":
        encoding = "gb18030"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise FeedFileError(
            _("文件无法按 %(encoding)s 编码读取，请选择正确的编码。")
            % {"encoding": encoding}
        ) from None


def _table(data: bytes, filename: str, encoding: str):
    """(headers, rows) where each row is a list of cell values (str, or a
    number for xlsx numeric cells)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False
            )
        except Exception:
            raise FeedFileError(_("无法读取该 xlsx 文件。")) from None
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = [str(h or "").strip() for h in next(rows, [])]
        return headers, ([("" if v is None else v) for v in row] for row in rows)
    if name.endswith(".csv"):
        reader = csv.reader(io.StringIO(_decode(data, encoding)))
        headers = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
        return headers, reader
    raise FeedFileError(_("只能导入 csv 或 xlsx 文件。"))


def _is_formula(value) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text[:1] not in ("=", "@"):
        return False
    return True


def _amount(value):
    if value in ("", None):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    try:
        return Decimal(str(value).strip().replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError from None


@dataclass
class FeedRead:
    """The rows read (of the lines asked for), their problems, and how many
    data lines the file has (``lines``: the header excluded)."""

    rows: list
    problems: list
    lines: int


def read_feed(
    data: bytes,
    *,
    filename: str,
    encoding: str = "auto",
    start: int = 0,
    stop: int | None = None,
) -> FeedRead:
    """Read a feed file; only data lines ``start`` ≤ i < ``stop`` (0-based,
    after the header) are checked and returned, the others only counted (an
    import job reads its file a chunk at a time). Raises ``FeedFileError``
    when the file cannot be read at all."""
    headers, body = _table(data, filename, encoding)
    index = {}
    problems = []
    for key, title in HEADERS.items():
        if title in headers:
            index[key] = headers.index(title)
    if "id_number" not in index:
        problems.append(Problem(1, HEADERS["id_number"], _("缺少“身份证号码”列。")))
        return FeedRead([], problems, 0)
    rows = []
    lines = 0
    for line, cells in enumerate(body, start=2):
        lines += 1
        if line - 2 < start or (stop is not None and line - 2 >= stop):
            continue
        if not any(str(c).strip() for c in cells):
            continue

        def cell(key, cells=cells):
            i = index.get(key)
            return cells[i] if i is not None and i < len(cells) else ""

        bad = False
        for key, title in HEADERS.items():
            if _is_formula(cell(key)):
                problems.append(
                    Problem(line, title, _("单元格含有公式，请改为数值或文本。"))
                )
                bad = True
        if bad:
            continue
        number = idnumber.normalize(str(cell("id_number")))
        try:
            idnumber.validate_id_number(number)
        except ValidationError as error:
            problems.append(Problem(line, HEADERS["id_number"], error.messages[0]))
            continue
        try:
            amount = _amount(cell("amount"))
        except ValueError:
            problems.append(Problem(line, HEADERS["amount"], _("金额不是有效的数字。")))
            continue
        rows.append(
            FeedRow(
                line=line,
                id_number=number,
                kind=str(cell("kind")).strip()[:32],
                amount=amount,
                detail=str(cell("detail")).strip()[:200],
            )
        )
    return FeedRead(rows, problems, lines)
