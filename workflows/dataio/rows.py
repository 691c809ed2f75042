"""Reading the cells of one row for an import, every problem collected.

``RowReader`` is the row as an import kind sees it: a formula cell is a
problem and reads as missing, a required empty cell is a problem, a parser's
``CellError`` is a problem of that column; ``ok`` says whether the row is
still good. A model's own validation (``clean_fields``/``clean``) is
reported through ``model_errors`` against the columns the fields came from.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .cells import CellError, Problems
from .files import Row


class RowReader:
    def __init__(self, row: Row, problems: Problems, *, report: bool = True):
        self.row = row
        self.problems = problems
        self.report = report
        self.ok = True
        for column in sorted(row.formulas):
            self.problem(
                column,
                _("单元格含有公式（以“=”“@”“+”“-”开头），请改为直接填写数值或文字。"),
            )
        for column, message in row.problems:
            self.problem(column, message)

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        if self.report:
            self.problems.add(self.row.number, column, message)

    def text(self, column: str, *, required: bool = False) -> str:
        if column in self.row.formulas:
            return ""
        value = self.row[column]
        if required and not value:
            self.problem(column, _("必填项为空。"))
        return value

    def parse(self, column: str, parser, *, required: bool = False, default=None):
        value = self.text(column, required=required)
        if not value:
            return default
        try:
            return parser(value)
        except CellError as error:
            self.problem(column, error.message)
            return default

    def model_errors(self, error: ValidationError, columns: dict[str, str]) -> None:
        """A model's ValidationError, each field's messages on its column."""
        for field, messages in error.message_dict.items():
            column = columns.get(field, "")
            for message in messages:
                self.problem(column, message)
