"""Audit: history on third-party models, and the seal chain over all history.

Project models declare ``history = audited()`` themselves. Here the
third-party models whose changes matter get the same history: viewflow's
process and task rows (status, owner, assignment), users, groups,
permissions, guardian's generic grants, second-factor devices and the login
logs of django-axes.

``AuditSeal`` chains a hash of every history row (and every sensitive-access
row) in the order sealed; ``manage.py verify_audit`` recomputes it and reports
the first broken link. The seal tables are the tamper evidence of the history
and keep no history themselves.
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

from .history import AuditedHistory, AuditedRecords

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


class AuditSeal(models.Model):
    """One link of the chain: a history row's hash, chained to the previous."""

    seq = models.BigAutoField(primary_key=True)
    table = models.CharField(_("表"), max_length=80)
    row_id = models.BigIntegerField(_("记录"))
    row_hash = models.CharField(_("记录散列"), max_length=64)
    chain_hash = models.CharField(_("链散列"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")
        constraints = [
            models.UniqueConstraint(fields=["table", "row_id"], name="one_seal_per_row")
        ]

    def __str__(self):
        return f"#{self.seq} {self.table}:{self.row_id}"


class AuditCheckpoint(models.Model):
    """Where the chain starts after old records were removed under retention."""

    purged_before = models.DateField(_("清理早于"))
    last_seq = models.BigIntegerField(_("最后一环"))
    last_chain_hash = models.CharField(_("最后一环散列"), max_length=64)
    rows_removed = models.PositiveIntegerField(_("清理记录数"))
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
