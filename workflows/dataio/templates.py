"""The downloadable template of an import kind: an xlsx with its Chinese
headers, a row of hints and an example, every column formatted as text (so
that Excel keeps an ID number's 18 digits)."""

import io

from django.utils.translation import gettext as _

from .kinds import ImportKind


def template_xlsx(kind: ImportKind) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = str(kind.title)[:31]
    sheet.append([c.header for c in kind.columns])
    for row in kind.example:
        sheet.append(list(row))
    for position, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        sheet.column_dimensions[letter].number_format = "@"
        for cell in sheet[letter]:
            cell.number_format = "@"
        header = sheet.cell(row=1, column=position)
        header.font = Font(bold=True, color="B71C1C" if column.required else "000000")
    notes = book.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("是否必填"), _("说明")])
    for column in kind.columns:
        notes.append(
            [column.header, _("必填") if column.required else "", str(column.hint)]
        )
    notes.append([])
    notes.append([str(kind.description)])
    notes.append([_("只读取第一个工作表；第1行为表头，示例行请在导入前删除。")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
