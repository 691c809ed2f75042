"""The net under writes that bypass history: history rows for what changed.

Application code writes history on every path (saves, the bulk helpers).
Rows written where we do not control the code — a data migration (whose
models carry no history manager), Django's own ``post_migrate`` creation of
permissions — get their history here, attributed to the job: '+' for a row
with none, '~' for a row that differs from its latest history row, '-' for
a row gone while its history says it exists.

After ``migrate`` this runs for what the migration changed only: the
differences found just before it (``before_migrate``) are left alone, so a
migration never turns an earlier tampering into history; ``verify_audit``
keeps reporting those. ``manage.py backfill_history --reason`` is the
operator's explicit acceptance of the live rows as they are, after a
direct SQL fix that ``verify_audit`` reported.
"""

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ..base.context import acting, current
from ..base.history import bulk_history_attrs, keep_bulk_rows
from .live import (
    CHANGED,
    DELETED,
    audited_models,
    check_model,
    compared_fields,
    latest_history,
)
from .record import current_column_set, forget_known_sets
from .rows import audited_tables, forget_columns

_state = {}


@transaction.atomic
def backfill(*, job, reason, skip=frozenset()):
    """Write a history row for every live row that differs from its history
    (except the ``(label, pk)`` in ``skip``). Returns ``{label: count}``."""
    written = {}
    with acting(job=job, user=current()[1]):
        for model in audited_models():
            found = [m for m in check_model(model) if (m.model, m.pk) not in skip]
            if not found:
                continue
            changed = [m.pk for m in found if m.problem == CHANGED]
            gone = [m.pk for m in found if m.problem == DELETED]
            new = [m.pk for m in found if m.problem not in (CHANGED, DELETED)]
            _write(model, new, reason, update=False)
            _write(model, changed, reason, update=True)
            _write_deleted(model, gone, reason)
            written[model._meta.label] = len(found)
    return written


def _write(model, pks, reason, *, update):
    for start in range(0, len(pks), 500):
        rows = list(model._base_manager.filter(pk__in=pks[start : start + 500]))
        model.history.bulk_history_create(
            rows,
            update=update,
            default_change_reason=reason,
            **bulk_history_attrs(),
        )


def _write_deleted(model, pks, reason):
    """'-' rows for objects gone without history: their last values."""
    if not pks:
        return
    history = model.history.model
    attrs = bulk_history_attrs()
    last = latest_history(model, pks, compared_fields(model))
    now = timezone.now()
    rows = [
        history(
            history_type="-",
            history_date=now,
            history_user=attrs["default_user"],
            history_change_reason=reason,
            **attrs["custom_historical_attrs"],
            **dict(zip(compared_fields(model), values[2:], strict=True)),
        )
        for values in last.values()
    ]
    keep_bulk_rows(history, history.objects.bulk_create(rows), [])


def _existing_columns():
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return tables, {
            table: {
                c.name
                for c in connection.introspection.get_table_description(cursor, table)
            }
            for table in tables
        }


def _differences_now():
    """``{(label, pk)}`` of every difference, on a schema that may be behind
    the code (before a migration): only tables and columns that exist are
    compared."""
    tables, columns = _existing_columns()
    found = set()
    for model in audited_models():
        history = model.history.model._meta.db_table
        if model._meta.db_table not in tables or history not in tables:
            continue  # a new model, or new history: its rows get history after
        names = [
            f.attname
            for f in model.history.model.tracked_fields
            if f.column in columns[f.model._meta.db_table]
            and f.column in columns[history]
        ]
        try:
            with transaction.atomic():
                found |= {
                    (m.model, m.pk)
                    for m in check_model(model, columns=names, tables=tables)
                }
        except DatabaseError:  # a schema too far behind to read: compare after
            continue
    return found


def before_migrate(sender, using, **kwargs):
    """``pre_migrate`` receiver: note the differences there already are."""
    if using == "default":
        _state["before"] = _differences_now()
        forget_columns()
        forget_known_sets()


def after_migrate(sender, using, **kwargs):
    """``post_migrate`` receiver: rows created or changed by migrations and by
    Django's own post-migrate steps get their history row."""
    if using == "default":
        forget_columns()
        forget_known_sets()
        # the column set of every audit table as the migrations left it,
        # stored before any request hashes a row under it
        for table, _pk in audited_tables():
            current_column_set(table, using=using)
        skip = _state.pop("before", set())
        backfill(job="migrate", reason="迁移/系统创建", skip=skip)
