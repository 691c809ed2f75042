"""One timeline per case: field changes, workflow events, decisions, grants,
reassignments and sensitive reads, newest first.

Each source is read with one query, whatever the number of events, so the
page costs a fixed number of queries; diffs between consecutive versions of a
record are computed in Python.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.core.grants import permission_label

from ..base.masking import mask_id_number

# Values never shown in the timeline as they are.
MASKED_FIELDS = {"id_number": mask_id_number}
HIDDEN_FIELDS = {"illness_note", "inputs", "result", "data", "token", "password"}
SKIP_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_job",
    "id",
    "process_ptr",
    "case_ptr",
}


class Kind:
    CREATED = "created"
    CHANGED = "changed"
    DELETED = "deleted"
    TASK = "task"
    REASSIGNED = "reassigned"
    GRANT = "grant"
    READ = "read"
    OVERDUE = "overdue"


KIND_LABELS = {
    Kind.CREATED: gettext_lazy("新建"),
    Kind.CHANGED: gettext_lazy("修改"),
    Kind.DELETED: gettext_lazy("删除"),
    Kind.TASK: gettext_lazy("流程"),
    Kind.REASSIGNED: gettext_lazy("改派"),
    Kind.GRANT: gettext_lazy("授权"),
    Kind.READ: gettext_lazy("敏感信息访问"),
    Kind.OVERDUE: gettext_lazy("超期"),
}


@dataclass
class Event:
    at: object
    kind: str
    record: str
    summary: str
    actor: str = ""
    job: str = ""
    reason: str = ""
    changes: list = field(default_factory=list)  # (label, old, new)
    model: str = ""

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


def person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _display(model_field, value):
    if value is None or value == "":
        return "—"
    name = model_field.name
    if name in MASKED_FIELDS:
        return MASKED_FIELDS[name](value)
    if name in HIDDEN_FIELDS:
        return _("（已隐藏）")
    choices = getattr(model_field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if model_field.is_relation:
        return f"#{value}"
    if hasattr(value, "isoformat"):
        if hasattr(value, "hour"):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return value.isoformat()
    return str(value)


def _field_map(history_model):
    fields = {}
    for f in history_model._meta.concrete_fields:
        if f.name in SKIP_FIELDS or f.name.startswith("history_"):
            continue
        fields[f.attname] = f
    return fields


def history_events(history_model, rows, label, record_of=None):
    """Events of one historical model's rows (ordered by object, then date)."""
    fields = _field_map(history_model)
    pk_attname = history_model.instance_type._meta.pk.attname
    previous = {}
    events = []
    for row in rows:
        key = getattr(row, pk_attname)
        record = record_of(row) if record_of else f"{label} #{key}"
        kind = {"+": Kind.CREATED, "~": Kind.CHANGED, "-": Kind.DELETED}[
            row.history_type
        ]
        changes = []
        before = previous.get(key)
        if before is not None and kind == Kind.CHANGED:
            for attname, model_field in fields.items():
                old, new = getattr(before, attname), getattr(row, attname)
                if old != new:
                    changes.append(
                        (
                            str(model_field.verbose_name),
                            _display(model_field, old),
                            _display(model_field, new),
                        )
                    )
            if not changes:
                previous[key] = row
                continue
        previous[key] = row
        events.append(
            Event(
                at=row.history_date,
                kind=kind,
                record=record,
                summary=KIND_LABELS[kind] + " " + label,
                actor=person(row.history_user),
                job=row.history_job,
                reason=row.history_change_reason or "",
                changes=changes,
                model=history_model.instance_type._meta.label,
            )
        )
    return events


def _records_of(case_model):
    """``(label, model, lookup)`` of the records ``case_model`` declares."""
    from ..core.programmes import SPINE_RECORDS

    return [
        (label, apps.get_model(label), lookup)
        for label, lookup in (*case_model.AUDIT_RECORDS, *SPINE_RECORDS)
    ]


def _hist(model_name, app="workflows"):
    return apps.get_model(app, model_name).history.model


def case_timeline(case):
    """Every event of ``case``, newest first."""
    from viewflow.workflow.models import Task

    from roles.models import Reassignment

    from ..core.models import SensitiveAccess

    case_model = type(case)
    events = []
    rows = (
        case_model.history.filter(id=case.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    events += history_events(
        case_model.history.model,
        rows,
        str(case_model._meta.verbose_name),
        record_of=lambda r: case.number,
    )
    for _label, model, lookup in _records_of(case_model):
        rows = (
            model.history.filter(**{lookup: case.pk})
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        events += history_events(
            model.history.model, rows, str(model._meta.verbose_name)
        )
    household_id = case.household_id
    Member = apps.get_model("workflows", "Member")
    member_ids = set(
        Member.history.filter(household_id=household_id).values_list("id", flat=True)
    )
    for name, filter_ in (
        ("Household", Q(id=household_id)),
        ("Member", Q(household_id=household_id)),
        ("IncomeItem", Q(member_id__in=member_ids)),
        ("Deduction", Q(member_id__in=member_ids)),
        ("Asset", Q(household_id=household_id)),
    ):
        model = apps.get_model("workflows", name)
        rows = (
            model.history.filter(filter_)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        events += history_events(
            model.history.model, rows, str(model._meta.verbose_name)
        )
    events += task_events(case, Task)
    reassignments = Reassignment.objects.filter(
        task__process_id=case.pk
    ).select_related("from_user", "to_user", "by", "task")
    events += [reassignment_event(r) for r in reassignments]
    for rows in grant_histories(content_object_id=case.pk):
        events += [grant_event(g, case.number) for g in rows.order_by("history_date")]
    for a in SensitiveAccess.objects.filter(case=case).select_related("user"):
        events.append(access_event(a))
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def reassignment_event(r):
    """One move of a task (a ``Reassignment`` row) as an event."""
    return Event(
        at=r.at,
        kind=Kind.REASSIGNED,
        record=r.task.flow_task.task_title,
        summary=_("%(kind)s：%(from)s → %(to)s")
        % {
            "kind": r.get_kind_display(),
            "from": person(r.from_user) or _("待领取"),
            "to": person(r.to_user) or _("待领取"),
        },
        actor=person(r.by) or _("系统（请假安排）"),
        reason=r.reason,
        model="roles.Reassignment",
    )


def grant_histories(**filters):
    """History of the per-case grants — to a person and to a group (a member
    unit invited to an escalation) — filtered alike, related rows joined."""
    from roles.models import CaseGrant, CaseGroupGrant

    return [
        CaseGrant.history.filter(**filters).select_related(
            "history_user", "user", "permission"
        ),
        CaseGroupGrant.history.filter(**filters).select_related(
            "history_user", "group", "permission"
        ),
    ]


def grant_event(g, record):
    """One grant given, changed or withdrawn (a grant's history row)."""
    verb = {"+": _("授予"), "~": _("更新授权"), "-": _("撤销授权")}[g.history_type]
    holder = person(g.user) if hasattr(g, "user_id") else g.group.name
    return Event(
        at=g.history_date,
        kind=Kind.GRANT,
        record=record,
        summary=f"{verb}：{holder} · {permission_label(g.permission)}",
        actor=person(g.history_user),
        reason=g.history_change_reason or g.reason,
        model=g.instance_type._meta.label,
    )


def access_event(access):
    """One read of sensitive data (a ``SensitiveAccess`` row) as an event."""
    return Event(
        at=access.at,
        kind=Kind.READ,
        record=access.record,
        summary=access.get_action_display(),
        actor=person(access.user),
        reason=access.ip_address or "",
        model="workflows.SensitiveAccess",
    )


def task_events(case, Task):
    """Workflow events from the task history: created, taken, moved, done,
    cancelled; and deadlines missed."""
    rows = (
        Task.history.filter(
            process_id=case.pk, flow_task_type__in=["HUMAN", "HUMAN_START", "TIMER"]
        )
        .select_related("history_user", "owner")
        .order_by("id", "history_date", "history_id")
    )
    events, previous = [], {}
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        title = row.flow_task.task_title if row.flow_task else row.flow_task_type
        summary = None
        if before is None:
            summary = _("任务到达：%(task)s") % {"task": title}
        elif before.owner_id != row.owner_id:
            summary = (
                _("%(task)s 由 %(who)s 办理")
                % {"task": title, "who": person(row.owner)}
                if row.owner_id
                else _("%(task)s 退回待领取") % {"task": title}
            )
        elif before.status != row.status and row.status == "DONE":
            summary = _("%(task)s 完成（%(who)s）") % {
                "task": title,
                # a timer has no owner: the dispatcher finished it
                "who": person(row.owner) or person(row.history_user) or _("系统"),
            }
        elif before.status != row.status and row.status == "CANCELED":
            summary = _("%(task)s 取消") % {"task": title}
        if summary:
            events.append(
                Event(
                    at=row.history_date,
                    kind=Kind.TASK,
                    record=title,
                    summary=summary,
                    actor=person(row.history_user),
                    job=row.history_job,
                    reason=row.history_change_reason or "",
                    model="viewflow.Task",
                )
            )
    TaskDeadline = apps.get_model("workflows", "TaskDeadline")
    today = timezone.localdate()
    for d in TaskDeadline.objects.filter(task__process_id=case.pk).select_related(
        "task", "limit"
    ):
        finished = d.task.finished
        late = (finished and timezone.localtime(finished).date() > d.due_on) or (
            not finished and d.due_on < today
        )
        if late:
            due_at = timezone.make_aware(
                timezone.datetime.combine(d.due_on, timezone.datetime.max.time())
            )
            events.append(
                Event(
                    at=due_at,
                    kind=Kind.OVERDUE,
                    record=d.task.flow_task.task_title,
                    summary=_("超过法定时限：%(task)s 应于 %(due)s 前完成（%(rule)s）")
                    % {
                        "task": d.task.flow_task.task_title,
                        "due": d.due_on,
                        "rule": d.limit.article,
                    },
                    model="workflows.TaskDeadline",
                )
            )
    return events
