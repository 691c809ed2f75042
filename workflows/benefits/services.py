"""Writing the benefit in force: the one way every programme does it."""

import datetime

from django.db import transaction

from .models import Benefit


@transaction.atomic
def benefit_grant(
    *,
    case,
    persons: int,
    monthly_amount,
    start_month: datetime.date,
    legal_basis: str,
    member=None,
) -> Benefit:
    """A case decided to give its household assistance from ``start_month``
    (the first of a month): put it in force, with the basis in words."""
    benefit = Benefit(
        case=case,
        kind=case.kind,
        household=case.household,
        region=case.region,
        member=member,
        persons=persons,
        monthly_amount=monthly_amount,
        start_month=start_month.replace(day=1),
        legal_basis=legal_basis,
    )
    benefit.full_clean()
    benefit.save()
    return benefit
