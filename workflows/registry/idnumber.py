"""Resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd for men, even for women), and a check character computed over the first
17 digits (ISO 7064 MOD 11-2), ``X`` standing for 10.

Every number entering the system goes through ``normalize`` first (the model
and form fields in ``registry/fields.py`` do it on every write and lookup), so
one person has one spelling: full-width or other-script digits, spaces and
invisible characters, or a lower-case ``x`` cannot make a second person out
of the same number. What is still not ASCII afterwards is refused.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
LENGTH = 18
_PATTERN = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
# Unicode categories dropped wherever they appear: separators (spaces of every
# width, line and paragraph separators) and format characters (zero-width
# space and joiners, the byte-order mark, soft hyphen).
_DROPPED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf"})


def normalize(value: str | None) -> str:
    """The one spelling of an identity number.

    NFKC (full-width characters become ASCII), then every Unicode decimal
    digit becomes its ASCII digit (NFKC leaves Arabic-Indic, Devanagari and
    other scripts' digits alone), all whitespace and invisible format
    characters are dropped, and ``x`` becomes ``X``. Anything else is kept
    as it is, for the validator to refuse.
    """
    if value and value.isascii() and value.isalnum() and "x" not in value:
        # already in its one spelling (the common case: an import checks
        # hundreds of thousands of numbers, each several times)
        return value
    result = []
    for char in unicodedata.normalize("NFKC", value or ""):
        if char.isspace() or unicodedata.category(char) in _DROPPED_CATEGORIES:
            continue
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            result.append(str(digit))
        elif char == "x":
            result.append("X")
        else:
            result.append(char)
    # dropping a space may leave a combining mark next to a letter: compose
    # again, so that a normalised value normalises to itself
    return unicodedata.normalize("NFKC", "".join(result))


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def sex(value: str) -> str:
    """``M`` or ``F`` from the sequence digit."""
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str) -> None:
    """Raise ValidationError (in the user's language) unless ``value``,
    normalised, is a valid number."""
    value = normalize(value)
    if not value.isascii():
        strange = "".join(dict.fromkeys(c for c in value if not c.isascii()))
        raise ValidationError(
            _("身份证号码含有无法识别的字符（%(chars)s），请只填写数字和字母X。"),
            code="characters",
            params={"chars": strange},
        )
    if not _PATTERN.fullmatch(value):
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
