"""The 低保 amount calculated again for a benefit in force (periodic review,
change report, standard raise): the same pure calculation (``income``) on
the household as it stands today and the standard in force on the date."""

import datetime
from decimal import Decimal

from ...benefits.recalc import Recalculation
from .. import explain, income, selectors
from ..models import Application


def benefit_recalculate(
    *, application: Application, benefit, on: datetime.date, findings=()
) -> Recalculation:
    """``benefit`` (decided by ``application``) on the standard in force on
    ``on``. A benefit covering one member (单人保) is that member's own
    amount when the member still qualifies, nothing otherwise."""
    standard = selectors.standard_for(application, on)
    inputs = selectors.snapshot_inputs(application, standard)
    inputs["findings"] = list(findings)
    result = income.calculate(inputs)
    outcome = result.outcome
    amount = Decimal(result.monthly_amount)
    persons = result.household_size
    if benefit.member_id:
        single = next(
            (c for c in result.single_candidates if c["member"] == benefit.member_id),
            None,
        )
        persons = 1
        if single is None:
            amount, outcome = Decimal("0"), "not_eligible"
        else:
            amount, outcome = Decimal(single["monthly_amount"]), "eligible"
    data = result.as_dict()
    return Recalculation(
        outcome=outcome,
        monthly_amount=amount,
        persons=persons,
        per_capita_income=Decimal(result.per_capita_income),
        standard_id=standard.pk,
        rule_version=income.RULE_VERSION,
        lines=[explain.describe(line) for line in data["lines"]],
        inputs=inputs,
        result=data,
    )
