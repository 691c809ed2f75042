"""Load the demo households: each taken through the real flow to its stage."""

import json

from django.contrib.auth import get_user_model

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
        created += 1
    return created
