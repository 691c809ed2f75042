"""GB 11643 resident identity numbers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.base.masking import mask_id_number
from workflows.registry import idnumber

# A published GB 11643 example whose check character is X.
GOOD_X = "11010519491231002X"


def test_valid_number_with_x_check_character():
    idnumber.validate_id_number(GOOD_X)
    assert idnumber.birth_date(GOOD_X) == datetime.date(1949, 12, 31)
    assert idnumber.sex(GOOD_X) == "F"


def test_generated_numbers_validate_and_carry_sex():
    number = idnumber.make_id_number("370402", datetime.date(1980, 5, 6), 123)
    idnumber.validate_id_number(number)
    assert idnumber.sex(number) == "M"


def test_bad_check_digit_is_refused():
    bad = GOOD_X[:-1] + "1"
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(bad)
    assert exc.value.code == "check_digit"


def test_lower_case_x_is_accepted_and_normalised():
    lower = GOOD_X.lower()
    idnumber.validate_id_number(lower)
    assert idnumber.normalize(lower) == GOOD_X


def test_impossible_date_is_refused():
    first17 = "37040219900230123"  # 30 February
    number = first17 + idnumber.check_char(first17)
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(number)
    assert exc.value.code == "birth_date"


def test_future_birth_date_is_refused():
    first17 = "37040220990101123"
    number = first17 + idnumber.check_char(first17)
    with pytest.raises(ValidationError):
        idnumber.validate_id_number(number)


@pytest.mark.parametrize(
    "value", ["", "12345", "37040219900101123Y", "3704021990010112345"]
)
def test_wrong_format_is_refused(value):
    with pytest.raises(ValidationError):
        idnumber.validate_id_number(value)


def test_mask_keeps_first_and_last_four():
    assert mask_id_number(GOOD_X) == "1101**********002X"
    assert mask_id_number("") == ""


# --- one spelling per number (security review, finding 3) -------------------

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@pytest.mark.parametrize(
    "spelled",
    [
        GOOD_X.translate(FULL_WIDTH),
        GOOD_X.translate(ARABIC_INDIC),
        GOOD_X.translate(DEVANAGARI),
        GOOD_X[:-1] + "ｘ",
        "\u00a0" + GOOD_X[:6] + "\u3000" + GOOD_X[6:14] + "\u200b" + GOOD_X[14:],
        "\ufeff" + GOOD_X[:9] + " \t" + GOOD_X[9:].lower() + "\u2060",
    ],
    ids=["full-width", "arabic-indic", "devanagari", "full-width x", "spaces", "bom"],
)
def test_every_spelling_of_a_number_normalises_to_ascii(spelled):
    assert idnumber.normalize(spelled) == GOOD_X
    idnumber.validate_id_number(spelled)


def test_what_is_still_not_ascii_is_refused_in_chinese():
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(GOOD_X[:5] + "三" + GOOD_X[6:])
    assert exc.value.code == "characters"
    assert "无法识别的字符（三）" in exc.value.messages[0]


def test_a_check_character_that_only_looks_like_x_is_refused():
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(GOOD_X[:-1] + "×")  # multiplication sign
    assert exc.value.code == "characters"


# Property-based: any number, in any mixture of digit scripts, spaces and
# invisible characters, is the same number; nothing else passes as one.

DIGIT_SCRIPTS = ["0", "０", "٠", "۰", "०", "০", "๐", "𝟎"]  # each script's zero
NOISE = ["", " ", "\u3000", "\u00a0", "\u200b", "\ufeff", "\t"]


@st.composite
def valid_numbers(draw):
    born = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)))
    area = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    return idnumber.make_id_number(area, born, draw(st.integers(0, 999)))


@st.composite
def spellings(draw, number, noise=NOISE):
    out = []
    for char in number:
        out.append(draw(st.sampled_from(noise)))
        if char == "X":
            out.append(draw(st.sampled_from("XxＸｘ")))
        else:
            zero = draw(st.sampled_from(DIGIT_SCRIPTS))
            out.append(chr(ord(zero) + int(char)))
    return "".join(out)


@settings(deadline=None, max_examples=200)
@given(st.data())
def test_any_spelling_of_a_valid_number_is_that_number(data):
    number = data.draw(valid_numbers())
    spelled = data.draw(spellings(number))
    assert idnumber.normalize(spelled) == number
    idnumber.validate_id_number(spelled)


@settings(deadline=None, max_examples=300)
@given(
    st.one_of(
        st.text(),
        valid_numbers().flatmap(spellings),
        valid_numbers().flatmap(lambda n: spellings(n, noise=[""])),
    )
)
def test_whatever_passes_validation_is_its_ascii_normal_form(text):
    normal = idnumber.normalize(text)
    assert idnumber.normalize(normal) == normal  # idempotent
    try:
        idnumber.validate_id_number(text)
    except ValidationError:
        return
    assert normal.isascii() and len(normal) == 18
    assert normal[:17].isdigit() and normal[17] in "0123456789X"
