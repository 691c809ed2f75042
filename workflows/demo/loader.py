"""Load the demo households: each taken through the real flow to its stage."""

import json
from decimal import Decimal

from django.contrib.auth import get_user_model

from ..base.context import on_behalf_of
from ..benefits.models import Benefit
from ..benefits.services import add_months, benefit_amount_change
from ..dibao.models import Application
from .base import DEMO
from .dibao import apply, drive
from .escalation import escalate
from .hotline import call_through


def load_households():
    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}
    specs = json.loads((DEMO / "households.json").read_text(encoding="utf-8"))[
        "households"
    ]
    created = 0
    for spec in specs:
        head = spec["members"][0]["name"]
        if Application.objects.filter(
            applicant__name=head, region__code=spec["village"]
        ).exists():
            continue
        if "call" in spec:  # the application answers a hotline call
            spec = {**spec, "origin": call_through(spec["call"], "verified")}
        case = apply(spec, users)
        if spec["stage"].startswith("escalation_"):
            drive(case, "opinion")
            escalate(Application.objects.get(pk=case.pk), spec["stage"], spec)
        else:
            drive(case, spec["stage"])
        if "amount_change" in spec:
            _change_amount(case, spec["amount_change"], users)
        created += 1
    return created


def _change_amount(case, change, users):
    """A later decision on the household's amount (a review's increase), as
    the demo's district supervisor: the amounts over time on its page."""
    benefit = Benefit.objects.get(case=case)
    user = users[change["user"]]
    with on_behalf_of(user):
        benefit_amount_change(
            benefit=benefit,
            from_month=add_months(benefit.start_month, change["months_after_start"]),
            monthly_amount=Decimal(change["monthly_amount"]),
            persons=benefit.persons,
            reason=change["reason"],
            user=user,
        )
