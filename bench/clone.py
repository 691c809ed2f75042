"""Capture the rows one real case wrote, and stamp copies of them.

A prototype case is taken through the 低保 flow by the services, as staff of
the synthetic city. Every row it added to any table (process, case,
application, tasks with their tokens and `previous` links, deadlines, step
records, household, members, history rows…) is captured. Each copy gets new
primary keys, foreign keys pointing to the copy's own rows, the staff of its
own village, new identities for its members and shifted dates — so 100,000
cases carry exactly the rows the system itself writes, at bulk-load speed.
"""

import datetime
import json
import random
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models

from roles.models import Region

from .load import TableWriter, json_columns, next_id


def _doer_of(permission):
    """The role that does a step: the first role, lowest level first, holding it."""
    from roles.matrix import ROLE_PERMISSIONS

    for role in (
        "town_caseworker",
        "town_supervisor",
        "district_reviewer",
        "district_supervisor",
    ):
        if permission in ROLE_PERMISSIONS[role]:
            return role
    return None


STEP_PERMISSIONS = [
    "workflows.accept_application",
    "workflows.investigate_application",
    "workflows.crosscheck_application",
    "workflows.calculate_application",
    "workflows.propose_application",
    "workflows.handle_objection",
    "workflows.confirm_application",
    "workflows.confirm_delegated_application",
    "workflows.decide_application",
    "workflows.decide_delegated_application",
    "workflows.deliver_notice",
]
PERMISSION_ROLE = {p: _doer_of(p) for p in STEP_PERMISSIONS}

SKIP_TABLES = {
    "django_migrations",
    "django_session",
    "django_admin_log",
    # the audit chain: the copies' row hashes are recorded after the load
    # (City.build), never copied from the prototype's
    "workflows_auditrowhash",
    "workflows_auditcheckpoint",
    # column sets are keyed by their columns' digest, not numbered: hashing
    # the copies records any set they need
    "workflows_auditcolumnset",
    # background jobs (random UUID keys): no step of a case starts one
    "workflows_job",
}
TASK_TABLES = {"viewflow_task", "workflows_historicaltask"}
TOKEN_SPLIT = re.compile(r"(\d+)_(\d+)")


def _key_field(pk):
    while pk.is_relation:  # a child table is keyed by its parent's row
        pk = pk.target_field
    return pk


def concrete_tables():
    """Every table with its model (auto-created M2M tables included). The
    capture finds new rows by a growing integer key, so a table keyed
    otherwise must be listed in SKIP_TABLES with the reason it may be."""
    seen = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.proxy or not model._meta.managed or table in SKIP_TABLES:
            continue
        if not isinstance(_key_field(model._meta.pk), models.IntegerField):
            raise TypeError(
                f"{table} is not keyed by an integer: the benchmark cannot copy "
                "its new rows; list it in SKIP_TABLES with the reason"
            )
        seen.setdefault(table, model)
    return seen


def _max_pk(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX("{column}"), 0) FROM "{table}"')
        return cursor.fetchone()[0]


@dataclass
class Table:
    name: str
    model: type
    columns: list
    pk: str
    rows: list = field(default_factory=list)

    @property
    def fields(self):
        return {f.column: f for f in self.model._meta.local_concrete_fields}


class Capture:
    """The rows added to every table while a prototype ran."""

    def __init__(self):
        self.tables = {}
        self._baseline = {}

    def __enter__(self):
        for table, model in concrete_tables().items():
            pk = model._meta.pk.column
            self._baseline[table] = (model, pk, _max_pk(table, pk))
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False
        for table, (model, pk, before) in self._baseline.items():
            if _max_pk(table, pk) <= before:
                continue
            columns = [f.column for f in model._meta.local_concrete_fields]
            cols = ", ".join(f'"{c}"' for c in columns)
            with connection.cursor() as cursor:
                cursor.execute(
                    f'SELECT {cols} FROM "{table}" WHERE "{pk}" > %s ORDER BY "{pk}"',
                    [before],
                )
                rows = cursor.fetchall()
            json_columns = [
                i
                for i, f in enumerate(model._meta.local_concrete_fields)
                if isinstance(f, models.JSONField)
            ]
            if json_columns:  # SQLite hands JSON back as text
                rows = [_parse_json(row, json_columns) for row in rows]
            self.tables[table] = Table(table, model, columns, pk, rows)
        return False


def _parse_json(row, positions):
    row = list(row)
    for i in positions:
        if isinstance(row[i], str):
            row[i] = json.loads(row[i])
    return tuple(row)


class Stamper:
    """Writes copies of a capture; one instance per capture."""

    def __init__(self, capture, prototype_village, prototype_staff, writers):
        self.capture = capture
        self.village = prototype_village
        self.staff_role = prototype_staff  # prototype user id -> role code
        self.writers = writers  # table -> TableWriter (shared across captures)
        self.User = get_user_model()
        self._ordinal = {}
        self._base = {}
        for name, table in capture.tables.items():
            pk_field = table.model._meta.pk
            if (
                pk_field.is_relation
            ):  # MTI parent link / one-to-one pk: follows its target
                continue
            index = table.columns.index(table.pk)
            self._ordinal[name] = {row[index]: i for i, row in enumerate(table.rows)}
        self.copies = 0

    # -- mapping ---------------------------------------------------------------

    def reserve(self, count):
        """Reserve id ranges for ``count`` copies in every captured table."""
        for name, ordinal in self._ordinal.items():
            writer = self.writers.get(name)
            start = (
                writer.next_pk
                if writer
                else next_id(name, self.capture.tables[name].pk)
            )
            self._base[name] = start
            size = len(ordinal)
            if writer is None:
                table = self.capture.tables[name]
                writer = self.writers[name] = TableWriter(
                    name, table.columns, json_columns=json_columns(table.model)
                )
            writer.next_pk = start + size * count
        for name, table in self.capture.tables.items():
            if name not in self.writers:
                self.writers[name] = TableWriter(
                    name, table.columns, json_columns=json_columns(table.model)
                )

    # -- copying -------------------------------------------------------------------

    def _plan(self, name, table):
        """One function per column: how to turn the prototype value into the copy's."""
        history_of = getattr(table.model, "instance_type", None)
        fields = table.fields
        plan = []
        for column in table.columns:
            field = fields[column]
            plan.append(self._column_function(name, table, field, column, history_of))
        return plan

    def _column_function(self, name, table, field, column, history_of):
        if field.is_relation:
            return self._fk_function(field)
        if column == table.pk:
            return self._pk_function(name)
        if history_of is not None and column == "id":
            root = history_of
            while root._meta.pk.is_relation:
                root = root._meta.pk.remote_field.model
            return self._pk_function(root._meta.db_table)
        if isinstance(field, (models.DateTimeField, models.DateField)):
            return lambda v, k, ctx: v - ctx["shift"]
        if name in TASK_TABLES and column == "token":
            task_pk = self._pk_function("viewflow_task")

            def token(v, k, ctx):
                return TOKEN_SPLIT.sub(
                    lambda m: f"{task_pk(int(m.group(1)), k, ctx)}_{m.group(2)}", v
                )

            return token
        if isinstance(field, models.JSONField):
            member_pk = self._pk_function("workflows_member")
            return lambda v, k, ctx: _remap_json(
                v, lambda mid: member_pk(mid, k, ctx), ctx
            )
        return None  # unchanged

    def _pk_function(self, table):
        """old pk -> the copy's pk, for rows of ``table`` this capture wrote."""
        ordinal = self._ordinal.get(table)
        if ordinal is None:
            return lambda v, k, ctx: v
        base, size = self._base[table], len(ordinal)

        def mapped(v, k, ctx):
            i = ordinal.get(v)
            return v if i is None else base + k * size + i

        return mapped

    def _fk_function(self, field):
        target = field.remote_field.model
        while target._meta.pk.is_relation:  # Application -> Case -> Process
            target = target._meta.pk.remote_field.model
        if target is self.User:
            roles = self.staff_role
            return lambda v, k, ctx: ctx["staff"].get(roles.get(v), v)
        if target is Region:
            village = self.village
            return lambda v, k, ctx: ctx["village"] if v == village else v
        return self._pk_function(target._meta.db_table)

    def stamp(self, k, ctx):
        """Write copy number ``k`` (from 0) for the village and staff in ``ctx``.

        With ``ctx["assign"]``, the copy's open human tasks are taken by the
        staff member whose role does that step, as most open work is in
        someone's inbox rather than waiting in a queue.
        """
        if not hasattr(self, "_plans"):
            self._plans = {n: self._plan(n, t) for n, t in self.capture.tables.items()}
        for name, table in self.capture.tables.items():
            plan = self._plans[name]
            writer = self.writers[name]
            person_columns = self._person_columns(table)
            # a task taken by its doer: its history says so too, so the live
            # row still equals its latest history row
            take = ctx.get("assign") and name in TASK_TABLES
            for row in table.rows:
                out = [
                    v if f is None or v is None else f(v, k, ctx)
                    for f, v in zip(plan, row, strict=True)
                ]
                if person_columns:
                    self._identity(out, person_columns, ctx)
                if take:
                    self._take(table.columns, out, ctx)
                writer.add(out)
        self.copies += 1

    @staticmethod
    def _take(columns, row, ctx):
        at = {
            c: columns.index(c)
            for c in (
                "status",
                "flow_task_type",
                "owner_permission",
                "owner_id",
                "assigned",
                "created",
            )
        }
        if row[at["status"]] != "NEW" or row[at["flow_task_type"]] != "HUMAN":
            return
        role = PERMISSION_ROLE.get(row[at["owner_permission"]])
        if role is None:
            return
        row[at["owner_id"]] = ctx["staff"][role]
        row[at["status"]] = "ASSIGNED"
        row[at["assigned"]] = row[at["created"]]

    def _person_columns(self, table):
        """Column positions to overwrite with the copy's own person/address."""
        model = getattr(table.model, "instance_type", None) or table.model
        cols = table.columns
        if model._meta.db_table == "workflows_member":
            return {
                "id": cols.index("id"),
                **{
                    c: cols.index(c) for c in ("name", "id_number", "birth_date", "sex")
                },
            }
        if model._meta.db_table == "workflows_household" and "address" in cols:
            return {"address": cols.index("address")}
        return None

    def _identity(self, row, columns, ctx):
        if "address" in columns:
            row[columns["address"]] = ctx["address"]
            return
        person = ctx["person"](row[columns["id"]])
        for column in ("name", "id_number", "birth_date", "sex"):
            row[columns[column]] = person[column]


def _remap_json(value, member_map, ctx, in_members=False):
    """Point member ids (and names) in a stored snapshot at the copy's members."""
    if not value:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            is_member_ref = key == "member" or (key == "id" and in_members)
            if is_member_ref and isinstance(item, int):
                out[key] = member_map(item)
            else:
                out[key] = _remap_json(item, member_map, ctx, key == "members")
        ref = out.get("member", out.get("id") if in_members else None)
        if "name" in out and isinstance(ref, int):
            out["name"] = ctx["person"](ref)["name"]
        return out
    if isinstance(value, list):
        return [_remap_json(item, member_map, ctx, in_members) for item in value]
    return value


def time_shift(rng: random.Random, max_days: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(0, max_days))
