"""The hash chain over the recorded audit rows: sealing and checking it.

Writers record each audit row's hash as they write it (``record.py``).
Sealing — the timer dispatcher on every sweep, ``manage.py seal_audit`` —
gives the recorded hashes not sealed yet their place in the chain, in the
order they were recorded: link N holds the row's recorded hash and
``chain_hash = sha256(chain_hash of link N-1 + row hash)``; the new head is
appended to the head log (``headlog.py``). Retention checkpoints are links
too (``retention.py``).

``check_chain`` recomputes all of it: every link from the one before it,
every row's hash against the hash recorded for it (sealed or not), that
every audit row has a recorded hash, and that the checkpoints hold together.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import headlog
from .models import AuditCheckpoint, AuditRowHash
from .record import unrecorded
from .rows import CHECKPOINT_TABLE, GENESIS, audited_tables, digest, read_rows

BATCH = 5000
LOCK_KEY = 0x61756469  # pg_advisory_xact_lock key of the sealer ("audi")

ROW_CHANGED = "row changed"
ROW_DELETED = "row deleted"
UNRECORDED = "row has no recorded hash"
CHAIN_ALTERED = "chain altered"
LINKS_MISSING = "links missing"
CHECKPOINT_ALTERED = "checkpoint altered, removed or inserted"
CHECKPOINT_CONFLICT = "checkpoint does not match the chain"
COLUMNS_ALTERED = "column set altered, missing or naming a dropped column"


@dataclass(frozen=True)
class Break:
    """One finding about the chain: what, and where."""

    problem: str
    table: str = ""
    row_id: object = None
    seq: int | None = None
    detail: str = ""

    def __str__(self):
        where = []
        if self.seq is not None:
            where.append(f"link #{self.seq}")
        if self.table:
            where.append(f"{self.table} row {self.row_id}")
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        return f"{text} ({self.detail})" if self.detail else text


def _lock():
    """One sealer at a time. SQLite: the IMMEDIATE transaction already holds
    the write lock. PostgreSQL: a transaction-scoped advisory lock (a row
    lock would not cover an empty chain)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def head():
    """``(seq, chain_hash)`` of the last link, or where the chain starts."""
    last = (
        AuditRowHash.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "chain_hash")
        .first()
    )
    if last is not None:
        return last
    checkpoint = AuditCheckpoint.objects.order_by("-last_seq").first()
    if checkpoint is not None:
        return checkpoint.last_seq, checkpoint.last_chain_hash
    return 0, GENESIS


@transaction.atomic
def seal(*, log=True):
    """Chain every recorded hash not sealed yet. Returns how many. With
    ``log``, the new head goes to the head log, as the transaction's last
    step (a head logged by a transaction that then fails to commit is a false
    alarm, never a missed one)."""
    _lock()
    seq, chain_hash = head()
    sealed = 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = AuditRowHash._meta.db_table
    for batch in _pending():
        updates = []
        for pk, row_hash in batch:
            seq += 1
            chain_hash = digest(chain_hash + row_hash)
            updates.append((seq, chain_hash, now, pk))
        _write_links(table, updates)
        sealed += len(batch)
    if sealed and log:
        headlog.append(seq, chain_hash, "seal")
    return sealed


def _pending():
    """The recorded hashes not sealed yet, ``(id, row_hash)`` in id order, a
    batch at a time. PostgreSQL: one scan through a server-side cursor, opened
    before the first link is written (a cursor never sees later changes), so
    the walk is one plan however many rows wait — a page query per batch was
    planned on the row estimates of a table loaded in the same transaction
    and rescanned it every page (the city's seal ran past 20 minutes).
    SQLite: keyset pages (the rows just sealed are still in the index until
    the transaction ends, so each page starts after the last id)."""
    pending = (
        AuditRowHash.objects.filter(seq__isnull=True)
        .order_by("id")
        .values_list("id", "row_hash")
    )
    if connection.vendor == "postgresql":
        batch = []
        for row in pending.iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    last = 0
    while batch := list(pending.filter(id__gt=last)[:BATCH]):
        yield batch
        last = batch[-1][0]


def _write_links(table, updates):
    """``(seq, chain_hash, sealed_at, id)`` rows: on PostgreSQL one UPDATE …
    FROM unnest(arrays) per batch (four parameters, however many rows);
    SQLite runs the statement per row in-process."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f'UPDATE "{table}" SET "seq" = %s, "chain_hash" = %s, '
                f'"sealed_at" = %s WHERE "id" = %s',
                updates,
            )
            return
        seqs, hashes, _, ids = zip(*updates, strict=True)
        cursor.execute(
            f'UPDATE "{table}" t SET "seq" = v.seq, "chain_hash" = v.chain_hash, '
            f'"sealed_at" = %s FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) '
            f"AS v(seq, chain_hash, id) WHERE t.id = v.id",
            [updates[0][2], list(seqs), list(hashes), list(ids)],
        )


def link_row(table, row_id, row_hash, *, event):
    """Append the recorded hash of one row as the next link at once, and log
    that head with ``event`` (a retention checkpoint: the head log must name
    its very link)."""
    _lock()
    seq, chain_hash = head()
    seq, chain_hash = seq + 1, digest(chain_hash + row_hash)
    AuditRowHash.objects.filter(table=table, row_id=row_id).update(
        seq=seq, chain_hash=chain_hash, sealed_at=timezone.now()
    )
    headlog.append(seq, chain_hash, event)
    return seq, chain_hash


def check_chain():
    """Every ``Break`` of the chain, the recorded hashes and the checkpoints;
    ``[]`` when all hold. Reads each audit row once, in batches."""
    pks = dict(audited_tables())
    found = _check_checkpoints() + _check_column_sets()
    governing = AuditCheckpoint.objects.order_by("-last_seq", "-id").first()
    links = AuditRowHash.objects.filter(seq__isnull=False).order_by("seq")
    expected_seq, chain_hash = None, None
    after = None
    while True:
        batch = list((links if after is None else links.filter(seq__gt=after))[:BATCH])
        if not batch:
            break
        after = batch[-1].seq
        if expected_seq is None:
            expected_seq, chain_hash, start = _start(batch[0], governing)
            found += start
        current = _current_hashes(batch, pks)
        for link in batch:
            if link.seq != expected_seq:
                found.append(
                    Break(
                        LINKS_MISSING,
                        seq=link.seq,
                        detail=f"#{expected_seq} to #{link.seq - 1} are gone",
                    )
                )
                chain_hash = None
            if chain_hash is not None and digest(chain_hash + link.row_hash) != (
                link.chain_hash
            ):
                found.append(Break(CHAIN_ALTERED, link.table, link.row_id, link.seq))
            chain_hash, expected_seq = link.chain_hash, link.seq + 1
            found += _compare(link, current, link.seq)
    found += _check_unsealed(pks)
    found += _check_recorded(pks)
    return found


def _start(first, governing):
    """Where the walk starts: link 1 after the genesis, or the link after the
    latest checkpoint."""
    if first.seq == 1 and governing is None:
        return 1, GENESIS, []
    if governing is not None and first.seq == governing.last_seq + 1:
        return first.seq, governing.last_chain_hash, []
    if governing is not None:
        detail = (
            f"checkpoint {governing.pk} removed links up to #{governing.last_seq}; "
            f"the chain starts at #{first.seq}"
        )
        problem = Break(
            CHECKPOINT_CONFLICT, CHECKPOINT_TABLE, governing.pk, detail=detail
        )
    else:
        detail = f"links #1 to #{first.seq - 1} are gone and no checkpoint removed them"
        problem = Break(LINKS_MISSING, seq=first.seq, detail=detail)
    # the first link cannot be checked against its predecessor
    return first.seq, (GENESIS if first.seq == 1 else None), [problem]


def _current_hashes(rows, pks):
    """The hashes of the rows now, each over its recorded column set (a row
    whose set is gone or altered hashes over nothing, so it no longer
    matches)."""
    by_set = {}
    for row in rows:
        by_set.setdefault((row.table, row.columns), []).append(row.row_id)
    sets = column_sets({key for _table, key in by_set})
    current = {}
    for (table, key), ids in by_set.items():
        if table not in pks:
            continue
        columns = sets.get(key) if key else None
        if key and columns is None:
            continue  # the set is missing or altered: reported on its own
        for row_id, text in read_rows(table, pks[table], ids, columns=columns).items():
            current[(table, row_id)] = digest(text)
    return current


def column_sets(keys):
    """``{key: columns}`` of the stored column sets whose key still matches
    their columns."""
    from .models import AuditColumnSet
    from .rows import column_set_key

    return {
        s.key: s.columns
        for s in AuditColumnSet.objects.filter(key__in=[k for k in keys if k])
        if column_set_key(s.columns) == s.key
    }


def _check_column_sets():
    """A column set altered (its key no longer its digest), one a hash
    refers to but missing, or naming a column its table no longer has (a
    history table must never lose a column)."""
    from .models import AuditColumnSet
    from .rows import column_set_key, table_columns

    found = []
    used = set(AuditRowHash.objects.values_list("table", "columns").distinct())
    stored = {s.key: s for s in AuditColumnSet.objects.all()}
    for table, key in sorted(used):
        if not key:
            continue
        column_set = stored.get(key)
        if column_set is None or column_set_key(column_set.columns) != key:
            found.append(Break(COLUMNS_ALTERED, table, detail=f"column set {key}"))
            continue
        gone = set(column_set.columns) - set(table_columns(table))
        if gone:
            detail = f"column set {key}: {', '.join(sorted(gone))} no longer exist"
            found.append(Break(COLUMNS_ALTERED, table, detail=detail))
    return found


def _compare(recorded, current, seq=None):
    now = current.get((recorded.table, recorded.row_id))
    if now is None:
        return [Break(ROW_DELETED, recorded.table, recorded.row_id, seq)]
    if now != recorded.row_hash:
        return [Break(ROW_CHANGED, recorded.table, recorded.row_id, seq)]
    return []


def _check_unsealed(pks):
    """Hashes recorded but not sealed yet: the rows must still match."""
    found = []
    pending = AuditRowHash.objects.filter(seq__isnull=True).order_by("id")
    after = 0
    while batch := list(pending.filter(id__gt=after)[:BATCH]):
        after = batch[-1].id
        current = _current_hashes(batch, pks)
        for recorded in batch:
            found += [
                Break(b.problem, b.table, b.row_id, None, "not sealed yet")
                for b in _compare(recorded, current)
            ]
    return found


def _check_recorded(pks):
    """Every audit row has a recorded hash: a row written around the
    recording (inserted by SQL) or whose hash was deleted shows here."""
    found = []
    for table, pk in pks.items():
        for ids in unrecorded(table, pk, limit=BATCH):
            found += [Break(UNRECORDED, table, row_id) for row_id in ids]
    return found


def _check_checkpoints():
    """Each checkpoint names the hash of the one before it (the first names
    the genesis), in the order of the links they removed."""
    found = []
    checkpoints = list(AuditCheckpoint.objects.order_by("last_seq", "id"))
    rows = read_rows(CHECKPOINT_TABLE, "id", [c.pk for c in checkpoints])
    previous, previous_seq = GENESIS, 0
    for checkpoint in checkpoints:
        if checkpoint.previous_hash != previous or checkpoint.last_seq <= previous_seq:
            found.append(Break(CHECKPOINT_ALTERED, CHECKPOINT_TABLE, checkpoint.pk))
        previous = digest(rows[checkpoint.pk])
        previous_seq = checkpoint.last_seq
    return found
