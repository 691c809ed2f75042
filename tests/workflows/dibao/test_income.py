"""The income calculation: a pure function of the household snapshot."""

from decimal import Decimal

import pytest

from workflows.dibao.income import RULE_VERSION, calculate


def standard(**overrides):
    values = {
        "monthly_standard": "800.00",
        "marginal_multiplier": "1.50",
        "financial_assets_limit_per_capita": "19200.00",
        "vehicle_value_limit": "0.00",
        "housing_units_limit": 1,
        "business_assets_limit": "0.00",
        "rounding": "yuan",
    }
    values.update(overrides)
    return values


def member(pk, name="成员", included=True, grade=0, kind="", illness=False):
    return {
        "id": pk,
        "name": name,
        "included": included,
        "excluded_reason": "" if included else "prison",
        "disability_grade": grade,
        "disability_kind": kind,
        "major_illness": illness,
    }


def income(pk, amount, counted=True, kind="wage"):
    return {
        "member": pk,
        "type": kind,
        "name": kind,
        "counted": counted,
        "monthly_amount": str(amount),
    }


def run(members, incomes=(), deductions=(), assets=(), **std):
    return calculate(
        {
            "standard": standard(**std),
            "members": members,
            "incomes": list(incomes),
            "deductions": list(deductions),
            "assets": list(assets),
        }
    )


def rules(result):
    return [line.rule for line in result.lines]


def test_zero_income_gets_the_full_standard_per_person():
    result = run([member(1), member(2)])
    assert result.outcome == "eligible"
    assert result.per_capita_income == "0.00"
    assert result.monthly_amount == "1600.00"
    assert "amount" in rules(result)


def test_income_exactly_at_the_standard_is_not_below_it():
    result = run([member(1)], [income(1, "800.00")])
    assert result.outcome == "marginal"  # < 1.5 × standard, but not below it
    assert result.monthly_amount == "0.00"


def test_just_below_the_standard_is_eligible():
    result = run([member(1)], [income(1, "799.99")])
    assert result.outcome == "eligible"
    assert result.monthly_amount == "0.00"  # 0.01 rounds to 0 yuan


def test_not_counted_income_types_are_ignored():
    result = run(
        [member(1), member(2)],
        [income(1, "1000"), income(2, "2000", counted=False, kind="basic_pension")],
    )
    assert result.counted_income == "1000.00"
    assert result.per_capita_income == "500.00"
    assert result.monthly_amount == "600.00"
    assert "income_not_counted" in rules(result)


def test_deductions_reduce_income():
    result = run(
        [member(1), member(2)],
        [income(1, "2000")],
        deductions=[{"member": 2, "kind": "medical", "monthly_amount": "600"}],
    )
    assert result.net_income == "1400.00"
    assert result.per_capita_income == "700.00"
    assert result.monthly_amount == "200.00"


def test_deductions_never_make_income_negative():
    result = run(
        [member(1)],
        [income(1, "100")],
        deductions=[{"member": 1, "kind": "medical", "monthly_amount": "900"}],
    )
    assert result.net_income == "0.00"


def test_property_over_the_limit_makes_the_household_ineligible():
    result = run(
        [member(1)],
        assets=[
            {"kind": "financial", "value": "20000", "quantity": 1, "exempt": False}
        ],
    )
    assert result.property_ok is False
    assert result.outcome == "not_eligible"


def test_exempt_vehicle_is_not_counted_but_others_are():
    exempt = {"kind": "vehicle", "value": "5000", "quantity": 1, "exempt": True}
    car = {"kind": "vehicle", "value": "30000", "quantity": 1, "exempt": False}
    assert run([member(1)], assets=[exempt]).property_ok is True
    assert run([member(1)], assets=[exempt, car]).property_ok is False


def test_second_house_exceeds_the_housing_limit():
    house = {"kind": "housing", "value": "100000", "quantity": 2, "exempt": False}
    assert run([member(1)], assets=[house]).property_ok is False


@pytest.mark.parametrize(
    "rounding, expected",
    [
        ("yuan", "1133.00"),
        ("yuan_up", "1134.00"),
        ("jiao", "1133.30"),
        ("fen", "1133.34"),
    ],
)
def test_rounding_is_a_parameter(rounding, expected):
    result = run(
        [member(1), member(2), member(3)],
        [income(1, "1400.00")],
        monthly_standard="844.45",
        rounding=rounding,
    )
    # per-capita 466.67; (844.45 − 466.67) × 3 = 1133.34
    assert result.per_capita_income == "466.67"
    assert result.monthly_amount == expected


def test_household_of_one():
    result = run([member(1)], [income(1, "300")])
    assert result.household_size == 1
    assert result.monthly_amount == "500.00"


def test_excluded_members_are_not_counted_nor_their_income():
    result = run(
        [member(1), member(2, included=False)],
        [income(1, "200"), income(2, "5000")],
    )
    assert result.household_size == 1
    assert result.counted_income == "200.00"
    assert "member_excluded" in rules(result)


def test_marginal_household_lists_single_person_candidates():
    result = run(
        [
            member(1, "户主", grade=1, kind="physical"),
            member(2, "配偶"),
            member(3, "子女", grade=3, kind="intellectual"),
            member(4, "父亲", grade=3, kind="physical"),
            member(5, "母亲", illness=True),
        ],
        [income(2, "4500")],
    )
    # per-capita 900: above 800, below 1200
    assert result.outcome == "marginal"
    names = [c["name"] for c in result.single_candidates]
    assert names == ["户主", "子女", "母亲"]  # grade-3 physical does not qualify
    assert result.single_candidates[0]["monthly_amount"] == "800.00"


def test_single_candidate_amount_deducts_own_income():
    result = run(
        [member(1, "户主", grade=2, kind="visual"), member(2, "配偶")],
        [income(1, "300"), income(2, "1500")],
    )
    assert result.outcome == "marginal"
    assert result.single_candidates[0]["monthly_amount"] == "500.00"


def test_above_the_marginal_threshold_is_not_eligible_and_no_candidates():
    result = run([member(1, grade=1, kind="physical")], [income(1, "1300")])
    assert result.outcome == "not_eligible"
    assert result.single_candidates == []


def test_every_result_explains_itself_and_is_repeatable():
    inputs = {
        "standard": standard(),
        "members": [member(1)],
        "incomes": [income(1, "100")],
        "deductions": [],
        "assets": [],
    }
    first, second = calculate(inputs), calculate(inputs)
    assert first.as_dict() == second.as_dict()
    assert first.lines[-1].rule == "outcome"
    assert all(line.basis for line in first.lines)
    assert RULE_VERSION


def test_amounts_are_decimal_strings():
    result = run([member(1)], [income(1, "123.456")])
    assert Decimal(result.per_capita_income) == Decimal("123.46")
