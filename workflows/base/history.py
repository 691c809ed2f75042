"""The project's history records: simple-history plus who/what acted.

Every model's ``history`` is ``audited()``: historical rows carry
``history_job`` (the background job that made the change, empty for a person
at a page) next to simple-history's user, date, type and reason.
"""

from django.conf import settings
from django.db import models, router, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor, HistoryManager
from simple_history.models import HistoricalRecords
from simple_history.utils import get_change_reason_from_object

from .bulkinsert import insert_many


class AuditedHistory(models.Model):
    history_job = models.CharField(_("后台任务"), max_length=64, blank=True, default="")

    class Meta:
        abstract = True


class CachedHistoryDescriptor(HistoryDescriptor):
    """simple-history builds a new manager *class* (``from_queryset``, which
    inspects every queryset method) on each ``obj.history`` access — once
    per save, as the history row is written. That was a third of the cost
    of a save with history; build the class once."""

    def __get__(self, instance, owner):
        manager_class = self.__dict__.get("_manager_class")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._manager_class = manager_class
        return manager_class(self.model, instance)


class AuditedHistoryManager(HistoryManager):
    """simple-history's bulk writer (``bulk_create_with_history``,
    ``bulk_update_with_history``, the backfill) writes history rows without
    the signals a single save sends: write the many-to-many rows a save would
    keep with each, and record every row's hash, here."""

    def bulk_history_create(
        self,
        objs,
        batch_size=None,
        update=False,
        default_user=None,
        default_change_reason="",
        default_date=None,
        custom_historical_attrs=None,
    ):
        """simple-history's bulk writer, faster: the rows copied in the
        database from the rows just written (``_copy_history``), or where
        objects carry history attributes of their own, built here and
        written by ``insert_many`` (one ``COPY`` on PostgreSQL)."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return None
        objs = list(objs)
        model = self.model
        using = router.db_for_write(model)
        extra = dict(custom_historical_attrs or {})
        if _copyable(model, objs, extra):
            user = default_user or model.get_default_history_user(objs[0])
            rows = _copy_history(
                model,
                objs,
                history_type="~" if update else "+",
                user=user,
                job=extra.get("history_job", ""),
                reason=default_change_reason or "",
                date=default_date or timezone.now(),
                using=using,
                batch_size=batch_size or 500,
            )
            keep_bulk_rows(model, rows, objs)
            return rows
        tracked = [field.attname for field in model.tracked_fields]
        related = hasattr(model, "history_relation")
        now = default_date or timezone.now()
        rows = []
        for instance in objs:
            user = getattr(instance, "_history_user", None) or default_user
            if user is None:
                user = model.get_default_history_user(instance)
            row = model(
                history_date=getattr(instance, "_history_date", now),
                history_user=user,
                history_change_reason=get_change_reason_from_object(instance)
                or default_change_reason,
                history_type="~" if update else "+",
                **{name: getattr(instance, name) for name in tracked},
                **(custom_historical_attrs or {}),
            )
            if related:
                row.history_relation_id = instance.pk
            rows.append(row)
        insert_many(model, rows, using=using, batch_size=batch_size)
        if rows:
            keep_bulk_rows(model, rows, objs)
        return rows


OWN_ATTRS = ("_history_user", "_history_date", "_change_reason")


def _copyable(history_model, objs, extra) -> bool:
    """May these objects' history rows be copied from their rows as stored?"""
    return (
        bool(objs)
        and not hasattr(history_model, "history_relation")
        # a multi-table child's columns live in several tables: built instead
        and not history_model.instance_type._meta.parents
        and set(extra) <= {"history_job"}
        and all(obj.pk is not None for obj in objs)
        # one row copied per id: an object named twice gets its two rows built
        and len({obj.pk for obj in objs}) == len(objs)
        and not any(hasattr(obj, name) for obj in objs for name in OWN_ATTRS)
    )


def _copy_history(
    history_model, objs, *, history_type, user, job, reason, date, using, batch_size
):
    """The history rows of ``objs`` copied in the database from their rows
    as stored (one ``INSERT … SELECT … RETURNING`` per batch) instead of
    built as a model object each; thin row objects (ids) come back for the
    hashes and the many-to-many rows. One date for the call, as
    simple-history's bulk writer gives."""
    from django.db import connections

    model = history_model.instance_type
    meta, history_meta = model._meta, history_model._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    pairs = [
        (history_meta.get_field(field.name).column, field.column)
        for field in history_model.tracked_fields
    ]
    extra = [
        "history_job",
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user",
    ]
    targets = ", ".join(
        [quote(h) for h, _l in pairs]
        + [quote(history_meta.get_field(n).column) for n in extra]
    )
    sources = ", ".join(f"l.{quote(column)}" for _h, column in pairs)
    history_pk = quote(history_meta.pk.column)
    object_pk = quote(history_meta.get_field(meta.pk.name).column)
    live_pk = f"l.{quote(meta.pk.column)}"
    when = connection.ops.adapt_datetimefield_value(date)
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            ids = [obj.pk for obj in objs[start : start + batch_size]]
            cursor.execute(
                f"INSERT INTO {quote(history_meta.db_table)} ({targets}) "
                f"SELECT {sources}, %s, %s, %s, %s, %s "
                f"FROM {quote(meta.db_table)} l "
                f"WHERE {live_pk} IN ({', '.join(['%s'] * len(ids))}) "
                f"ORDER BY {live_pk} RETURNING {history_pk}, {object_pk}",
                [job, when, str(reason), history_type, getattr(user, "pk", user), *ids],
            )
            for history_id, object_id in cursor.fetchall():
                row = history_model(
                    history_id=history_id,
                    history_type=history_type,
                    **{meta.pk.attname: object_id},
                )
                row._state.db, row._state.adding = using, False
                rows.append(row)
    if len(rows) != len(objs):
        raise RuntimeError(
            f"{meta.label}: {len(objs) - len(rows)} history rows missing"
        )
    return rows


# History rows written in bulk (simple-history sends no signal per row): the
# audit chain records their hashes (``workflows.audit.record``).
history_rows_written = Signal()


def keep_bulk_rows(history_model, rows, instances):
    """After history rows were written in bulk: their many-to-many rows (the
    links of each instance now, as a save would keep them), and the hashes."""
    if any(row.pk is None for row in rows):
        raise RuntimeError("bulk history rows came back without their ids")
    history_rows_written.send(sender=history_model, rows=rows)
    by_pk = {instance.pk: instance for instance in instances}
    object_pk = history_model.instance_type._meta.pk.attname
    for field in getattr(history_model, "_history_m2m_fields", []):
        m2m_history = vars(history_model)[field.name].model
        through = field.remote_field.through
        source = through._meta.get_field(field.m2m_field_name()).attname
        names = [f.attname for f in through._meta.concrete_fields]
        links = {}
        for link in through._base_manager.filter(**{f"{source}__in": list(by_pk)}):
            links.setdefault(getattr(link, source), []).append(link)
        copies = [
            m2m_history(history_id=row.pk, **{n: getattr(link, n) for n in names})
            for row in rows
            if row.history_type != "-"
            for link in links.get(getattr(row, object_pk), [])
        ]
        if copies:
            written = m2m_history.objects.bulk_create(copies)
            history_rows_written.send(sender=m2m_history, rows=written)


class AuditedRecords(HistoricalRecords):
    """``HistoricalRecords`` with the cached descriptor and the bulk writer
    that records hashes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("history_manager", AuditedHistoryManager)
        super().__init__(*args, **kwargs)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:
            descriptor.__class__ = CachedHistoryDescriptor


def audited(*, retired=None, **kwargs):
    """``HistoricalRecords`` with the audit fields.

    ``retired``: ``{field name: column}`` of fields that left the live model.
    A history table never loses a column — the audit chain's hashes of its
    older rows cover it — so the column stays in the history model as a
    plain number (the id it held), read-only."""
    bases = list(kwargs.pop("bases", [AuditedHistory]))
    if retired:
        bases.append(_retired_columns(retired))
    kwargs["bases"] = bases
    return AuditedRecords(**kwargs)


def _retired_columns(columns):
    attrs = {
        "__module__": __name__,
        "Meta": type("Meta", (), {"abstract": True}),
    }
    for name, column in columns.items():
        attrs[name] = models.BigIntegerField(
            name, null=True, blank=True, db_column=column, editable=False
        )
    suffix = "".join(part.title() for part in sorted(columns))
    return type(f"Retired{suffix}", (models.Model,), attrs)


def bulk_history_attrs():
    """Who and which job, for history rows written in bulk."""
    from .context import current

    job, user = current()
    return {"default_user": user, "custom_historical_attrs": {"history_job": job or ""}}


def bulk_create(model, objs, *, reason, batch_size=500):
    """Insert new ``objs`` of ``model`` with their '+' history rows,
    attributed to the running job (a bare ``bulk_create`` writes none); one
    ``COPY`` each on PostgreSQL (``insert_many``)."""
    from simple_history.utils import get_history_manager_for_model

    objs = list(objs)
    using = router.db_for_write(model)
    with transaction.atomic(using=using, savepoint=False):
        insert_many(model, objs, using=using, batch_size=batch_size)
        get_history_manager_for_model(model).bulk_history_create(
            objs,
            batch_size=batch_size,
            default_change_reason=reason,
            **bulk_history_attrs(),
        )
    return objs


def bulk_update(model, objs, fields, *, reason, batch_size=500):
    """``bulk_update`` that writes the '~' history rows too (a bare
    ``QuerySet.update`` or ``bulk_update`` writes none)."""
    from simple_history.utils import bulk_update_with_history

    return bulk_update_with_history(
        objs,
        model,
        fields,
        batch_size=batch_size,
        default_change_reason=reason,
        **bulk_history_attrs(),
    )
