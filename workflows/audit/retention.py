"""Retention: old audit records removed, the chain kept verifiable.

``purge`` refuses anything younger than 180 days (网络安全法 Art 21) and a
chain that does not verify (removing records would destroy the evidence).
It removes the oldest part of the chain — the links up to the first record
younger than the date — with their rows, except the latest history row of
each object that still exists (the live-row check compares the object with
it) and earlier checkpoints: those are kept and sealed again at the end of
the chain. It then writes an ``AuditCheckpoint`` (the last removed link and
its hash, the hash of the previous checkpoint, counts, who, why), links it
into the chain at once and logs that head as a ``purge`` in the head log.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from .chain import BATCH, link_row, seal
from .live import audited_models
from .models import AuditCheckpoint, AuditRowHash
from .record import record
from .rows import (
    ACCESS_TABLE,
    CHECKPOINT_TABLE,
    GENESIS,
    audited_tables,
    digest,
    history_models,
    read_rows,
)

RETENTION_DAYS = 180  # 网络安全法 Art 21: network logs kept at least six months


class RetentionRefused(Exception):
    pass


@transaction.atomic
def purge(*, before, reason, by=None, today=None):
    """Remove audit records older than ``before``; returns how many."""
    from .verify import verify

    today = today or timezone.localdate()
    limit = today - datetime.timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise RetentionRefused(
            f"records younger than {RETENTION_DAYS} days are kept: "
            f"the earliest allowed cut-off is {limit.isoformat()}"
        )
    if not (reason or "").strip():
        raise RetentionRefused("a reason is required")
    seal(log=False)  # the purge's own head, logged at the end, covers these
    report = verify(live=False)
    if not report.intact:
        raise RetentionRefused(
            "the audit chain does not verify; records are not removed while "
            "they may be evidence (run verify_audit)"
        )
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    last = _removable_prefix(cutoff)
    if last is None:
        return 0
    last_seq, last_hash = last
    keep = _kept(last_seq)
    removed = _remove(last_seq, keep)
    AuditRowHash.objects.filter(pk__in=_hash_ids(keep)).update(
        seq=None, chain_hash="", sealed_at=None
    )
    checkpoint = AuditCheckpoint.objects.create(
        purged_before=before,
        last_seq=last_seq,
        last_chain_hash=last_hash,
        previous_hash=_previous_checkpoint_hash(),
        rows_removed=removed,
        rows_kept=sum(len(ids) for ids in keep.values()),
        reason=reason,
        by=by,
    )
    seal(log=False)  # the kept rows, again, after the removed links
    record(CHECKPOINT_TABLE, "id", [checkpoint.pk])
    row_hash = AuditRowHash.objects.get(table=CHECKPOINT_TABLE, row_id=checkpoint.pk)
    link_row(CHECKPOINT_TABLE, checkpoint.pk, row_hash.row_hash, event="purge")
    return removed


def _date_queries():
    """Per audit table, the SQL giving the dates of rows by id. A
    many-to-many history row takes the date of the history row it belongs to."""
    queries = {
        ACCESS_TABLE: f'SELECT "id", "at" FROM "{ACCESS_TABLE}" WHERE "id" IN ',
        CHECKPOINT_TABLE: f'SELECT "id", "at" FROM "{CHECKPOINT_TABLE}" WHERE "id" IN ',
    }
    for model in history_models():
        meta = model._meta
        pk = meta.pk.column
        if "history_date" in {f.name for f in meta.concrete_fields}:
            queries[meta.db_table] = (
                f'SELECT "{pk}", "history_date" FROM "{meta.db_table}" WHERE "{pk}" IN '
            )
        else:  # simple-history's m2m table: dated by its parent history row
            parent = meta.get_field("history")
            target = parent.related_model._meta
            queries[meta.db_table] = (
                f'SELECT m."{pk}", p."history_date" FROM "{meta.db_table}" m '
                f'JOIN "{target.db_table}" p '
                f'ON p."{target.pk.column}" = m."{parent.column}" WHERE m."{pk}" IN '
            )
    return queries


def _dates(queries, table, ids):
    marks = "(" + ", ".join(["%s"] * len(ids)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(queries[table] + marks, list(ids))
        return {row_id: _aware(at) for row_id, at in cursor.fetchall()}


def _removable_prefix(cutoff):
    """``(seq, chain_hash)`` of the last link of the longest prefix of the
    chain whose rows are all older than ``cutoff``, or None."""
    queries = _date_queries()
    links = AuditRowHash.objects.filter(seq__isnull=False).order_by("seq")
    last, after = None, 0
    while batch := list(links.filter(seq__gt=after)[:900]):
        after = batch[-1].seq
        dates = {}
        for table in {link.table for link in batch}:
            if table in queries:
                ids = [link.row_id for link in batch if link.table == table]
                for row_id, at in _dates(queries, table, ids).items():
                    dates[(table, row_id)] = at
        for link in batch:
            at = dates.get((link.table, link.row_id))
            if at is None or at >= cutoff:
                return last
            last = (link.seq, link.chain_hash)
    return last


def _kept(last_seq):
    """``{table: [row ids]}`` of rows in the removed links that are kept: the
    latest history row of each object still there, the many-to-many rows
    kept with such a row (wherever that row itself is in the chain), and
    earlier checkpoints."""
    keep = {CHECKPOINT_TABLE: _prefix_ids(CHECKPOINT_TABLE, last_seq)}
    for model in audited_models():
        history = model.history.model
        ids = _prefix_ids(history._meta.db_table, last_seq)
        keep[history._meta.db_table] = _latest(model, ids)
        for field in getattr(history, "_history_m2m_fields", []):
            m2m = vars(history)[field.name].model
            pk = m2m._meta.pk.attname
            kept = []
            ids = _prefix_ids(m2m._meta.db_table, last_seq)
            for start in range(0, len(ids), BATCH):
                rows = list(
                    m2m.objects.filter(
                        **{f"{pk}__in": ids[start : start + BATCH]}
                    ).values_list(pk, "history_id")
                )
                latest = set(_latest(model, list({h for _i, h in rows})))
                kept += [i for i, parent in rows if parent in latest]
            keep[m2m._meta.db_table] = kept
    return keep


def _latest(model, history_ids):
    """Those of ``history_ids`` that are the latest history row of their
    object, and do not say it was deleted."""
    history = model.history.model
    pk = model._meta.pk.attname
    found = []
    for start in range(0, len(history_ids), BATCH):
        rows = list(
            history.objects.filter(
                history_id__in=history_ids[start : start + BATCH]
            ).values_list("history_id", pk, "history_type")
        )
        last = dict(
            history.objects.filter(**{f"{pk}__in": {obj for _i, obj, _t in rows}})
            .order_by()
            .values(pk)
            .annotate(last=Max("history_id"))
            .values_list(pk, "last")
        )
        found += [i for i, obj, kind in rows if last.get(obj) == i and kind != "-"]
    return found


def _prefix_ids(table, last_seq):
    return list(
        AuditRowHash.objects.filter(table=table, seq__lte=last_seq)
        .order_by("row_id")
        .values_list("row_id", flat=True)
    )


def _hash_ids(keep):
    ids = []
    for table, row_ids in keep.items():
        for start in range(0, len(row_ids), 900):
            ids += AuditRowHash.objects.filter(
                table=table, row_id__in=row_ids[start : start + 900]
            ).values_list("id", flat=True)
    return ids


def _remove(last_seq, keep):
    """Delete the rows of the removed links (not the kept ones) and their
    links; returns how many rows."""
    removed = 0
    for table, pk in audited_tables():
        kept = set(keep.get(table, ()))
        ids = [i for i in _prefix_ids(table, last_seq) if i not in kept]
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f'DELETE FROM "{table}" WHERE "{pk}" IN ({marks})', chunk
                )
                removed += cursor.rowcount
        for start in range(0, len(ids), 900):
            AuditRowHash.objects.filter(
                table=table, row_id__in=ids[start : start + 900]
            ).delete()
    return removed


def _previous_checkpoint_hash():
    previous = AuditCheckpoint.objects.order_by("-last_seq", "-id").first()
    if previous is None:
        return GENESIS
    return digest(read_rows(CHECKPOINT_TABLE, "id", [previous.pk])[previous.pk])


def _aware(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value
