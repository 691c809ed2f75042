"""What the chain hashes: the audit tables and the canonical form of a row.

A row's hash is the SHA-256 of its canonical JSON — the columns of its
column set (the table's columns when it was hashed), as the database driver
returns them, keys sorted — so the same row read twice hashes the same, any
changed column changes the hash, and a column added to the table later (a
migration) leaves the hashes of older rows as they were.
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


_columns = {}


def table_columns(table, *, using="default"):
    """The table's columns now (cached per process; a migration clears it)."""
    key = (using, table)
    if key not in _columns:
        connection = connections[using]
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, table)
        _columns[key] = sorted(c.name for c in described)
    return _columns[key]


def forget_columns():
    _columns.clear()


def column_set_key(columns):
    return digest("\n".join(sorted(columns)))[:16]


def read_rows(table, pk, ids, *, using="default", columns=None):
    """``{id: canonical json}`` of the rows of ``table`` with these ids (the
    ones that exist), over ``columns`` (default: the table's columns now;
    columns no longer in the table are left out, so such rows no longer
    match their hash)."""
    found = {}
    ids = list(ids)
    present = set(table_columns(table, using=using))
    wanted = sorted(c for c in (columns or present) if c in present)
    select = ", ".join(f'"{c}"' for c in wanted) if columns else "*"
    connection = connections[using]
    # PostgreSQL takes the ids as one array parameter (a statement with
    # thousands of placeholders costs more to build than to run); SQLite
    # limits the number of parameters
    postgres = connection.vendor == "postgresql"
    size = 5000 if postgres else 900
    with connection.cursor() as cursor:
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            if postgres:
                where, params = f'"{pk}" = ANY(%s)', [chunk]
            else:
                where, params = f'"{pk}" IN ({", ".join(["%s"] * len(chunk))})', chunk
            cursor.execute(f'SELECT {select} FROM "{table}" WHERE {where}', params)
            names = [c[0] for c in cursor.description]
            index = names.index(pk)
            for row in cursor.fetchall():
                found[row[index]] = canonical(dict(zip(names, row, strict=True)))
    return found


def row_hashes(table, pk, ids, *, using="default", columns=None):
    """``{id: hash}`` of the rows with these ids (the ones that exist)."""
    return {
        row_id: digest(text)
        for row_id, text in read_rows(
            table, pk, ids, using=using, columns=columns
        ).items()
    }
