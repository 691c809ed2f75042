"""The project's history records: simple-history plus who/what acted.

Every model's ``history`` is ``audited()``: historical rows carry
``history_job`` (the background job that made the change, empty for a person
at a page) next to simple-history's user, date, type and reason.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AuditedHistory(models.Model):
    history_job = models.CharField(_("后台任务"), max_length=64, blank=True, default="")

    class Meta:
        abstract = True


def audited(**kwargs):
    """``HistoricalRecords`` with the audit fields."""
    kwargs.setdefault("bases", [AuditedHistory])
    return HistoricalRecords(**kwargs)
