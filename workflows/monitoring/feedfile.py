"""Reading a departmental feed file (csv or xlsx) into rows, with the
problems of each row in Chinese, on the shared reader
(``workflows.dataio.files``: encodings, Excel row numbers, formula cells).

Columns (Chinese headers, any order): 身份证号码 (required), 项目, 金额（元）,
说明. ID numbers are normalised (full-width digits and the rest) and their
check digit verified; an amount must be a number the record can hold
(``FeedRecord.amount``: under 10^12 yuan, two decimals; never negative, since
a feed's amounts are incomes, deposits, pensions, values); a cell holding a
formula is refused (a signed number stays a number).

A feed may have a million rows, so nothing here keeps them all: ``iter_feed``
yields the checked rows one at a time, ``scan_feed`` (the preview) counts
them, keeps the first problems and a few rows to show; the import job reads
the file again with ``iter_feed`` and writes as it goes. ``read_feed`` keeps
every row, for a small file (the tests).
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..dataio.cells import KEEP_PROBLEMS, MAX_NUMBER, CellError, quoted
from ..dataio.files import FileProblem, iter_rows
from ..registry import idnumber
from .models import FeedRecord

ID, KIND, AMOUNT, DETAIL = "身份证号码", "项目", "金额（元）", "说明"
HEADERS = (ID, KIND, AMOUNT, DETAIL)
# the template a department fills in (downloadable from the upload page)
TEMPLATE = "身份证号码,项目,金额（元）,说明\n"

__all__ = [
    "FeedRow",
    "FeedRead",
    "FeedScan",
    "FileProblem",
    "Problem",
    "iter_feed",
    "read_feed",
    "scan_feed",
]
# rows of a clean file the preview shows
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class FeedRow:
    """One row of a feed, normalised; ``line`` is its row number as the user
    sees it in Excel (the header is row 1)."""

    line: int
    id_number: str
    kind: str
    amount: Decimal | None
    detail: str


@dataclass(frozen=True)
class Problem:
    """A row (1: the header), the column's header and the reason."""

    line: int
    column: str
    reason: str


@dataclass
class FeedRead:
    """The rows read (of the data rows asked for), their problems, and how
    many data rows the file has."""

    rows: list
    problems: list
    lines: int


@dataclass
class FeedScan:
    """What reading a feed found, filled as its rows are read: data rows
    (``lines``, all of the file's once read to its end), rows without a
    problem (``rows``), problems (the first ``keep`` kept, ``None``: all;
    every one counted), and the first rows without a problem (``sample``)."""

    lines: int = 0
    rows: int = 0
    problem_count: int = 0
    problems: list = field(default_factory=list)
    sample: list = field(default_factory=list)
    keep: int | None = KEEP_PROBLEMS

    def add(self, found: list) -> None:
        self.problem_count += len(found)
        if self.keep is None:
            self.problems += found
        elif len(self.problems) < self.keep:
            self.problems += found[: self.keep - len(self.problems)]


_AMOUNT_FIELD = FeedRecord._meta.get_field("amount")
AMOUNT_PLACES = _AMOUNT_FIELD.decimal_places
# the first amount the column cannot hold (14 digits, 2 of them decimals)
AMOUNT_LIMIT = min(
    MAX_NUMBER, Decimal(10) ** (_AMOUNT_FIELD.max_digits - AMOUNT_PLACES)
)
_CENT = Decimal(1).scaleb(-AMOUNT_PLACES)
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
EXCEL_DIGITS = 15  # significant digits a spreadsheet number holds


def _amount(text: str) -> Decimal | None:
    """The amount of a cell, or ``CellError`` with the reason: not a number
    (NaN and Infinity included), negative, too large, too many decimals."""
    # full-width digits, point, comma and space (a Chinese input method)
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    if "," in text:
        # thousands separators only: "12,34" is no hundredfold amount
        if not _GROUPED.fullmatch(text):
            raise CellError(_("金额不是有效的数字。"))
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CellError(_("金额不是有效的数字。"))
    if len(value.as_tuple().digits) > EXCEL_DIGITS:
        # a binary float's tail in an xlsx cell (1234.5600000000001 where
        # Excel shows 1234.56): no spreadsheet holds more digits than these
        value = Context(prec=EXCEL_DIGITS).plus(value)
    if value < 0:
        raise CellError(_("金额“%(value)s”不能为负数。") % {"value": quoted(text)})
    if value >= AMOUNT_LIMIT:
        raise CellError(
            _("金额“%(value)s”超出允许的范围（应小于1万亿元）。")
            % {"value": quoted(text)}
        )
    if value != value.quantize(_CENT):
        raise CellError(
            _("金额“%(value)s”的小数位数超过%(places)d位。")
            % {"value": quoted(text), "places": AMOUNT_PLACES}
        )
    # "-0" is 0: no signed zero reaches the record
    return value.quantize(_CENT) + Decimal(0)


def _check(row) -> FeedRow | list:
    """One data row as a ``FeedRow``, or its problems."""
    found = [Problem(row.number, column, reason) for column, reason in row.problems]
    found += [
        Problem(row.number, column, _("单元格含有公式，请改为数值或文本。"))
        for column in sorted(row.formulas)
    ]
    if found:
        return found
    number = idnumber.normalize(row[ID])
    try:
        idnumber.validate_id_number(number)
    except ValidationError as error:
        return [Problem(row.number, ID, error.messages[0])]
    try:
        amount = _amount(row.get(AMOUNT))
    except CellError as error:
        return [Problem(row.number, AMOUNT, error.message)]
    return FeedRow(
        line=row.number,
        id_number=number,
        kind=row.get(KIND).strip()[:32],
        amount=amount,
        detail=row.get(DETAIL).strip()[:200],
    )


def iter_feed(
    data: bytes,
    *,
    filename: str,
    encoding: str = "auto",
    start: int = 0,
    stop: int | None = None,
    scan: FeedScan | None = None,
) -> Iterator[FeedRow]:
    """The rows without a problem among data rows ``start`` ≤ i < ``stop``
    (0-based, blank rows not counted), one at a time; the data rows before
    ``start`` are only counted, the file is not read past ``stop``. ``scan``
    is filled as the rows go (see ``FeedScan``).
    Raises ``FileProblem`` when the file cannot be read at all."""
    scan = FeedScan() if scan is None else scan
    stream = iter_rows(data, filename=filename, encoding=encoding, text_columns=[ID])
    if ID not in stream.headers:
        scan.add([Problem(1, ID, _("缺少“身份证号码”列。"))])
        return
    for position, row in enumerate(stream):
        if stop is not None and position >= stop:
            break  # a job's step reads up to its chunk, not the rest
        scan.lines += 1
        if position < start:
            continue
        checked = _check(row)
        if isinstance(checked, FeedRow):
            scan.rows += 1
            yield checked
        else:
            scan.add(checked)


def scan_feed(
    data: bytes, *, filename: str, encoding: str = "auto", sample: int = SAMPLE_ROWS
) -> FeedScan:
    """The preview of a feed: every row checked, none kept but the first
    ``sample``; the first problems kept, all counted."""
    scan = FeedScan()
    for row in iter_feed(data, filename=filename, encoding=encoding, scan=scan):
        if len(scan.sample) < sample:
            scan.sample.append(row)
    return scan


def read_feed(
    data: bytes,
    *,
    filename: str,
    encoding: str = "auto",
    start: int = 0,
    stop: int | None = None,
) -> FeedRead:
    """Every row of data rows ``start`` ≤ i < ``stop`` and every problem, in
    memory: for a small file (a large one goes through ``iter_feed``)."""
    scan = FeedScan(keep=None)
    rows = list(
        iter_feed(
            data,
            filename=filename,
            encoding=encoding,
            start=start,
            stop=stop,
            scan=scan,
        )
    )
    return FeedRead(rows, scan.problems, scan.lines)
