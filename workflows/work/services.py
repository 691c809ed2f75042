"""Supervisors' work management: grants, reassignment, absences.

Every change is made under the lock of the cases it touches (their process
rows in pk order, then the task rows: ``workflows.core.locks``, the order every
path that changes a task follows), decided on the rows as read under that
lock, checked against the one permission rule, recorded with who, when and
why, and either done completely or not at all.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from roles.models import Absence, CaseGrant, CaseGroupGrant, Reassignment
from roles.scope import clear_scope_cache
from roles.workspace import MANAGE, may_manage_person
from workflows.core.grants import (
    grant_refusal,
    group_grant_refusal,
    move_refusal,
    people_who_may,
)
from workflows.core.locks import lock_cases, lock_tasks
from workflows.core.task_state import closed_reason

from .selectors import open_tasks_of

GRANT = "workflows.grant_case"
MOVABLE = [STATUS.NEW, STATUS.ASSIGNED]


def _require_reason(reason):
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写理由。")})
    return reason.strip()


def _case(task):
    return task.process.coerced


def may_manage(user, case):
    return user.has_perm(MANAGE, case)


def may_grant(user, case):
    return user.has_perm(GRANT, case)


# --- who may do a task --------------------------------------------------------


def refusal(user, task):
    """Why ``user`` may not do ``task`` (text), or None if they may."""
    if not user.is_active:
        return _("该人员账号已停用。")
    case = _case(task)
    if not task.owner_permission or not user.has_perm(task.owner_permission, case):
        return _("%(name)s 的岗位不覆盖本案所在村（社区），或其角色不办理此环节。") % {
            "name": user.get_full_name() or user.username
        }
    return task.flow_task.flow_class.instance.duty_conflict(user, task)


def eligible_assignees(task):
    """Users who may do ``task``: a post covering the case with the step's
    permission, or a grant of it to them or to their group (a member unit),
    minus those a duty rule excludes."""
    case = _case(task)
    flow = task.flow_task.flow_class.instance
    return [
        u
        for u in people_who_may(task.owner_permission, case)
        if flow.duty_conflict(u, task) is None
    ]


# --- reassignment -----------------------------------------------------------------


def _move(task, to_user, by, reason, kind):
    Reassignment.objects.create(
        task=task,
        kind=kind,
        from_user=task.owner,
        to_user=to_user,
        by=by,
        reason=reason,
    )
    task.owner = to_user
    task.status = STATUS.ASSIGNED if to_user else STATUS.NEW
    task.assigned = timezone.now() if to_user else None
    task._change_reason = reason
    if by is not None:
        task._history_user = by
    task.save(update_fields=["owner", "status", "assigned"])


@transaction.atomic
def tasks_reassign(*, task_ids, to_user, by, reason):
    """Move open tasks to ``to_user``. All or nothing: any task the supervisor
    may not manage, any closed task, or any task ``to_user`` may not do
    refuses the whole batch with the reasons."""
    reason = _require_reason(reason)
    tasks = lock_tasks(task_ids)
    if len(tasks) != len(set(task_ids)):
        raise ValidationError(_("部分任务不存在或已删除，未作任何改派。"))
    clear_scope_cache(to_user)
    errors = []
    for task in tasks:
        case = _case(task)
        if not may_manage(by, case):
            raise PermissionDenied(
                _("您无权管理案件 %(case)s 的任务。") % {"case": case.number}
            )
        if task.status not in MOVABLE:
            closed = closed_reason(task)
            errors.append(
                f"{case.number} {task.flow_task.task_title}：{closed}"
                if closed
                else _("任务 %(task)s（%(case)s）已办结或正在办理，不能改派。")
                % {"task": task.pk, "case": case.number}
            )
            continue
        if task.owner_id == to_user.pk:
            errors.append(_("任务 %(task)s 已由该人员办理。") % {"task": task.pk})
            continue
        why = move_refusal(by=by, task=task, to_user=to_user) or refusal(to_user, task)
        if why:
            errors.append(f"{case.number} {task.flow_task.task_title}：{why}")
    if errors:
        raise ValidationError(errors)
    for task in tasks:
        _move(task, to_user, by, reason, Reassignment.Kind.REASSIGN)
    return tasks


@transaction.atomic
def tasks_unassign(*, task_ids, by, reason):
    """Put assigned tasks back in the queue of their region."""
    reason = _require_reason(reason)
    tasks = lock_tasks(task_ids)
    if len(tasks) != len(set(task_ids)):
        raise ValidationError(_("部分任务不存在或已删除，未作任何改动。"))
    for task in tasks:
        case = _case(task)
        if not may_manage(by, case):
            raise PermissionDenied(
                _("您无权管理案件 %(case)s 的任务。") % {"case": case.number}
            )
        if task.status != STATUS.ASSIGNED:
            closed = closed_reason(task)
            raise ValidationError(
                f"{case.number} {task.flow_task.task_title}：{closed}"
                if closed
                else _("任务 %(task)s 不是“已领取”状态，不能退回。") % {"task": task.pk}
            )
        why = move_refusal(by=by, task=task)
        if why:
            raise PermissionDenied(why)
    for task in tasks:
        _move(task, None, by, reason, Reassignment.Kind.UNASSIGN)
    return tasks


# --- grants ------------------------------------------------------------------------


@transaction.atomic
def grant_create(*, case, user, perms, by, reason, expires_on=None):
    """Give ``user`` the permissions ``perms`` on this one case, as the grant
    map allows (``workflows.core.grants``): all or nothing, each refusal with why."""
    reason = _require_reason(reason)
    case = case.coerced
    if not (by.is_superuser or may_grant(by, case)):
        raise PermissionDenied(_("您只能为本辖区内的案件授权。"))
    if not perms:
        raise ValidationError({"perms": _("请至少选择一项权限。")})
    clear_scope_cache(user)
    refusals = [
        why
        for name in sorted(set(perms))
        if (why := grant_refusal(by=by, user=user, perm=name, case=case))
    ]
    if refusals:
        raise ValidationError({"perms": refusals})
    grants = []
    for name in sorted(set(perms)):
        permission = _permission(name)
        grant = CaseGrant.objects.filter(
            user=user, permission=permission, content_object=case
        ).first() or CaseGrant(user=user, permission=permission, content_object=case)
        grant.reason, grant.granted_by, grant.expires_on = reason, by, expires_on
        grant.granted_at = timezone.now()
        grant._change_reason = reason
        grant.full_clean(exclude=["user", "permission", "content_object"])
        grant.save()
        grants.append(grant)
    clear_scope_cache(user)
    return grants


def _permission(name):
    """``"workflows.view_escalation"`` → its ``Permission`` row."""
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def grant_revoke(*, grant, by, reason):
    """End a grant. Under the case's lock, the tasks of that case its holder
    took and may no longer do go back to the queue (recorded, with the
    reason), so no task is left with someone who cannot open it."""
    reason = _require_reason(reason)
    case = grant.content_object
    if not (by.is_superuser or may_grant(by, case)):
        raise PermissionDenied(_("您只能撤销本辖区内案件的授权。"))
    user = grant.user
    lock_cases([case.pk])  # first: a take at this moment waits for the revoke
    held = lock_tasks(
        Task.objects.filter(process_id=case.pk, owner=user, status=STATUS.ASSIGNED)
    )
    grant._change_reason = reason
    grant._history_user = by
    grant.delete()
    clear_scope_cache(user)
    why = _("撤销授权：%(why)s") % {"why": reason}
    for task in held:
        if task.owner_id == user.pk and refusal(user, task) is not None:
            _move(task, None, by, why, Reassignment.Kind.UNASSIGN)


@transaction.atomic
def group_grants_give(*, case, group, perms, by, reason):
    """Give everyone in ``group`` (a member unit's staff) ``perms`` on this one
    case, as the grant map's unit rules allow. Called by a flow step
    (inviting units to an escalation meeting); people's grants go through
    ``grant_create``."""
    reason = _require_reason(reason)
    refusals = [
        why
        for name in perms
        if (why := group_grant_refusal(by=by, group=group, perm=name, case=case))
    ]
    if refusals:
        raise PermissionDenied("；".join(dict.fromkeys(refusals)))
    grants = []
    for name in perms:
        permission = _permission(name)
        grant = CaseGroupGrant.objects.filter(
            group=group, permission=permission, content_object=case
        ).first() or CaseGroupGrant(
            group=group, permission=permission, content_object=case
        )
        grant.reason, grant.granted_by = reason, by
        grant.granted_at = timezone.now()
        grant._change_reason = reason
        grant.full_clean(exclude=["group", "permission", "content_object"])
        grant.save()
        grants.append(grant)
    return grants


def group_grants_withdraw(*, case, group, reason, perms=None):
    """End a group's grants on a case (all, or only ``perms``), with history."""
    reason = _require_reason(reason)
    grants = CaseGroupGrant.objects.filter(group=group, content_object=case)
    if perms is not None:
        grants = grants.filter(permission__in=[_permission(p) for p in perms])
    for grant in grants:
        grant._change_reason = reason
        grant.delete()


# --- absences -----------------------------------------------------------------


def may_see_work_of(by, user):
    """Whose tasks a supervisor may open and move: the staff of their regions,
    and anyone else holding an open task of a case there (a member unit's
    staff, a colleague covering one case through a grant)."""
    return may_manage_person(by, user) or open_tasks_of(by, user).exists()


@transaction.atomic
def absence_create(*, user, substitute, starts_on, ends_on, reason, by):
    reason = _require_reason(reason)
    if not may_manage_person(by, user):
        raise PermissionDenied(_("您只能为本辖区的工作人员登记请假。"))
    if not may_manage_person(by, substitute):
        raise ValidationError({"substitute": _("代理人须是本辖区的工作人员。")})
    if substitute.pk == user.pk:
        raise ValidationError({"substitute": _("代理人不能是请假人本人。")})
    if substitute.pk == by.pk:
        raise ValidationError(
            {"substitute": _("不能登记自己为代理人；请由上级负责人登记。")}
        )
    absence = Absence(
        user=user,
        substitute=substitute,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=by,
    )
    absence.full_clean()
    absence._change_reason = reason
    absence.save()
    absences_apply(today=timezone.localdate())
    return absence


def substitute_for(user, on=None):
    """Who covers ``user`` today: their substitute while on leave, else the user."""
    absence = Absence.objects.on(on or timezone.localdate()).filter(user=user).first()
    return absence.substitute if absence else user


@transaction.atomic
def absences_apply(*, today=None):
    """Start and end absences whose dates have come: open tasks go to the
    substitute (or back to the queue if the substitute may not do them) and
    come back when the absence ends. Run by the timer dispatcher every sweep.

    The absences due are locked (a second dispatcher waits, then finds them
    applied), then every case concerned at once in pk order; each loop
    re-reads its tasks under those locks."""
    today = today or timezone.localdate()
    moved = 0
    starting = list(
        Absence.objects.select_for_update(of=("self",))
        .filter(
            started=False, cancelled=False, starts_on__lte=today, ends_on__gte=today
        )
        .select_related("user", "substitute")
    )
    ending = list(
        Absence.objects.select_for_update(of=("self",))
        .filter(started=True, ended=False, ends_on__lt=today)
        .select_related("user", "substitute")
    )
    if starting or ending:
        holders = [a.user_id for a in starting] + [a.substitute_id for a in ending]
        lock_tasks(Task.objects.filter(owner__in=holders, status=STATUS.ASSIGNED))
    for absence in starting:
        reason = _("请假（%(from)s 至 %(to)s）：%(why)s") % {
            "from": absence.starts_on,
            "to": absence.ends_on,
            "why": absence.reason,
        }
        for task in lock_tasks(
            Task.objects.filter(owner=absence.user, status=STATUS.ASSIGNED)
        ):
            # the substitute gets what the registering supervisor may move
            # and the substitute may do (grant map, duties); the rest waits
            # in the queue
            may_move = move_refusal(
                by=absence.created_by, task=task, to_user=absence.substitute
            )
            to_user = (
                absence.substitute
                if may_move is None and refusal(absence.substitute, task) is None
                else None
            )
            _move(task, to_user, None, reason, Reassignment.Kind.ABSENCE_START)
            moved += 1
        absence.started = True
        absence._change_reason = reason
        absence.save(update_fields=["started"])
    for absence in ending:
        reason = _("销假（%(to)s 结束）") % {"to": absence.ends_on}
        handed = Reassignment.objects.filter(
            kind__in=[Reassignment.Kind.ABSENCE_START, Reassignment.Kind.SUBSTITUTE],
            from_user=absence.user,
            to_user=absence.substitute,
            at__date__gte=absence.starts_on,
        ).values("task_id")
        for task in lock_tasks(
            Task.objects.filter(
                pk__in=handed, owner=absence.substitute, status=STATUS.ASSIGNED
            )
        ):
            if refusal(absence.user, task) is None:
                _move(task, absence.user, None, reason, Reassignment.Kind.ABSENCE_END)
                moved += 1
        absence.ended = True
        absence._change_reason = reason
        absence.save(update_fields=["ended"])
    return moved
