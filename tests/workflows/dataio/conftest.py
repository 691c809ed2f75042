"""Files of the registry import, built in every format the reader takes."""

import codecs
import csv
import datetime
import io

from openpyxl import Workbook

from tests.workflows.dibao.desk import cast  # noqa: F401  (fixture)
from workflows.dataio.registry import HOUSEHOLDS
from workflows.registry.idnumber import make_id_number

HEADERS = [c.header for c in HOUSEHOLDS.columns]
SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋"


def member_file(members=1000, *, villages=("370402106201", "370402106202"), start=0):
    """Rows of ``members`` members in households of two or three; every ID
    number valid and unique. Returns (rows, the ID numbers in row order)."""
    rows, numbers = [], []
    n = 0
    household = 0
    while n < members:
        household += 1
        size = min(2 + household % 2, members - n)
        for position in range(size):
            born = datetime.date(1950 + (start + n) % 60, 1 + n % 12, 1 + n % 28)
            number = make_id_number("370402", born, (start + n) % 1000)
            head = position == 0
            rows.append(
                [
                    f"H{household}",
                    villages[household % len(villages)] if head else "",
                    f"第{household}号" if head else "",
                    "农村" if head else "",
                    "13800000000" if head else "",
                    SURNAMES[n % 10] + GIVEN[(n // 10) % 10],
                    number,
                    "户主" if head else ("配偶" if position == 1 else "子女"),
                    "",
                    "",
                    "0",
                    "",
                    "否",
                    "",
                    "务农",
                    "",
                ]
            )
            numbers.append(number)
            n += 1
    return rows, numbers


def as_xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows, encoding, headers=HEADERS) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.getvalue().encode("utf-8")
    return text.getvalue().encode(encoding)


def in_format(rows, fmt) -> tuple[bytes, str]:
    if fmt == "xlsx":
        return as_xlsx(rows), "members.xlsx"
    return as_csv(rows, fmt), "members.csv"
