"""The 低保 answer to the spine's recalculation hook (periodic review, change
reports, standard raises): the same calculation, on the household as it
stands and the standard in force on the date asked."""

import datetime
from decimal import Decimal

from roles.models import Region
from tests.factories import DISTRICT
from workflows.base.context import because
from workflows.benefits.models import Benefit, BenefitAmount, RegisterEntry
from workflows.standards.models import AssistanceStandard

from .desk import (
    Desk,
    accept,
    calculate,
    decide,
    investigate,
    propose,
    review,
    submit,
    through_notice,
)


def approved(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    review(cast, case, "confirm")
    decide(cast, case, "approve")
    return case, Benefit.objects.get(case=case)


def test_a_decided_benefit_has_its_first_amount_register_entry_and_review_date(cast):
    case, benefit = approved(cast)
    first = BenefitAmount.objects.get(benefit=benefit)
    assert (first.from_month, first.monthly_amount, first.persons) == (
        benefit.start_month,
        Decimal("700.00"),
        2,
    )
    assert benefit.amount_for(benefit.start_month) == first
    assert benefit.amount_for(benefit.start_month - datetime.timedelta(days=1)) is None
    entry = RegisterEntry.objects.get(household=case.household, ended_on__isnull=True)
    assert (entry.category, entry.kind) == ("recipient", "dibao")
    assert entry.benefit == benefit
    # stable households are reviewed yearly (the sample interval: 12 months)
    assert benefit.next_review_on == benefit.start_month.replace(
        year=benefit.start_month.year + 1
    )


def test_recalculation_follows_the_standard_in_force_on_the_date(cast):
    case, benefit = approved(cast)
    today = benefit.start_month
    same = case.recalculate_benefit(benefit, on=today)
    assert (same.outcome, same.monthly_amount, same.persons) == (
        "eligible",
        Decimal("700.00"),
        2,
    )
    assert same.lines and all(line["text"] for line in same.lines)
    # a new rural standard of 1,000 from next year: (1000 − 450) × 2
    district = Region.objects.get(code=DISTRICT)
    current = AssistanceStandard.objects.in_force(today).get(
        district=district, area=case.household.area
    )
    raised_from = datetime.date(today.year + 1, 1, 1)
    with because("提标"):
        current.valid_to = raised_from - datetime.timedelta(days=1)
        current.save()
        current.pk = None
        current.valid_from, current.valid_to = raised_from, None
        current.monthly_standard = Decimal("1000.00")
        current.save()
    raised = case.recalculate_benefit(benefit, on=raised_from)
    assert raised.monthly_amount == Decimal("1100.00")
    assert raised.standard_id == current.pk
    # the date before the raise still reads the old standard
    assert case.recalculate_benefit(benefit, on=today).monthly_amount == Decimal(
        "700.00"
    )
