"""Notifications to staff (reminders, lateness) and their deliveries."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.history import audited


class Notification(models.Model):
    """One thing a person is told: a deadline coming, a task overdue.

    Stored as a kind and its parameters, put into words when shown (so it
    reads in the reader's language). ``key`` names the event (e.g.
    ``remind:<task>:<due>``): one person is told of one event once — the
    unique constraint is the guard, whoever runs the sweep and however often.
    The record itself is the in-app channel; other channels are
    ``Delivery`` rows.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒")
        OVERDUE = "overdue", _("逾期")
        OVERDUE_ESCALATED = "overdue_escalated", _("逾期报上一级")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    case = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    task = models.ForeignKey(
        "viewflow.Task",
        verbose_name=_("任务"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # what the words need, e.g. {"due_on": "2026-03-05", "level": "district"}
    params = models.JSONField(_("参数"), default=dict, blank=True)
    key = models.CharField(_("事件标识"), max_length=160)
    created = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="one_notification_per_event"
            )
        ]
        indexes = [
            # the header's unread count and the list, newest first
            models.Index(fields=["recipient", "read_at"], name="notify_unread"),
            models.Index(fields=["recipient", "-created"], name="notify_newest"),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.get_kind_display()} · {self.key}"

    @property
    def text(self):
        """The notification in words, in the current language."""
        from .kinds import render

        return render(self)


class Delivery(models.Model):
    """One notification sent through one channel (e-mail, …).

    A delivery is claimed (``sending``, committed) before the channel is
    asked to send, and its outcome recorded after: a sweep that dies between
    the two leaves it ``sending``, and nothing sends it again — never twice,
    at the price of one that may not have gone (visible in the admin).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中（结果未知）")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无法送达（如未登记电子邮箱）")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("消息通知"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("渠道"), max_length=32)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    attempted_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = _("通知发送记录")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status"], name="notify_delivery_status")]

    def __str__(self):
        return f"{self.notification_id} → {self.channel}: {self.status}"
