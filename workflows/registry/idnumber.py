"""Resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd for men, even for women), and a check character computed over the first
17 digits (ISO 7064 MOD 11-2), ``X`` standing for 10.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalize(value: str) -> str:
    """Strip spaces and upper-case a trailing ``x``."""
    return (value or "").strip().replace(" ", "").upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def sex(value: str) -> str:
    """``M`` or ``F`` from the sequence digit."""
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str) -> None:
    """Raise ValidationError (in the user's language) unless ``value`` is valid."""
    value = normalize(value)
    if not _PATTERN.match(value):
        raise ValidationError(
            _("身份证号码应为18位，前17位为数字，最后一位为数字或X。"), code="format"
        )
    try:
        born = birth_date(value)
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期（%(digits)s）不是有效日期。"),
            code="birth_date",
            params={"digits": value[6:14]},
        ) from None
    if born > timezone.localdate() or born.year < 1900:
        raise ValidationError(
            _("身份证号码中的出生日期（%(date)s）不合理。"),
            code="birth_date",
            params={"date": born.isoformat()},
        )
    if check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("身份证号码校验位错误，请核对后重新输入。"), code="check_digit"
        )


def make_id_number(address_code: str, born: datetime.date, seq: int) -> str:
    """Build a valid number (demo data and tests)."""
    first17 = f"{address_code[:6]}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_char(first17)
