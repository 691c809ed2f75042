"""The project's history records: simple-history plus who/what acted.

Every model's ``history`` is ``audited()``: historical rows carry
``history_job`` (the background job that made the change, empty for a person
at a page) next to simple-history's user, date, type and reason.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords


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


class AuditedRecords(HistoricalRecords):
    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:
            descriptor.__class__ = CachedHistoryDescriptor


def audited(**kwargs):
    """``HistoricalRecords`` with the audit fields."""
    kwargs.setdefault("bases", [AuditedHistory])
    return AuditedRecords(**kwargs)


def bulk_history_attrs():
    """Who and which job, for history rows written in bulk."""
    from .context import current

    job, user = current()
    return {"default_user": user, "custom_historical_attrs": {"history_job": job or ""}}


def bulk_create(model, objs, *, reason, batch_size=500):
    """``bulk_create`` that writes the '+' history rows too, attributed to the
    running job (a bare ``bulk_create`` writes none)."""
    from simple_history.utils import bulk_create_with_history

    return bulk_create_with_history(
        objs,
        model,
        batch_size=batch_size,
        default_change_reason=reason,
        **bulk_history_attrs(),
    )


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
