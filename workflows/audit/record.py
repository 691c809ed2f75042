"""Record each audit row's hash in the transaction that writes the row.

Every history row (one saved, one written in bulk, the many-to-many rows kept
with it), every sensitive-access row and every retention checkpoint gets an
``AuditRowHash`` row: read back what was written, hash it, insert. No lock
and no chain head: concurrent writers never wait on each other here. The
sealer chains the recorded hashes later (``chain.seal``); a row edited in
between no longer matches the hash recorded for it, and ``verify_audit``
says so.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from simple_history.signals import (
    post_create_historical_m2m_records,
    post_create_historical_record,
)

from ..base.history import history_rows_written
from .models import AuditColumnSet, AuditRowHash
from .rows import ACCESS_TABLE, column_set_key, row_hashes, table_columns

_known_sets = set()


def current_column_set(table, *, using="default"):
    """The key of the table's current columns, stored once."""
    columns = table_columns(table, using=using)
    key = column_set_key(columns)
    if (using, key) not in _known_sets:
        AuditColumnSet.objects.using(using).get_or_create(
            key=key, defaults={"table": table, "columns": columns}
        )
        _known_sets.add((using, key))
    return key, columns


def forget_known_sets():
    _known_sets.clear()


def record(table, pk, ids, *, using=None):
    """Record the current hash of the rows ``ids`` of ``table``."""
    using = using or "default"
    ids = [i for i in ids if i is not None]
    if not ids:
        return 0
    key, columns = current_column_set(table, using=using)
    hashes = row_hashes(table, pk, ids, using=using, columns=columns)
    missing = set(ids) - set(hashes)
    if missing:  # written in this transaction, so it must be there
        raise RuntimeError(f"{table}: rows {sorted(missing)} vanished before hashing")
    rows = [
        AuditRowHash(table=table, row_id=row_id, row_hash=row_hash, columns=key)
        for row_id, row_hash in hashes.items()
    ]
    if len(rows) == 1:  # the common case, one save: a plain INSERT
        rows[0].save(using=using, force_insert=True)
    else:
        AuditRowHash.objects.using(using).bulk_create(rows)
    return len(rows)


def record_instances(model, rows, *, using=None):
    """Record rows of ``model`` just written (objects with their primary key)."""
    meta = model._meta
    return record(meta.db_table, meta.pk.column, [r.pk for r in rows], using=using)


@receiver(history_rows_written, dispatch_uid="audit-record-bulk-history")
def bulk_history_rows_written(sender, rows, **kwargs):
    if rows:
        record_instances(sender, rows, using=rows[0]._state.db)


@receiver(post_create_historical_record, dispatch_uid="audit-record-history")
def history_row_written(sender, history_instance, using=None, **kwargs):
    record_instances(sender, [history_instance], using=using)


@receiver(post_create_historical_m2m_records, dispatch_uid="audit-record-history-m2m")
def history_m2m_rows_written(sender, created_rows, **kwargs):
    if created_rows:
        record_instances(sender, created_rows, using=created_rows[0]._state.db)


def access_logged(sender, instance, created, raw=False, using=None, **kwargs):
    """A sensitive-access row is hashed itself: the log is append-only."""
    if created and not raw:
        record(ACCESS_TABLE, "id", [instance.pk], using=using)


def connect():
    from ..core.models import SensitiveAccess

    post_save.connect(
        access_logged, sender=SensitiveAccess, dispatch_uid="audit-record-access"
    )


def unrecorded(table, pk, *, after=None, limit=5000, using="default"):
    """Ids of rows of ``table`` (after ``after``, in order) with no recorded
    hash."""
    from django.db import connections

    hashes = AuditRowHash._meta.db_table
    sql = (
        f'SELECT t."{pk}" FROM "{table}" t WHERE NOT EXISTS ('
        f'SELECT 1 FROM "{hashes}" r WHERE r."table" = %s AND r."row_id" = t."{pk}")'
    )
    params = [table]
    if after is not None:
        sql += f' AND t."{pk}" > %s'
        params.append(after)
    sql += f' ORDER BY t."{pk}" LIMIT {int(limit)}'
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def record_unrecorded(*, using="default"):
    """Record the current hash of every audit row that has none; returns how
    many. Only for rows nobody could record when they were written: a
    database loaded in bulk for a benchmark. In operation a row without a
    recorded hash is a finding of ``verify_audit``, never adopted."""
    from .rows import audited_tables

    count = 0
    for table, pk in audited_tables():
        after = None
        while ids := unrecorded(table, pk, after=after, using=using):
            count += record(table, pk, ids, using=using)
            after = ids[-1]
    return count
