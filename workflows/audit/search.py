"""Search the audit trail across the cases a user may see."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.core.selectors import cases_auditable_by

from ..core.programmes import audit_records, case_models
from ..exports.lists import csv_chunks, plain, xlsx_file
from .timeline import (
    Event,
    Kind,
    access_event,
    grant_event,
    grant_histories,
    history_events,
    person,
    reassignment_event,
)

LIMIT_PER_SOURCE = 500


@dataclass
class Filters:
    actor: object = None  # a user
    date_from: object = None
    date_to: object = None
    region: object = None  # a Region within the user's scope
    kind: str = ""
    model: str = ""  # a model label, e.g. "workflows.Member"


def _period(qs, filters, field):
    if filters.date_from:
        qs = qs.filter(**{f"{field}__date__gte": filters.date_from})
    if filters.date_to:
        qs = qs.filter(**{f"{field}__date__lte": filters.date_to})
    return qs


def searchable_models():
    """(label, model) of the records the search covers."""
    cases = [(m._meta.label, m) for m in case_models()]
    records = [(label, model) for label, model, _lookup in audit_records()]
    registry = ["Household", "Member", "IncomeItem", "Asset"]
    seen, result = set(), []
    for label, model in [
        *cases,
        *records,
        *[(f"workflows.{n}", apps.get_model("workflows", n)) for n in registry],
    ]:
        if label not in seen:
            seen.add(label)
            result.append((label, model))
    return result


def _record_links(case_ids):
    """Per record model, the rows that belong to the given cases (a record of
    two kinds of case — a decision resting on an escalation — matches both)."""
    links = {}
    for label, _model, lookup in audit_records():
        q = Q(**{f"{lookup}__in": case_ids})
        links[label] = links[label] | q if label in links else q
    return links


def search(user, filters: Filters):
    """Events matching ``filters`` in the user's cases, newest first."""
    from viewflow.workflow.models import Task

    from roles.models import Reassignment

    from ..core.models import SensitiveAccess

    cases = cases_auditable_by(user)
    if filters.region is not None:
        cases = cases.filter(region__path__startswith=filters.region.path)
    case_ids = cases.values("pk")
    households = cases.values("household_id")
    events = []
    history_kinds = {Kind.CREATED: "+", Kind.CHANGED: "~", Kind.DELETED: "-"}
    if not filters.kind or filters.kind in history_kinds:
        for label, model in searchable_models():
            if filters.model and filters.model != label:
                continue
            link = {
                **{m._meta.label: Q(id__in=case_ids) for m in case_models()},
                **_record_links(case_ids),
                "workflows.Household": Q(id__in=households),
                "workflows.Member": Q(household_id__in=households),
                "workflows.Asset": Q(household_id__in=households),
                "workflows.IncomeItem": Q(
                    member_id__in=apps.get_model("workflows", "Member")
                    .objects.filter(household_id__in=households)
                    .values("pk")
                ),
            }[label]
            rows = model.history.filter(link).select_related("history_user")
            if filters.actor:
                rows = rows.filter(history_user=filters.actor)
            if filters.kind:
                rows = rows.filter(history_type=history_kinds[filters.kind])
            rows = _period(rows, filters, "history_date")
            rows = list(rows.order_by("-history_date")[:LIMIT_PER_SOURCE])
            rows.sort(
                key=lambda r: (getattr(r, model._meta.pk.attname), r.history_date)
            )
            found = history_events(
                model.history.model, rows, str(model._meta.verbose_name)
            )
            if filters.kind:
                found = [e for e in found if e.kind == filters.kind]
            events += found
    model_filter = filters.model
    if (not filters.kind or filters.kind == Kind.TASK) and model_filter in (
        "",
        "viewflow.Task",
    ):
        rows = Task.history.filter(process_id__in=case_ids, flow_task_type="HUMAN")
        if filters.actor:
            rows = rows.filter(history_user=filters.actor)
        rows = _period(rows, filters, "history_date").select_related(
            "history_user", "owner"
        )
        for row in rows.order_by("-history_date")[:LIMIT_PER_SOURCE]:
            events.append(
                Event(
                    at=row.history_date,
                    kind=Kind.TASK,
                    record=row.flow_task.task_title if row.flow_task else "",
                    summary=f"#{row.process_id} {row.get_status_display()}",
                    actor=person(row.history_user),
                    job=row.history_job,
                    reason=row.history_change_reason or "",
                    model="viewflow.Task",
                )
            )
    if (not filters.kind or filters.kind == Kind.REASSIGNED) and model_filter in (
        "",
        "roles.Reassignment",
    ):
        rows = Reassignment.objects.filter(task__process_id__in=case_ids)
        if filters.actor:
            rows = rows.filter(by=filters.actor)
        rows = _period(rows, filters, "at").select_related(
            "by", "from_user", "to_user", "task"
        )
        for r in rows.order_by("-at")[:LIMIT_PER_SOURCE]:
            event = reassignment_event(r)
            event.record = f"#{r.task.process_id} {event.record}"
            events.append(event)
    if not filters.kind or filters.kind == Kind.GRANT:
        for rows in grant_histories(content_object_id__in=case_ids):
            label = rows.model.instance_type._meta.label
            if model_filter not in ("", label):
                continue
            if filters.actor:
                rows = rows.filter(history_user=filters.actor)
            rows = _period(rows, filters, "history_date")
            events += [
                grant_event(g, f"#{g.content_object_id}")
                for g in rows.order_by("-history_date")[:LIMIT_PER_SOURCE]
            ]
    if (not filters.kind or filters.kind == Kind.READ) and model_filter in (
        "",
        "workflows.SensitiveAccess",
    ):
        rows = SensitiveAccess.objects.filter(case_id__in=case_ids)
        if filters.actor:
            rows = rows.filter(user=filters.actor)
        rows = _period(rows, filters, "at").select_related("user")
        events.extend(access_event(a) for a in rows.order_by("-at")[:LIMIT_PER_SOURCE])
    events.sort(key=lambda e: e.at, reverse=True)
    return events


# --- export -------------------------------------------------------------------------
# The cells go through the one export path (workflows.exports.lists): ID numbers
# masked, formula-safe, csv with a BOM, xlsx with string cells.


def rows_of(events):
    header = [
        _("时间"),
        _("类型"),
        _("记录"),
        _("内容"),
        _("字段变更"),
        _("操作人"),
        _("后台任务"),
        _("理由"),
    ]
    yield header
    for e in events:
        changes = "; ".join(f"{label}: {old} → {new}" for label, old, new in e.changes)
        yield [
            plain(str(v))
            for v in (
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                e.kind_label,
                e.record,
                e.summary,
                changes,
                e.actor,
                e.job,
                e.reason,
            )
        ]


def to_csv(events):
    header, *rows = rows_of(events)
    return b"".join(csv_chunks(header, rows))


def to_xlsx(events):
    header, *rows = rows_of(events)
    with xlsx_file(header, rows, title="audit") as out:
        return out.read()
