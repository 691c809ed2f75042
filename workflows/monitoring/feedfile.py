"""Reading a departmental feed file (csv or xlsx) into rows, with the
problems of each row in Chinese, on the shared reader
(``workflows.dataio.files``: encodings, Excel row numbers, formula cells).

Columns (Chinese headers, any order): 身份证号码 (required), 项目, 金额（元）,
说明. ID numbers are normalised (full-width digits and the rest) and their
check digit verified; an amount must be a number the record can hold
(``FeedRecord.amount``: under 10^12 yuan, two decimals; never negative, since
a feed's amounts are incomes, deposits, pensions, values); a cell holding a
formula is refused (a signed number stays a number).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..dataio.cells import MAX_NUMBER, CellError, quoted
from ..dataio.files import FileProblem, iter_rows
from ..registry import idnumber
from .models import FeedRecord

ID, KIND, AMOUNT, DETAIL = "身份证号码", "项目", "金额（元）", "说明"
HEADERS = (ID, KIND, AMOUNT, DETAIL)
# the template a department fills in (downloadable from the upload page)
TEMPLATE = "身份证号码,项目,金额（元）,说明\n"

__all__ = ["FeedRow", "FeedRead", "FileProblem", "Problem", "read_feed"]


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


_AMOUNT_FIELD = FeedRecord._meta.get_field("amount")
AMOUNT_PLACES = _AMOUNT_FIELD.decimal_places
# the first amount the column cannot hold (14 digits, 2 of them decimals)
AMOUNT_LIMIT = min(
    MAX_NUMBER, Decimal(10) ** (_AMOUNT_FIELD.max_digits - AMOUNT_PLACES)
)
_CENT = Decimal(1).scaleb(-AMOUNT_PLACES)


def _amount(text: str) -> Decimal | None:
    """The amount of a cell, or ``CellError`` with the reason: not a number
    (NaN and Infinity included), negative, too large, too many decimals."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CellError(_("金额不是有效的数字。"))
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


def read_feed(
    data: bytes,
    *,
    filename: str,
    encoding: str = "auto",
    start: int = 0,
    stop: int | None = None,
) -> FeedRead:
    """Read a feed file; only data rows ``start`` ≤ i < ``stop`` (0-based,
    blank rows not counted) are checked and returned, the others only
    counted (an import job reads its file a chunk at a time). Raises
    ``FileProblem`` when the file cannot be read at all."""
    stream = iter_rows(data, filename=filename, encoding=encoding, text_columns=[ID])
    if ID not in stream.headers:
        return FeedRead([], [Problem(1, ID, _("缺少“身份证号码”列。"))], 0)
    rows, problems = [], []
    lines = 0
    for position, row in enumerate(stream):
        lines += 1
        if position < start or (stop is not None and position >= stop):
            continue
        found = [Problem(row.number, column, reason) for column, reason in row.problems]
        found += [
            Problem(row.number, column, _("单元格含有公式，请改为数值或文本。"))
            for column in sorted(row.formulas)
        ]
        if found:
            problems += found
            continue
        number = idnumber.normalize(row[ID])
        try:
            idnumber.validate_id_number(number)
        except ValidationError as error:
            problems.append(Problem(row.number, ID, error.messages[0]))
            continue
        try:
            amount = _amount(row.get(AMOUNT))
        except CellError as error:
            problems.append(Problem(row.number, AMOUNT, error.message))
            continue
        rows.append(
            FeedRow(
                line=row.number,
                id_number=number,
                kind=row.get(KIND).strip()[:32],
                amount=amount,
                detail=row.get(DETAIL).strip()[:200],
            )
        )
    return FeedRead(rows, problems, lines)
