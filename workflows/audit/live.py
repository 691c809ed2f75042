"""Live rows against their history: every audited row equals its latest
history row.

The hash chain protects the history; this protects the live tables. A row
changed by ``QuerySet.update`` or SQL (a decision turned from reject to
approve) no longer equals the last history row written for it; a row
inserted without history has none; a row deleted without history still has a
latest history row that does not say "deleted". Every write path of the
system writes history (docs/audit.md), so any such difference is a write
that bypassed it.

Checked in primary-key batches (a few queries per ``BATCH`` rows, whatever
the size of the tables). A model of a multi-table inheritance chain is
checked at its most derived audited level: a ``Process`` row that is an
``Application`` is compared with the application's history, which holds the
process fields too (saving an application writes no process history row).
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Exists, Max, OuterRef

BATCH = 2000

# Hashed directly into the chain when written (and never changed after), so
# the chain already proves each live row; retention removes old ones.
NOT_COMPARED = {"workflows.SensitiveAccess"}


@dataclass(frozen=True)
class Mismatch:
    """One live row that does not equal its latest history row."""

    model: str
    pk: object
    problem: str
    fields: tuple = field(default=())

    def __str__(self):
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.model} {self.pk}: {self.problem}{detail}"


CHANGED = "live row differs from its latest history row"
NO_HISTORY = "live row has no history row"
SAYS_DELETED = "live row exists but its history says deleted"
DELETED = "row deleted without a history row"


def audited_models():
    """Every model with history, in a fixed order, except ``NOT_COMPARED``."""
    models = []
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is None or not hasattr(history, "model"):
            continue
        if model._meta.label not in NOT_COMPARED:
            models.append(model)
    return sorted(models, key=lambda m: m._meta.label)


def compared_fields(model):
    """The attnames a history row copies from the live row."""
    return [f.attname for f in model.history.model.tracked_fields]


def m2m_fields(model):
    """``(field, source attname, target attname, history m2m model)`` of each
    many-to-many field the history keeps."""
    history = model.history.model
    result = []
    for m2m in getattr(history, "_history_m2m_fields", []):
        through = m2m.remote_field.through._meta
        source = through.get_field(m2m.m2m_field_name()).attname
        target = through.get_field(m2m.m2m_reverse_field_name()).attname
        result.append((m2m, source, target, history.__dict__[m2m.name].model))
    return result


def _audited_descendants(model):
    return [
        other
        for other in audited_models()
        if other is not model and model in other._meta.get_parent_list()
    ]


def live_rows(model, tables=None):
    """The rows of ``model`` checked at its own level (not those of an
    audited subclass, which its history covers). ``tables``: the tables that
    exist, when the schema may be behind the code."""
    rows = model._base_manager.all()
    for child in _audited_descendants(model):
        if tables is not None and child._meta.db_table not in tables:
            continue
        rows = rows.exclude(Exists(child._base_manager.filter(pk=OuterRef("pk"))))
    return rows


def latest_history(model, pks, columns):
    """``{pk: (history_id, history_type, *columns)}`` of the latest history
    row (highest ``history_id``: the last written) of each of ``pks``."""
    history = model.history.model
    pk = model._meta.pk.attname
    last = (
        history.objects.filter(**{f"{pk}__in": pks})
        .order_by()
        .values(pk)
        .annotate(last=Max("history_id"))
        .values("last")
    )
    rows = history.objects.filter(history_id__in=last).values_list(
        pk, "history_id", "history_type", *columns
    )
    return {row[0]: row[1:] for row in rows}


def check_model(model, *, columns=None, tables=None):
    """Yield every ``Mismatch`` of ``model``. ``columns`` and ``tables``
    restrict the comparison to what exists (before a migration)."""
    label = model._meta.label
    names = columns if columns is not None else compared_fields(model)
    rows = live_rows(model, tables).order_by("pk")
    last = None
    while True:
        batch_rows = rows if last is None else rows.filter(pk__gt=last)
        batch = list(batch_rows.values_list("pk", *names)[:BATCH])
        if not batch:
            break
        last = batch[-1][0]
        pks = [row[0] for row in batch]
        latest = latest_history(model, pks, names)
        m2m = _m2m_differences(model, latest, tables)
        for row in batch:
            found = latest.get(row[0])
            if found is None:
                yield Mismatch(label, row[0], NO_HISTORY)
                continue
            if found[1] == "-":
                yield Mismatch(label, row[0], SAYS_DELETED)
                continue
            differ = tuple(
                name
                for name, now, then in zip(names, row[1:], found[2:], strict=True)
                if now != then
            ) + tuple(m2m.get(row[0], ()))
            if differ:
                yield Mismatch(label, row[0], CHANGED, differ)
    yield from _deleted_without_history(model)


def _m2m_differences(model, latest, tables=None):
    """``{pk: [m2m field names]}`` where the live links differ from those
    kept with the latest history row."""
    differences = {}
    pks = [pk for pk, found in latest.items() if found[1] != "-"]
    if not pks:
        return differences
    history_ids = {latest[pk][0]: pk for pk in pks}
    for m2m, source, target, history_m2m in m2m_fields(model):
        through = m2m.remote_field.through
        if tables is not None and not {
            through._meta.db_table,
            history_m2m._meta.db_table,
        } <= set(tables):
            continue
        now, then = {}, {}
        for owner, other in through._base_manager.filter(
            **{f"{source}__in": pks}
        ).values_list(source, target):
            now.setdefault(owner, set()).add(other)
        for history_id, other in history_m2m.objects.filter(
            history_id__in=list(history_ids)
        ).values_list("history_id", target):
            then.setdefault(history_ids[history_id], set()).add(other)
        for pk in pks:
            if now.get(pk, set()) != then.get(pk, set()):
                differences.setdefault(pk, []).append(m2m.name)
    return differences


def _deleted_without_history(model):
    """History rows whose object is gone although the history does not say
    it was deleted."""
    history = model.history.model
    label = model._meta.label
    pk = model._meta.pk.attname
    ids = history.objects.order_by(pk).values_list(pk, flat=True).distinct()
    last = None
    while True:
        page = ids if last is None else ids.filter(**{f"{pk}__gt": last})
        batch = list(page[:BATCH])
        if not batch:
            return
        last = batch[-1]
        present = set(
            model._base_manager.filter(pk__in=batch).values_list("pk", flat=True)
        )
        gone = [value for value in batch if value not in present]
        if gone:
            for value, found in sorted(latest_history(model, gone, []).items()):
                if found[1] != "-":
                    yield Mismatch(label, value, DELETED)


def check_all(models=None):
    """Every mismatch of every audited model."""
    for model in models or audited_models():
        yield from check_model(model)
