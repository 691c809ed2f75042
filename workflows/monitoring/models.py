"""Departmental data feeds (低收入人口动态监测): batches of rows from other
departments, matched against the registry by ID number."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.history import audited
from ..registry.fields import IdNumberField


class FeedBatch(models.Model):
    """One delivery of data from one department, with who imported it."""

    class Source(models.TextChoices):
        HUKOU = "hukou", _("公安（户籍）")
        TAX = "tax", _("税务")
        SOCIAL_INSURANCE = "social_insurance", _("人社（社会保险）")
        PENSION = "pension", _("人社（养老金）")
        REAL_ESTATE = "real_estate", _("自然资源（不动产）")
        BUSINESS = "business", _("市场监管（工商登记）")
        HOUSING_FUND = "housing_fund", _("住房公积金")
        VEHICLE = "vehicle", _("公安（机动车）")
        DEPOSIT = "deposit", _("金融机构（存款、证券、保险）")
        DEATH = "death", _("死亡信息")
        MARRIAGE = "marriage", _("婚姻登记")
        DISABILITY = "disability", _("残联（残疾人证）")
        MEDICAL = "medical", _("医保、卫健（重特大疾病、医疗费用）")
        CUSTODY = "custody", _("司法（羁押、服刑）")
        SCHOOLING = "schooling", _("教育（在校就读）")

    source = models.CharField(_("数据来源"), max_length=20, choices=Source.choices)
    period = models.DateField(_("数据期间（月）"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # rows kept: those of people in the registry (PIPL Art 6)
    row_count = models.PositiveIntegerField(_("记录数"), default=0)
    # SHA-256 of the file as delivered: the same file is stored once
    checksum = models.CharField(_("校验值"), max_length=64, blank=True)
    # the import's own record (who is ``imported_by``)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True, default="")
    rows_received = models.PositiveIntegerField(_("文件记录数"), default=0)
    duration = models.DurationField(_("导入用时"), null=True, blank=True)
    # empty while a job still writes the batch's rows: matching reads
    # complete batches only
    completed_at = models.DateTimeField(_("导入完成时间"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        ordering = ["-received_at"]
        permissions = [("import_feed", _("导入部门数据"))]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "checksum"],
                condition=~models.Q(checksum=""),
                name="feedbatch_one_per_file",
            )
        ]
        indexes = [
            models.Index(fields=["source", "-period"], name="feedbatch_source_period")
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.period:%Y-%m}"

    @property
    def rows_discarded(self) -> int:
        """Rows of people outside the registry, matched and not kept."""
        return max(0, self.rows_received - self.row_count)


class FeedRecord(models.Model):
    """One row of a batch. Rows are never changed after import (the batch and
    its checksum are the audited unit), so this model keeps no history."""

    batch = models.ForeignKey(
        FeedBatch,
        on_delete=models.CASCADE,
        related_name="records",
        verbose_name=_("批次"),
    )
    # normalised like the registry's, so a row matches its member however
    # the department wrote the number (not validated: a feed is what it is)
    id_number = IdNumberField(_("身份证号码"), db_index=True)
    kind = models.CharField(_("项目"), max_length=32)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    detail = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("部门数据记录")
        verbose_name_plural = _("部门数据记录")

    def __str__(self):
        return f"{self.batch_id}:{self.kind}"


class FeedUpload(models.Model):
    """A feed file between its preview and its import job: transient.

    It holds rows of people who are not in the registry, which may not be
    kept beyond the matching run (PIPL Art 6): the import deletes it when it
    ends, and no history keeps a copy (exempt, workflows/audit/checks.py).
    """

    source = models.CharField(
        _("数据来源"), max_length=20, choices=FeedBatch.Source.choices
    )
    period = models.DateField(_("数据期间（月）"))
    file_name = models.CharField(_("文件名"), max_length=200)
    checksum = models.CharField(_("校验值"), max_length=64)
    encoding = models.CharField(_("编码"), max_length=16, default="auto")
    data = models.BinaryField(_("文件内容"))
    rows_total = models.PositiveIntegerField(_("文件记录数"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待导入的部门数据文件")
        verbose_name_plural = _("待导入的部门数据文件")

    def __str__(self):
        return self.file_name
