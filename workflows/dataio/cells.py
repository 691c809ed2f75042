"""Reading one cell of an import: numbers, dates, yes/no and choices, each
failing with a reason in Chinese that names what was found.

A parser returns the value or raises ``CellError``; the import collects the
reason with the row and the column (``Problems``) and goes on, so that the
preview names every problem of the file at once.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# how many problems an import keeps to show (the count is always exact)
KEEP_PROBLEMS = 2000


class CellError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Problems:
    """Every problem of a file: row, column, reason (the first KEEP_PROBLEMS
    kept, all counted)."""

    count: int = 0
    items: list[tuple[int, str, str]] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)

    def add(self, row: int, column: str, message: str) -> None:
        self.count += 1
        self.rows.add(row)
        if len(self.items) < KEEP_PROBLEMS:
            self.items.append((row, column, str(message)))

    def __bool__(self) -> bool:
        return self.count > 0

    def as_json(self) -> list[dict]:
        return [
            {"row": row, "column": column, "message": message}
            for row, column, message in sorted(self.items, key=lambda p: p[0])
        ]


def not_in_your_registry() -> str:
    """One answer for an ID number that is not registered and for one
    registered outside the importer's regions: an import must not tell who is
    in the registry, or where, beyond the importer's own regions."""
    return _("您辖区的家庭登记中没有这个身份证号码（请先导入其家庭，或核对号码）。")


MAX_NUMBER = Decimal("1e12")  # above any amount, count or grade a row may hold


def quoted(text: str, limit: int = 50) -> str:
    """A cell's text as a message quotes it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def decimal(text: str, *, places: int = 2) -> Decimal:
    """A number as written (thousands separators and a trailing 元 allowed)."""
    cleaned = text.replace(",", "").replace("，", "").removesuffix("元").strip()
    if not _NUMBER.fullmatch(cleaned):
        raise CellError(_("“%(value)s”不是数字。") % {"value": quoted(text)})
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(_("“%(value)s”不是数字。") % {"value": quoted(text)}) from None
    if not value.is_finite() or abs(value) >= MAX_NUMBER:
        raise CellError(_("“%(value)s”超出允许的数值范围。") % {"value": quoted(text)})
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise CellError(
            _("“%(value)s”的小数位数超过%(places)d位。")
            % {"value": quoted(text), "places": places}
        )
    return value


def integer(text: str) -> int:
    value = decimal(text, places=0)
    return int(value)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def date(text: str) -> datetime.date:
    """A date as people write it: 2024-05-06, 2024/5/6, 2024.5.6, 20240506,
    2024年5月6日 (an xlsx date cell arrives as 2024-05-06)."""
    value = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CellError(
        _("“%(value)s”不是有效日期（请写成如 2024-05-06）。") % {"value": quoted(text)}
    )


_YES = {"是", "有", "Y", "YES", "TRUE", "1", "√"}
_NO = {"否", "无", "N", "NO", "FALSE", "0", ""}


def yes_no(text: str) -> bool:
    value = text.strip().upper()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(_("“%(value)s”应填“是”或“否”。") % {"value": quoted(text)})


_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")


class Choices:
    """Reads a choice by its Chinese label, its short forms (the label
    without its parenthesis, each part of an "a/b" label) or its code."""

    def __init__(self, choices):
        self.labels = [str(label) for _value, label in choices]
        self.lookup = {}
        for value, label in choices:
            label = str(label)
            names = {value, label, _PARENTHESES.sub("", label)}
            names |= set(re.findall(r"[（(]([^）)]*)[）)]", label))
            for part in re.split(r"[/、]", _PARENTHESES.sub("", label)):
                names.add(part)
            for name in names:
                if name:
                    self.lookup.setdefault(name.strip(), value)

    def __call__(self, text: str):
        value = self.lookup.get(text.strip())
        if value is None:
            raise CellError(
                _("“%(value)s”不是可选的值；可选：%(choices)s。")
                % {"value": quoted(text), "choices": "、".join(self.labels)}
            )
        return value
