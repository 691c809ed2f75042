"""The record of one import: who, which file (its SHA-256), what came of it."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.history import audited


class ImportRun(models.Model):
    """One uploaded file of an import kind, from its preview to its result.

    The file's bytes are kept in ``data`` only while the import may still be
    committed (previewed, queued, running) and emptied when it finishes, is
    rejected, fails (its job failed: ``jobs.commit_failed``) or expires (a
    preview never confirmed, ``services.imports_sweep``): the registry rows it
    wrote are the record of its content, its SHA-256 the proof of which file
    it was. ``data`` is left out of the history (a file is not a change of a
    record).
    """

    class Status(models.TextChoices):
        READY = "ready", _("校验通过，待确认导入")
        REJECTED = "rejected", _("校验未通过，未导入")
        QUEUED = "queued", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败，未写入任何数据")
        EXPIRED = "expired", _("超时未确认，文件已删除")

    kind = models.CharField(_("导入类型"), max_length=64)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_runs",
    )
    filename = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    encoding = models.CharField(_("文件编码"), max_length=16, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    rows_written = models.PositiveIntegerField(_("写入行数"), default=0)
    error_count = models.PositiveIntegerField(_("问题数"), default=0)
    errors = models.JSONField(_("问题清单"), default=list, blank=True)
    data = models.BinaryField(_("文件内容"), blank=True, default=b"", editable=False)
    job = models.ForeignKey(
        "workflows.Job",
        verbose_name=_("后台任务"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("上传时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始导入时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    duration = models.DurationField(_("导入用时"), null=True, blank=True)

    history = audited(excluded_fields=["data"])

    class Meta:
        verbose_name = _("数据导入")
        verbose_name_plural = _("数据导入")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["started_by", "-created"], name="imports_by_starter")
        ]

    def __str__(self):
        return f"{self.filename} · {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("imports:run", kwargs={"run_pk": self.pk})

    @property
    def finished(self):
        return self.status in (
            self.Status.DONE,
            self.Status.FAILED,
            self.Status.REJECTED,
            self.Status.EXPIRED,
        )
