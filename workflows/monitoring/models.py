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
    row_count = models.PositiveIntegerField(_("记录数"), default=0)
    checksum = models.CharField(_("校验值"), max_length=64, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_source_display()} {self.period:%Y-%m}"


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
