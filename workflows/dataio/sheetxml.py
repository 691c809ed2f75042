"""The first sheet of an xlsx, read straight from its XML.

openpyxl's read-only mode builds a cell object (and its style lookups) for
every cell: reading a 200,000-row file took half of an import's time. This
reads the sheet's XML with ``ElementTree.iterparse`` (expat, in C) as a
stream and gives each row's values as openpyxl would — text, int, float,
bool, date and time by the cell's number format (openpyxl's own rules:
``is_date_format``, ``from_excel``, the workbook's 1900 or 1904 epoch), a
formula as its text after ``=`` — with the row number Excel shows.

Only what a data row can hold is read: shared and inline strings (rich text
runs joined, phonetic runs left out, as openpyxl does), numbers, booleans,
errors (their text, ``#N/A``), ISO dates, formulas. The zip's sizes have
been checked before (``files._check_unpacked``).
"""

import datetime
import re
import zipfile
from collections.abc import Iterator
from posixpath import join, normpath
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

_RELATIONSHIP = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
)
_COLUMN = re.compile(r"[A-Z]+")


class SheetProblem(Exception):
    """The workbook's structure cannot be read (the caller says why)."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _events(archive, name):
    try:
        source = archive.open(name)
    except KeyError as error:
        raise SheetProblem(name) from error
    with source:
        yield from iterparse(source, events=("end",))


def _first_sheet(archive) -> tuple[str, bool]:
    """The first sheet's member name, and whether dates count from 1904."""
    first, date1904 = None, False
    for _event, element in _events(archive, "xl/workbook.xml"):
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904", "0").lower() in ("1", "true")
        elif name == "sheet" and first is None:
            first = element.get(_RELATIONSHIP)
    if first is None:
        raise SheetProblem("no sheet")
    for _event, element in _events(archive, "xl/_rels/workbook.xml.rels"):
        if _local(element.tag) == "Relationship" and element.get("Id") == first:
            target = element.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/"), date1904
            return normpath(join("xl", target)), date1904
    raise SheetProblem("sheet target")


def _text(element) -> str:
    """A string item's text: its ``t`` and its runs' ``t``, not phonetic runs."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _shared_strings(archive, names) -> list[str]:
    member = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
    if member is None:
        return []
    strings = []
    for _event, element in _events(archive, member):
        if _local(element.tag) == "si":
            strings.append(_text(element))
            element.clear()
    return strings


def _date_styles(archive, names) -> set[int]:
    """Indexes of the cell styles whose number format is a date or time."""
    if "xl/styles.xml" not in names:
        return set()
    custom, formats, in_xfs = {}, [], False
    with archive.open("xl/styles.xml") as source:
        parsed = list(iterparse(source, ("start", "end")))
    for event, element in parsed:
        name = _local(element.tag)
        if name == "cellXfs":
            in_xfs = event == "start"
        elif event == "end" and name == "numFmt":
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif event == "end" and name == "xf" and in_xfs:
            formats.append(int(element.get("numFmtId", "0")))
    dates = set()
    for index, number in enumerate(formats):
        code = custom.get(number, BUILTIN_FORMATS.get(number, "General"))
        if is_date_format(code):
            dates.add(index)
    return dates


def _number(text: str):
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def sheet_rows(data) -> Iterator[tuple[int, dict[int, tuple[object, bool]]]]:
    """``(row number, {column index from 0: (value, is a formula)})`` of the
    first sheet, row by row, rows without cells left out."""
    try:
        archive = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetProblem("not a zip") from error
    try:
        names = set(archive.namelist())
        sheet, date1904 = _first_sheet(archive)
        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        strings = _shared_strings(archive, names)
        dates = _date_styles(archive, names)
        yield from _rows(archive, sheet, strings, dates, epoch)
    except SheetProblem:
        raise
    except (ParseError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise SheetProblem("damaged") from error
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as error:
        raise SheetProblem("unreadable value") from error
    finally:
        archive.close()


def _rows(archive, sheet, strings, dates, epoch):
    number = 0
    for _event, element in _events(archive, sheet):
        if _local(element.tag) != "row":
            continue
        number = int(element.get("r") or number + 1)
        cells, position = {}, -1
        for cell in element:
            if _local(cell.tag) != "c":
                continue
            reference = cell.get("r")
            if reference:
                letters = _COLUMN.match(reference).group()
                position = 0
                for letter in letters:
                    position = position * 26 + ord(letter) - 64
                position -= 1
            else:
                position += 1
            value = _value(cell, strings, dates, epoch)
            if value is not None:
                cells[position] = value
        element.clear()
        if cells:
            yield number, cells


def _value(cell, strings, dates, epoch):
    kind = cell.get("t", "n")
    raw, formula, inline = None, None, None
    for child in cell:
        name = _local(child.tag)
        if name == "v":
            raw = child.text
        elif name == "f":
            formula = child.text or ""
        elif name == "is":
            inline = child
    if formula is not None:
        return "=" + formula, True
    if kind == "inlineStr":
        return None if inline is None else (_text(inline), False)
    if raw is None:
        return None
    if kind == "s":
        return strings[int(raw)], False
    if kind in ("str", "e"):
        return raw, False
    if kind == "b":
        return bool(int(raw)), False
    if kind == "d":
        return from_ISO8601(raw), False
    value = _number(raw)
    if int(cell.get("s", "0")) in dates:
        value = from_excel(value, epoch)
        if isinstance(value, datetime.timedelta | datetime.time):
            return value, False
    return value, False
