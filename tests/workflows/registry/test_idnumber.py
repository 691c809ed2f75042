"""GB 11643 resident identity numbers."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from workflows.core.masking import mask_id_number
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
