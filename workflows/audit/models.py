"""Audit: history on third-party models, and the seal chain over all history.

Project models declare ``history = audited()`` themselves. Here the
third-party models whose changes matter get the same history: viewflow's
process and task rows (status, owner, assignment), users, groups,
permissions, guardian's generic grants, second-factor devices and the login
logs of django-axes.

``AuditRowHash`` holds the hash of every audit row (history rows,
sensitive-access rows, retention checkpoints), recorded when the row is
written and chained by the sealer; ``AuditCheckpoint`` records each removal
under retention. ``manage.py verify_audit`` checks them (docs/audit.md). The
chain is the tamper evidence of the history and keeps no history itself.
"""

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import GroupObjectPermission, UserObjectPermission
from simple_history import register
from viewflow.workflow.models import Process, Task

from ..base.history import AuditedHistory, AuditedRecords

THIRD_PARTY = [
    (Process, "workflows", {}),
    (Task, "workflows", {}),
    # a password hash has no place in an audit trail; that it changed shows
    (
        get_user_model(),
        "roles",
        {"excluded_fields": ["password"], "m2m_fields": ["groups", "user_permissions"]},
    ),
    (Group, "roles", {"m2m_fields": ["permissions"]}),
    (Permission, "roles", {}),
    (UserObjectPermission, "roles", {}),
    (GroupObjectPermission, "roles", {}),
    # second-factor devices: enrolments, resets (with reasons), each use and
    # each failed code; never the secret
    (TOTPDevice, "roles", {"excluded_fields": ["key"]}),
    # django-axes' logs: every failed login, every login (the logout time is
    # written by axes with an UPDATE, which history does not see)
    (AccessFailureLog, "roles", {}),
    (AccessLog, "roles", {}),
]

for _model, _app, _options in THIRD_PARTY:
    if not hasattr(_model, "history"):
        register(
            _model,
            app=_app,
            bases=[AuditedHistory],
            records_class=AuditedRecords,
            **_options,
        )


class AuditRowHash(models.Model):
    """The hash of one audit row, recorded in the transaction that wrote the
    row; once sealed, one link of the chain.

    An audit row is a history row (of any history table), a sensitive-access
    row or a retention checkpoint. Recording takes no lock and reads no chain
    head, so writes never wait on each other here; the sealer later gives
    each recorded hash its place (``seq``) and chains it to the previous link
    (``chain_hash``).
    """

    table = models.CharField(_("表"), max_length=80)
    row_id = models.BigIntegerField(_("记录"))
    row_hash = models.CharField(_("记录散列"), max_length=64)
    # which columns the hash covers (``AuditColumnSet``): a column added to
    # the table later does not change the hash of a row written before it
    columns = models.CharField(_("列集"), max_length=16, blank=True, default="")
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    chain_hash = models.CharField(_("链散列"), max_length=64, blank=True, default="")
    sealed_at = models.DateTimeField(_("封存时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")
        constraints = [
            models.UniqueConstraint(fields=["table", "row_id"], name="one_hash_per_row")
        ]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(seq__isnull=True),
                name="audit_rowhash_unsealed",
            )
        ]

    def __str__(self):
        return f"#{self.seq or '-'} {self.table}:{self.row_id}"


class AuditColumnSet(models.Model):
    """The columns a row hash covers: a table's columns when the row was
    hashed. Its key is the digest of the column list, so an edited set no
    longer matches its key (``verify_audit`` says so), and a history table
    must never lose a column (a field leaving a model stays in its history
    table: ``workflows.base.history.retired``)."""

    key = models.CharField(_("列集"), max_length=16, primary_key=True)
    table = models.CharField(_("表"), max_length=80)
    columns = models.JSONField(_("列"))

    class Meta:
        verbose_name = _("审计列集")
        verbose_name_plural = _("审计列集")

    def __str__(self):
        return f"{self.table}:{self.key}"


class AuditCheckpoint(models.Model):
    """A removal of old records under retention; itself a link of the chain.

    The chain continues after the removed links from ``last_chain_hash``.
    Each checkpoint also names the hash of the one before it
    (``previous_hash``), so none can be dropped, altered or slipped in
    between; the latest one is attested in the head log by ``purge_audit``.
    """

    purged_before = models.DateField(_("清理早于"))
    last_seq = models.BigIntegerField(_("最后一环"))
    last_chain_hash = models.CharField(_("最后一环散列"), max_length=64)
    previous_hash = models.CharField(_("上一清理记录散列"), max_length=64)
    rows_removed = models.PositiveIntegerField(_("清理记录数"))
    rows_kept = models.PositiveIntegerField(_("保留的最新历史记录数"), default=0)
    reason = models.TextField(_("理由"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审计保留清理记录")
        verbose_name_plural = _("审计保留清理记录")
        ordering = ["-last_seq"]

    def __str__(self):
        return f"{self.purged_before} #{self.last_seq}"
