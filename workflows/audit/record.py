"""Record each audit row's hash in the transaction that writes the row.

Every history row (one saved, one written in bulk, the many-to-many rows kept
with it), every sensitive-access row and every retention checkpoint gets an
``AuditRowHash`` row: read back what was written, hash it, insert. No lock
and no chain head: concurrent writers never wait on each other here. The
sealer chains the recorded hashes later (``chain.seal``); a row edited in
between no longer matches the hash recorded for it, and ``verify_audit``
says so.
"""

from django.db import connections
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
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
    if len(hashes) > 1 and connections[using].vendor == "postgresql":
        _insert_many(table, key, hashes, using=using)
        return len(hashes)
    rows = [
        AuditRowHash(table=table, row_id=row_id, row_hash=row_hash, columns=key)
        for row_id, row_hash in hashes.items()
    ]
    if len(rows) == 1:  # the common case, one save: a plain INSERT
        rows[0].save(using=using, force_insert=True)
    else:
        AuditRowHash.objects.using(using).bulk_create(rows)
    return len(rows)


def _insert_many(table, key, hashes, *, using):
    """Many hashes in one INSERT … SELECT unnest(arrays) (PostgreSQL): a bulk
    history write or a bulk load records thousands of rows, and a statement
    with a placeholder per value costs more to build than to run."""
    meta = AuditRowHash._meta
    names = ["table", "row_id", "row_hash", "columns", "recorded_at", "chain_hash"]
    columns = ", ".join(f'"{meta.get_field(name).column}"' for name in names)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{meta.db_table}" ({columns}) '
            f"SELECT %s, v.row_id, v.row_hash, %s, %s, '' "
            f"FROM unnest(%s::bigint[], %s::text[]) AS v(row_id, row_hash)",
            [table, key, timezone.now(), list(hashes), list(hashes.values())],
        )


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


def unrecorded(table, pk, *, limit=5000, using="default"):
    """Ids of rows of ``table`` with no recorded hash, page by page (lists,
    in id order). Each page is two index range scans — the table's ids, then
    the ids recorded in that range — so the walk is linear in the table's
    size whatever the planner knows of it (an anti-join planned on the row
    estimates of a freshly loaded table can rescan the whole chain a page)."""
    recorded = AuditRowHash.objects.using(using).filter(table=table)
    sql = f'SELECT "{pk}" FROM "{table}" WHERE "{pk}" > %s ORDER BY "{pk}" LIMIT %s'
    after = -(2**63)
    with connections[using].cursor() as cursor:
        while True:
            cursor.execute(sql, [after, limit])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            known = set(
                recorded.filter(row_id__range=(ids[0], ids[-1])).values_list(
                    "row_id", flat=True
                )
            )
            missing = [i for i in ids if i not in known]
            if missing:
                yield missing
            after = ids[-1]


def record_unrecorded(*, using="default"):
    """Record the current hash of every audit row that has none; returns how
    many. Only for rows nobody could record when they were written: a
    database loaded in bulk for a benchmark. In operation a row without a
    recorded hash is a finding of ``verify_audit``, never adopted."""
    from .rows import audited_tables

    count = 0
    for table, pk in audited_tables():
        for ids in unrecorded(table, pk, using=using):
            count += record(table, pk, ids, using=using)
    return count
