"""Exports of a list page (导出): the rows the page lists, as a spreadsheet.

One export path for every list of the staff site. ``ExportMixin`` on a
viewflow ``ListModelView`` answers ``?_export=csv`` / ``?_export=xlsx`` (and
``?_export=csv&_encoding=gb18030``) on the list's own URL, so:

- the page's own access rule, login and URL guard apply unchanged (an export
  is a view of the list);
- the rows are the page's ``get_queryset()`` — scoped in SQL, with the
  filters, search and order the user has on screen — and the columns are the
  page's, headed by their Chinese labels;
- the file streams: csv through ``StreamingHttpResponse`` over
  ``queryset.iterator()``, xlsx through openpyxl's write-only workbook on a
  temporary file, so a long list never sits in memory;
- ID numbers are masked (``workflows.base.masking``), whatever column they
  turn up in;
- no cell is ever evaluated as a formula by Excel or WPS (``safe_text``);
- each export writes one ``SensitiveAccess`` row: who, when, which list, the
  format and the number of rows — never a value.
"""

import csv
import datetime
import decimal
import html
import re
import tempfile

from django.apps import apps
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeData
from django.utils.translation import gettext as _

from workflows.base.masking import mask_id_number

EXPORT_PARAM = "_export"
ENCODING_PARAM = "_encoding"
FORMATS = ("xlsx", "csv")
ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
CHUNK = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# a text cell starting with one of these is read as a formula (or DDE) by
# Excel, WPS or LibreOffice
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# ...unless it is a plain signed number, which stays as it is
SIGNED_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
# a resident ID number (18 characters, or the old 15 digits) anywhere in a text
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def safe_text(value: str) -> str:
    """``value`` so that no spreadsheet evaluates it: a text that would start
    a formula gets a leading apostrophe (OWASP's CSV-injection advice); a
    plain signed number ("-12.5") is left alone."""
    # what a spreadsheet may trim before it reads the cell: spaces, a BOM,
    # zero-width characters
    start = value.lstrip(" \u3000\ufeff\u200b\u200c\u200d\u2060")
    if start.startswith(FORMULA_START) and not SIGNED_NUMBER.fullmatch(start):
        return "'" + value
    return value


def mask_ids(value: str) -> str:
    """Every resident ID number in ``value``, masked."""
    return ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), value)


def plain(value):
    """A list cell as a spreadsheet value: numbers stay numbers, everything
    else becomes text without markup, ID numbers masked, formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    elif isinstance(value, SafeData):  # a link or a badge the page renders
        value = " ".join(html.unescape(strip_tags(value)).split())
    else:
        value = str(value)
    return safe_text(mask_ids(value))


class _Echo:
    """A file-like object whose ``write`` hands back what it is given, for
    ``csv.writer`` to produce one line at a time."""

    def write(self, value):
        return value


def csv_chunks(header, rows, encoding="utf-8-sig"):
    """The csv file, line by line, as bytes: UTF-8 with a byte-order mark
    (what Excel in China needs to read UTF-8) or GB 18030."""
    writer = csv.writer(_Echo())
    if encoding == "utf-8-sig":
        yield "\ufeff".encode()
        encoding = "utf-8"
    yield writer.writerow(header).encode(encoding, errors="replace")
    for row in rows:
        yield writer.writerow(row).encode(encoding, errors="replace")


def xlsx_file(header, rows, title="export"):
    """The xlsx file (a temporary file, positioned at its start), written by
    openpyxl's write-only workbook, row by row. Every text cell is written
    as a string cell (never a formula), already made ``safe_text``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", title)[:31])
    bold = Font(bold=True)

    def cell(value, font=None):
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # a string, even if it looked like a formula
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(str(h), bold) for h in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def log_export(request, *, record: str, case=None):
    """One ``SensitiveAccess`` row for an export (read through the app
    registry: this package sits below the models that hold the log)."""
    from roles.accounts.throttle import client_address

    SensitiveAccess = apps.get_model("workflows", "SensitiveAccess")
    return SensitiveAccess.objects.create(
        user=request.user,
        action=SensitiveAccess.Action.EXPORT,
        case=case,
        record=record[:100],
        ip_address=client_address(request),
    )


def export_response(request, *, header, rows, fmt, encoding, filename):
    """The download: csv streamed, xlsx from its temporary file."""
    if fmt == "csv":
        charset = "gb18030" if encoding == "gb18030" else "utf-8"
        response = StreamingHttpResponse(
            csv_chunks(header, rows, encoding),
            content_type=f"text/csv; charset={charset}",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"{filename}.csv"
        )
        return response
    return FileResponse(
        xlsx_file(header, rows, title=filename),
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_TYPE,
    )


def export_format(request):
    """``"xlsx"`` or ``"csv"`` when the request asks for an export, else None."""
    fmt = request.GET.get(EXPORT_PARAM, "")
    return fmt if fmt in FORMATS else None


def export_links(request, page_kwarg="page"):
    """(label, url) of a list's export buttons: the page's own query
    (filters, search, order) without its page number."""
    query = request.GET.copy()
    for key in (EXPORT_PARAM, ENCODING_PARAM, page_kwarg):
        query.pop(key, None)
    links = []
    for label, fmt, encoding in (
        (_("导出 Excel"), "xlsx", None),
        (_("导出 CSV"), "csv", None),
        (_("导出 CSV（GB18030）"), "csv", "gb18030"),
    ):
        q = query.copy()
        q[EXPORT_PARAM] = fmt
        if encoding:
            q[ENCODING_PARAM] = encoding
        links.append((label, f"{request.path}?{q.urlencode()}"))
    return links


def export_download(request, *, header, rows, count, title):
    """Log one export of ``count`` rows and answer with the file the request
    asks for (``export_format``); ``rows`` are already ``plain``."""
    fmt = export_format(request)
    encoding = ENCODINGS.get(request.GET.get(ENCODING_PARAM), ENCODINGS["utf-8"])
    query = request.GET.copy()
    query.pop(EXPORT_PARAM, None)
    where = request.path + (f"?{query.urlencode()}" if query else "")
    # stored data, the same whatever the exporter's language
    log_export(request, record=f"{fmt}，{count} 行：{where}")
    return export_response(
        request,
        header=[str(h) for h in header],
        rows=rows,
        fmt=fmt,
        encoding=encoding,
        filename=f"{title}-{timezone.localtime():%Y%m%d-%H%M}",
    )


class ExportMixin:
    """Export buttons and downloads for a viewflow ``ListModelView``.

    ``export_columns``: the columns of the file (default: the page's, less
    ``export_exclude`` — buttons and the like), read as the page reads them,
    a choice field as its label, markup stripped (``plain``)."""

    template_name = "workflows/list.html"
    export_columns = None
    export_exclude = ()

    def remember_list(self):
        """Not the list to come back to: a download (``RememberListMixin``)."""
        return export_format(self.request) is None

    def get_export_columns(self):
        names = self.export_columns or [
            c for c in self.get_columns() if c not in self.export_exclude
        ]
        return [self.get_column_def(name) for name in names]

    def export_rows(self, queryset, columns):
        readers = []
        for column in columns:
            choices = dict(
                getattr(getattr(column, "model_field", None), "flatchoices", None) or ()
            )
            if choices:
                readers.append(
                    lambda obj, c=column, ch=choices: ch.get(c.get_value(obj), "")
                )
            else:
                readers.append(column.get_value)
        for obj in queryset.iterator(chunk_size=CHUNK):
            yield [plain(read(obj)) for read in readers]

    def get(self, request, *args, **kwargs):
        if export_format(request) is None:
            return super().get(request, *args, **kwargs)
        queryset = self.get_queryset()
        columns = self.get_export_columns()
        return export_download(
            request,
            header=[column.header() for column in columns],
            rows=self.export_rows(queryset, columns),
            count=queryset.count(),
            title=str(getattr(self, "title", "") or self.model._meta.verbose_name),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            export_links=export_links(self.request, self.page_kwarg), **kwargs
        )
