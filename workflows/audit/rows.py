"""What the chain hashes: the audit tables and the canonical form of a row.

A row's hash is the SHA-256 of its canonical JSON — every column, as the
database driver returns it, keys sorted — so the same row read twice hashes
the same, and any changed column changes the hash.
"""

import datetime
import hashlib
import json

from django.apps import apps
from django.db import connections
from django.utils import timezone

GENESIS = "0" * 64
ACCESS_TABLE = "workflows_sensitiveaccess"
CHECKPOINT_TABLE = "workflows_auditcheckpoint"


def history_models():
    """Every history model, many-to-many history models included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.object_name.startswith("Historical")
    ]


def audited_tables():
    """``[(table, pk column)]`` of every table whose rows are hashed: each
    history table, the sensitive-access log and the retention checkpoints."""
    tables = {(m._meta.db_table, m._meta.pk.column) for m in history_models()}
    tables.add((ACCESS_TABLE, "id"))
    tables.add((CHECKPOINT_TABLE, "id"))
    return sorted(tables)


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


def read_rows(table, pk, ids, *, using="default"):
    """``{id: canonical json}`` of the rows of ``table`` with these ids (the
    ones that exist)."""
    found = {}
    ids = list(ids)
    with connections[using].cursor() as cursor:
        for start in range(0, len(ids), 900):  # SQLite's limit on parameters
            chunk = ids[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f'SELECT * FROM "{table}" WHERE "{pk}" IN ({marks})', chunk)
            columns = [c[0] for c in cursor.description]
            index = columns.index(pk)
            for row in cursor.fetchall():
                found[row[index]] = canonical(dict(zip(columns, row, strict=True)))
    return found


def row_hashes(table, pk, ids, *, using="default"):
    """``{id: hash}`` of the rows with these ids (the ones that exist)."""
    return {
        row_id: digest(text)
        for row_id, text in read_rows(table, pk, ids, using=using).items()
    }
