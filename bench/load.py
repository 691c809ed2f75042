"""Bulk row writers: COPY on PostgreSQL, batched executemany on SQLite.

Rows go straight to the tables with explicit primary keys (the generator
assigns them), so foreign keys need no round trip; sequences are moved past
the new ids afterwards.
"""

import datetime
import json
from decimal import Decimal

from django.db import connection


class TableWriter:
    """Collects rows for one table and writes them in batches."""

    def __init__(self, table, columns, batch=20000, json_columns=()):
        self.table = table
        self.columns = list(columns)
        self.json_at = [self.columns.index(c) for c in json_columns]
        self.batch = batch
        self.rows = []
        self.written = 0

    def add(self, row):
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            _copy(self.table, self.columns, self.rows, self.json_at)
        else:
            _insert(self.table, self.columns, self.rows)
        self.written += len(self.rows)
        self.rows = []


def _json(value):
    return json.dumps(value, ensure_ascii=False)


# SQLite conversions by exact type (a dict lookup per value is the hot path).
SQLITE_CONVERT = {
    dict: _json,
    list: _json,
    Decimal: str,
    datetime.datetime: lambda v: v.isoformat(sep=" "),
    datetime.date: lambda v: v.isoformat(),
}


def _convert(row, table):
    out = list(row)
    for i, value in enumerate(out):
        conv = table.get(type(value))
        if conv is not None:
            out[i] = conv(value)
    return out


def _copy(table, columns, rows, json_at):
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            if not json_at:
                for row in rows:
                    copy.write_row(row)
                return
            for row in rows:  # only JSON values need adapting for COPY
                row = list(row)
                for i in json_at:
                    if row[i] is not None:
                        row[i] = _json(row[i])
                copy.write_row(row)


def _insert(table, columns, rows):
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_convert(row, SQLITE_CONVERT) for row in rows])


def next_id(table, pk="id"):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        return cursor.fetchone()[0] + 1


def reset_sequences(models):
    """Move PostgreSQL sequences past explicitly inserted ids."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze():
    """Fresh planner statistics after a bulk load, as autovacuum would give a
    live database in time; without them PostgreSQL plans the measured pages
    on the row estimates of empty tables."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fast_session():
    """Relax durability for a one-off bulk load (benchmark databases only)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")


def json_columns(model):
    from django.db import models

    return [
        f.column
        for f in model._meta.local_concrete_fields
        if isinstance(f, models.JSONField)
    ]
