"""The job record: what runs in the background, how far it got, its result."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import TEXT_MAX, LimitedTextField
from ..base.history import audited

ERROR_MAX = TEXT_MAX


class Job(models.Model):
    """One run of a job kind (``workflows.jobs.kinds``).

    The record is the job's truth, not the broker's message: a message only
    says "run job X". The runner locks this row, and a kind's work advances
    ``done`` in the same transaction as its effect, chunk by chunk, so a
    message delivered twice (a killed worker, an expired visibility timeout)
    finds the work done so far committed and continues after it; a finished
    job is never run again.

    The id is a random UUID: the page of a job (its result) is reachable by
    the person who started it only, and nobody can count or guess the ids of
    other people's jobs.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("任务类型"), max_length=64)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.QUEUED
    )
    # progress, and the place a re-delivered job continues from
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), null=True, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    error = LimitedTextField(_("错误"), blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="jobs",
        null=True,
        blank=True,
    )
    created = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # the last committed chunk: a queued or running job whose ``updated`` is
    # old has lost its message or its worker (``runner.requeue_stale``)
    updated = models.DateTimeField(_("更新时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["state", "updated"], name="jobs_state_updated"),
            models.Index(fields=["started_by", "-created"], name="jobs_by_starter"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.get_state_display()} · {self.pk}"

    def get_absolute_url(self):
        return reverse("jobs:detail", kwargs={"job_pk": self.pk})

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self):
        """Progress in whole percent, or None while the total is unknown."""
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)
