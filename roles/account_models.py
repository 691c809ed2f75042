"""Lockouts: the audited record of logins refused after too many failures;
enrolment codes: what a privileged account needs besides its password to
bind an authenticator.

django-axes keeps its own counters (``AccessAttempt``, rewritten with SQL
expressions on every failure, so simple-history cannot follow them). A
lockout is what people and auditors need to see: who or which address, when,
until when, and who released it early and why. Imported into
``roles.models``.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.base.fields import LimitedTextField
from workflows.base.history import audited


class LockoutQuerySet(models.QuerySet):
    def active(self, at=None):
        """Lockouts in force at ``at`` (now by default)."""
        return self.filter(released_at__isnull=True, until__gt=at or timezone.now())


class Lockout(models.Model):
    """Logins refused for an account, or from a client address, until
    ``until`` (the cool-down) or until someone releases it with a reason."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("账号")
        ADDRESS = "address", _("网络地址")

    kind = models.CharField(_("锁定对象"), max_length=8, choices=Kind.choices)
    username = models.CharField(_("登录名"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lockouts",
        help_text=_("登录名对应的人员；不存在的登录名为空。"),
    )
    ip_address = models.GenericIPAddressField(_("网络地址"), null=True, blank=True)
    path = models.CharField(_("登录页面"), max_length=255, blank=True)
    failures = models.PositiveIntegerField(_("失败次数"))
    locked_at = models.DateTimeField(_("锁定时间"), default=timezone.now)
    until = models.DateTimeField(_("自动解除时间"))
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    release_reason = LimitedTextField(_("解除理由"), blank=True)

    objects = LockoutQuerySet.as_manager()
    history = audited()

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        ordering = ["-locked_at", "-pk"]
        indexes = [models.Index(fields=["kind", "until"])]

    def __str__(self):
        who = self.username if self.kind == self.Kind.ACCOUNT else self.ip_address
        return f"{self.get_kind_display()} {who} {self.locked_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.released_at is None and self.until > timezone.now()

    @property
    def status(self):
        if self.released_at is not None:
            return _("已解除")
        if self.until <= timezone.now():
            return _("已到期自动解除")
        return _("锁定中")


class EnrolmentCodeQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Codes that may still be used at ``at`` (now by default): not used,
        not revoked, not expired."""
        return self.filter(
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=at or timezone.now(),
        )


class EnrolmentCode(models.Model):
    """A one-time code that lets a privileged account bind its authenticator.

    The password alone does not show the secret of a new authenticator: the
    person also gives this code, issued by a superuser (or by the operator on
    the server) and handed over in person. Only its hash is stored; it is
    shown once, to the issuer. One code is usable per person at a time,
    within ``EnrolmentCode.VALID_FOR``, once.
    """

    VALID_FOR = datetime.timedelta(hours=24)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="enrolment_codes",
    )
    code_hash = models.CharField(_("绑定码散列"), max_length=128, editable=False)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "为空：由运维人员在服务器上签发（manage.py issue_enrolment_code）。"
        ),
    )
    reason = LimitedTextField(_("签发理由"))
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    used_from = models.GenericIPAddressField(_("使用地址"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = EnrolmentCodeQuerySet.as_manager()
    # the hash stays out of the audit trail, as the authenticator's secret does
    history = audited(excluded_fields=["code_hash"])

    class Meta:
        verbose_name = _("动态口令绑定码")
        verbose_name_plural = _("动态口令绑定码")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.issued_at:%Y-%m-%d %H:%M}"

    @property
    def status(self):
        if self.used_at is not None:
            return _("已使用")
        if self.revoked_at is not None:
            return _("已作废")
        if self.expires_at <= timezone.now():
            return _("已过期")
        return _("有效")
