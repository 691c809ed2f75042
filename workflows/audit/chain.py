"""The hash chain over the audit records, its verification and retention.

Sealing is a background step (run by the timer dispatcher every sweep, or
``manage.py seal_audit``): it takes the rows written since the last seal, in
table and id order, and appends one link per row — the row's hash, chained
to the previous link. Nothing on a request path waits for it. Verifying
recomputes every row hash from the table and every link from the previous
one; an edited row, a deleted row or an altered link breaks the chain at
that point.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditSeal

GENESIS = "0" * 64
RETENTION_DAYS = 180  # 网络安全法 Art 21: network logs kept at least six months
BATCH = 5000


def audited_tables():
    """Every history table, and the sensitive-access log, in a fixed order."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.object_name.startswith("Historical"):
            tables.add((model._meta.db_table, model._meta.pk.column))
    tables.add(("workflows_sensitiveaccess", "id"))
    return sorted(tables)


def _date_queries():
    """Per audited table, the SQL giving one row's date. A many-to-many
    history row takes the date of the history row it belongs to."""
    queries = {
        "workflows_sensitiveaccess": (
            'SELECT "at" FROM "workflows_sensitiveaccess" WHERE "id" = %s'
        )
    }
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.object_name.startswith("Historical"):
            continue
        names = {f.name for f in meta.concrete_fields}
        if "history_date" in names:
            queries[meta.db_table] = (
                f'SELECT "history_date" FROM "{meta.db_table}" '
                f'WHERE "{meta.pk.column}" = %s'
            )
        else:  # simple-history's m2m table: dated by its parent history row
            parent = meta.get_field("history")
            target = parent.related_model._meta
            queries[meta.db_table] = (
                f'SELECT p."history_date" FROM "{meta.db_table}" m '
                f'JOIN "{target.db_table}" p '
                f'ON p."{target.pk.column}" = m."{parent.column}" '
                f'WHERE m."{meta.pk.column}" = %s'
            )
    return queries


def _rows(table, pk, after=None, ids=None, limit=None):
    """``(id, canonical json)`` of rows of ``table``."""
    with connection.cursor() as cursor:
        if ids is not None:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f'SELECT * FROM "{table}" WHERE "{pk}" IN ({marks})', list(ids)
            )
        else:
            sql = f'SELECT * FROM "{table}" WHERE "{pk}" > %s ORDER BY "{pk}"'
            if limit:
                sql += f" LIMIT {int(limit)}"
            cursor.execute(sql, [after or 0])
        columns = [c[0] for c in cursor.description]
        index = columns.index(pk)
        for row in cursor.fetchall():
            yield row[index], canonical(dict(zip(columns, row, strict=True)))


def canonical(row):
    return json.dumps(row, sort_keys=True, ensure_ascii=False, default=_plain)


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat()
    return str(value)


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _head():
    last = AuditSeal.objects.order_by("-seq").first()
    if last is not None:
        return last.chain_hash
    checkpoint = AuditCheckpoint.objects.order_by("-last_seq").first()
    return checkpoint.last_chain_hash if checkpoint else GENESIS


@transaction.atomic
def seal():
    """Append links for every row not sealed yet. Returns how many."""
    # one sealer at a time: lock the newest link (or nothing, on SQLite the
    # IMMEDIATE transaction already serialises writers)
    list(AuditSeal.objects.select_for_update().order_by("-seq")[:1])
    head = _head()
    sealed = 0
    for table, pk in audited_tables():
        last = (
            AuditSeal.objects.filter(table=table)
            .order_by("-row_id")
            .values_list("row_id", flat=True)
            .first()
            or 0
        )
        while True:
            batch = list(_rows(table, pk, after=last, limit=BATCH))
            if not batch:
                break
            links = []
            for row_id, text in batch:
                row_hash = digest(text)
                head = digest(head + row_hash)
                links.append(
                    AuditSeal(
                        table=table, row_id=row_id, row_hash=row_hash, chain_hash=head
                    )
                )
            AuditSeal.objects.bulk_create(links)
            sealed += len(links)
            last = batch[-1][0]
    return sealed


@dataclass
class Break:
    seq: int
    table: str
    row_id: int
    problem: str


def verify():
    """The first broken link, or None when the whole chain holds."""
    checkpoint = AuditCheckpoint.objects.order_by("-last_seq").first()
    head = checkpoint.last_chain_hash if checkpoint else GENESIS
    after = checkpoint.last_seq if checkpoint else 0
    pks = dict(audited_tables())
    while True:
        links = list(AuditSeal.objects.filter(seq__gt=after).order_by("seq")[:BATCH])
        if not links:
            return None
        by_table = {}
        for link in links:
            by_table.setdefault(link.table, []).append(link.row_id)
        current = {}
        for table, ids in by_table.items():
            if table not in pks:
                continue
            for row_id, text in _rows(table, pks[table], ids=ids):
                current[(table, row_id)] = digest(text)
        for link in links:
            row_hash = current.get((link.table, link.row_id))
            if row_hash is None:
                return Break(link.seq, link.table, link.row_id, "row deleted")
            if row_hash != link.row_hash:
                return Break(link.seq, link.table, link.row_id, "row changed")
            head = digest(head + row_hash)
            if head != link.chain_hash:
                return Break(link.seq, link.table, link.row_id, "chain altered")
        after = links[-1].seq


class RetentionRefused(Exception):
    pass


@transaction.atomic
def purge(*, before, reason, by=None, today=None):
    """Remove audit records older than ``before``; refuse anything younger
    than the retention period. Keeps the chain verifiable from a checkpoint."""
    today = today or timezone.localdate()
    limit = today - datetime.timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise RetentionRefused(
            f"records younger than {RETENTION_DAYS} days are kept: "
            f"the earliest allowed cut-off is {limit.isoformat()}"
        )
    if not (reason or "").strip():
        raise RetentionRefused("a reason is required")
    seal()
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    pks = dict(audited_tables())
    # the removable prefix of the chain: links whose rows are all older
    dates = _date_queries()
    last_seq, removed = None, 0
    for link in AuditSeal.objects.order_by("seq").iterator(chunk_size=BATCH):
        if link.table not in dates:
            break
        with connection.cursor() as cursor:
            cursor.execute(dates[link.table], [link.row_id])
            row = cursor.fetchone()
        if row is None or row[0] is None or _aware(row[0]) >= cutoff:
            break
        last_seq, last_hash = link.seq, link.chain_hash
    if last_seq is None:
        return 0
    for table, pk in pks.items():
        ids = AuditSeal.objects.filter(table=table, seq__lte=last_seq).values_list(
            "row_id", flat=True
        )
        with connection.cursor() as cursor:
            for chunk in _chunks(list(ids), 900):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f'DELETE FROM "{table}" WHERE "{pk}" IN ({marks})', chunk
                )
                removed += cursor.rowcount
    AuditSeal.objects.filter(seq__lte=last_seq).delete()
    AuditCheckpoint.objects.create(
        purged_before=before,
        last_seq=last_seq,
        last_chain_hash=last_hash,
        rows_removed=removed,
        reason=reason,
        by=by,
    )
    return removed


def _aware(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i : i + size]
