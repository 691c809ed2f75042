"""The hotline part of the demo: calls taken to a stage."""

import json

from django.contrib.auth import get_user_model
from django.utils import timezone

from roles.models import Region

from ..core.services import run_task, start_flow
from ..hotline import services as hotline
from ..hotline.flows import HotlineFlow
from ..hotline.forms import RegisterForm
from ..hotline.models import Call
from .base import DEMO, open_task, second_investigator, user_for


def _user(username):
    return get_user_model().objects.get(username=username)


def call_through(spec, target):
    """Register a call and take it to ``target`` (dispatch, verification,
    verified, answered). Returns the call."""
    region = Region.objects.get(code=spec["village"])
    operator = user_for_call(region)
    # what the register form asks for, as an operator would type it
    values = {k: spec[k] for k in RegisterForm.Meta.fields if k != "region"}
    process = start_flow(
        node=HotlineFlow.register,
        user=operator,
        step=lambda a: hotline.call_register(
            call=a.process, user=operator, region=region, **values
        ),
    )
    call = Call.objects.get(pk=process.pk)
    if target == "dispatch":
        return call
    run_task(
        task=open_task(call, HotlineFlow.dispatch),
        user=operator,
        step=lambda a: hotline.call_dispatch(
            call=a.process, user=operator, region=region, note="请入户核实并反馈。"
        ),
    )
    if target == "verification":
        return call
    caseworker = user_for(call, "town_caseworker")
    second = second_investigator(call, caseworker)
    run_task(
        task=open_task(call, HotlineFlow.verify),
        user=caseworker,
        step=lambda a: hotline.call_verify(
            call=a.process,
            user=caseworker,
            visited_on=timezone.localdate(),
            investigator_1=caseworker,
            investigator_2=second,
            findings=spec.get("findings", "入户核实，反映情况属实。"),
            verdict="true",
        ),
    )
    if target == "verified":
        return call
    answer(call)
    return call


def user_for_call(region):
    User = get_user_model()
    from roles.scope import ancestor_paths

    return (
        User.objects.filter(
            posts__role__code="hotline_operator",
            posts__region__path__in=ancestor_paths(region.path),
        )
        .order_by("-posts__region__path")
        .first()
    )


def answer(call):
    operator = user_for_call(call.region)
    run_task(
        task=open_task(call, HotlineFlow.answer),
        user=operator,
        step=lambda a: hotline.call_answer(
            call=a.process,
            user=operator,
            answered_on=timezone.localdate(),
            answer="已告知核实结果和办理情况。",
            satisfaction="satisfied",
        ),
    )


def load_calls():
    """Calls that led to no application yet: one waiting to be dispatched,
    one at the town for verification, one answered."""
    specs = json.loads((DEMO / "calls.json").read_text(encoding="utf-8"))["calls"]
    created = 0
    for spec in specs:
        if Call.objects.filter(caller_phone=spec["caller_phone"]).exists():
            continue
        call_through(spec, spec["stage"])
        created += 1
    return created
