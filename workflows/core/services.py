"""Services shared by every flow: deadlines and running a human task."""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowRuntimeError

from ..base.context import on_behalf_of
from .locks import lock_task


def run_task(*, task, user, step):
    """Complete a human task as ``user`` outside a web request.

    Takes the case lock as the web views do (the case's process row, then the
    task row, re-read under it), assigns the task to ``user`` when it sits in
    the queue, checks the same permissions the web views check, calls
    ``step(activation)`` for the domain writes and completes the task.
    Used by demo data, the benchmark and tests of the service layer.
    """
    flow_task = task.flow_task
    flow_class = flow_task.flow_class
    with (
        on_behalf_of(user),
        flow_class.lock(task.process_id),
        transaction.atomic(),
    ):
        lock_task(task)
        activation = flow_task.activation_class(task)
        if task.owner_id is None:
            if not flow_task.can_assign(user, task):
                raise PermissionDenied(flow_task.refusal_reason(user, task))
            activation.assign(user)
        if not flow_task.can_execute(user, task):
            raise PermissionDenied(flow_task.refusal_reason(user, task, True))
        activation.start(None)
        result = step(activation)
        activation.execute()
        return result


def start_flow(*, node, user, step):
    """Start a process at the start ``node`` as ``user`` outside a web request;
    ``step(activation)`` fills the process in. Returns the saved process.

    The new case's row is locked by the start activation once saved (nobody
    else can see it before the commit); a step that changes another case
    locks that case itself (e.g. ``escalation_refer`` its source)."""
    if not node.can_execute(user):
        raise PermissionDenied(_("您无权发起此业务。"))
    activation = node.activation_class.create(node, None, None)
    with on_behalf_of(user), transaction.atomic():
        activation.start(SimpleNamespace(user=user))
        step(activation)
        activation.execute()
    return activation.process


VISIT = "workflows.visit_case"


def visit_refusal(person, case):
    """Why ``person`` may not be one of the two people of a home visit on
    ``case`` (入户调查 / 入户核实), or None: their role must take part in
    visits in a post covering the case (or hold a grant of it), and the
    separation of duties must not exclude them."""
    if person is None:
        return None
    name = person.get_full_name() or person.username
    if not person.is_active or not person.has_perm(VISIT, case):
        return _(
            "%(name)s 不是本案所在村（社区）可参加入户调查的工作人员"
            "（须为覆盖该村的镇（街道）经办人员或村（社区）协理员）。"
        ) % {"name": name}
    return case.flow_class.instance.step_conflict(person, case, VISIT)


@transaction.atomic
def case_cancel(*, case, by, reason):
    """Cancel a whole case (every open task and the process), with a reason
    on every row it changes. Refused unless the flow lets ``by`` cancel it
    (the district; the town where the district delegated the decision)."""
    from ..base.context import because
    from ..base.fields import TEXT_MAX

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤销案件须填写理由。")})
    if len(reason) > TEXT_MAX:
        raise ValidationError(
            {"reason": _("理由不能超过 %(n)s 个字符。") % {"n": TEXT_MAX}}
        )
    flow = case.flow_class.instance
    with flow.lock(case.pk):
        case.refresh_from_db()
        why = flow.cancel_refusal(by, case)
        if why:
            raise PermissionDenied(why)
        with on_behalf_of(by), because(_("撤销案件：%(why)s") % {"why": reason}):
            try:
                flow.cancel(case)
            except FlowRuntimeError:
                raise ValidationError(
                    _("有环节正在办理中，暂不能撤销；请稍后再试。")
                ) from None
    return case
