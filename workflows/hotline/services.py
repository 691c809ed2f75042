"""Writes of the hotline process: one function per step, keyword-only."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.models import Level

from ..core.services import visit_refusal
from .models import Call

Stage = Call.Stage


def call_register(*, call: Call, user, region, **values):
    """登记来电. ``call`` is the unsaved process of the start activation;
    ``region`` the village or community of the address."""
    if region is None or region.level != Level.VILLAGE:
        raise ValidationError({"region": _("请选择住址所在的村（社区）。")})
    if not user.has_perm("workflows.register_call", region):
        raise PermissionDenied(_("该村（社区）不在您受理热线的区域内。"))
    for name, value in values.items():
        setattr(call, name, value)
    call.region = region
    call.registered_by = user
    call.opened_on = timezone.localdate()
    call.stage = Stage.DISPATCH
    call.full_clean(exclude=["flow_class"])
    return call


def call_dispatch(*, call: Call, user, region, note):
    """转办: to the town or street that covers the village of the address."""
    if region.level != Level.VILLAGE:
        raise ValidationError({"region": _("请选择住址所在的村（社区）。")})
    if not user.has_perm("workflows.dispatch_call", region):
        raise ValidationError({"region": _("该村（社区）不在您受理热线的区域内。")})
    call.region = region
    call.town = region.parent
    call.dispatch_note = note
    call.dispatched_on = timezone.localdate()
    call.dispatched_by = user
    call.stage = Stage.VERIFICATION
    call.full_clean(exclude=["flow_class"])
    call.save()
    return call


def call_verify(
    *, call: Call, user, visited_on, investigator_1, investigator_2, findings, verdict
):
    """入户核实 by two of the town's staff; what they found."""
    errors = {}
    if investigator_1 == investigator_2:
        errors["investigator_2"] = _("入户核实须由两名不同的工作人员进行。")
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("核实日期不能晚于今天。")
    elif call.dispatched_on and visited_on < call.dispatched_on:
        errors["visited_on"] = _("核实日期不能早于转办日期（%(day)s）。") % {
            "day": call.dispatched_on.isoformat()
        }
    for name, person in (
        ("investigator_1", investigator_1),
        ("investigator_2", investigator_2),
    ):
        why = visit_refusal(person, call)
        if why:
            errors[name] = why
    if errors:
        raise ValidationError(errors)
    call.visited_on = visited_on
    call.investigator_1 = investigator_1
    call.investigator_2 = investigator_2
    call.findings = findings
    call.verdict = verdict
    call.stage = Stage.ANSWER
    call.full_clean(exclude=["flow_class"])
    call.save()
    return call


def call_answer(*, call: Call, user, answered_on, answer, satisfaction):
    """回访: what the caller was told; the outcome follows from the cases the
    call led to (an application or an escalation linked to it)."""
    if answered_on > timezone.localdate():
        raise ValidationError({"answered_on": _("回访日期不能晚于今天。")})
    if call.visited_on and answered_on < call.visited_on:
        raise ValidationError(
            {
                "answered_on": _("回访日期不能早于入户核实日期（%(day)s）。")
                % {"day": call.visited_on.isoformat()}
            }
        )
    call.answered_on = answered_on
    call.answer = answer
    call.satisfaction = satisfaction
    call.answered_by = user
    call.outcome = call.current_outcome()
    call.stage = Stage.CLOSED
    call.full_clean(exclude=["flow_class"])
    call.save()
    return call
