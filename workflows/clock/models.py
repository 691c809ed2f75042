"""The working-day calendar and the statutory time limits."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..base.history import audited
from ..standards.models import Dated


class CalendarDay(models.Model):
    """One day that differs from the plain Monday–Friday rule, or confirms it.

    Seeded from the ``chinese-calendar`` package (statutory holidays and 调休
    make-up workdays); administrators add years the package does not know.
    A year with no rows falls back to Monday–Friday and is reported as
    unconfirmed.
    """

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar 数据包")
        ADMIN = "admin", _("管理员维护")

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("说明"), max_length=64, blank=True)
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.ADMIN
    )

    history = audited()

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class TimeLimit(Dated):
    """A statutory time limit, with the article it comes from."""

    class Code(models.TextChoices):
        INVESTIGATION_START = "investigation_start", _("受理后启动调查")
        CROSSCHECK_START = "crosscheck_start", _("信息核对启动")
        NOTICE_PERIOD = "notice_period", _("初审公示期")
        CONFIRMATION = "confirmation", _("审核确认")
        REJECTION_NOTICE = "rejection_notice", _("不予批准通知送达")
        OVERALL = "overall", _("办理总时限（区县审核确认）")
        OVERALL_TOWN = "overall_town", _("办理总时限（镇街审核确认）")
        OVERALL_EXTENDED = "overall_extended", _("办理总时限（延长）")
        HOTLINE_DISPATCH = "hotline_dispatch", _("热线来电转办")
        HOTLINE_VERIFY = "hotline_verify", _("热线来电入户核实")
        HOTLINE_ANSWER = "hotline_answer", _("热线来电回访")
        ESCALATION_PREPARE = "escalation_prepare", _("提级复审会议准备")
        UNIT_STATEMENT = "unit_statement", _("成员单位提出救助措施")
        MEASURE_DELIVERY = "measure_delivery", _("救助措施落实")
        CROSSCHECK_RECHECK = "crosscheck_recheck", _("核对结果告知和复核")
        # the bureau's own rules for reminding and for lateness (not statutory)
        REMIND_BEFORE = "remind_before", _("到期前提醒")
        LATE_TO_NEXT_LEVEL = "late_to_next_level", _("逾期后报上一级")

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("工作日")
        DAYS = "days", _("自然日")
        HOURS = "hours", _("小时")

    code = models.CharField(_("时限"), max_length=32, choices=Code.choices)
    amount = models.PositiveSmallIntegerField(
        _("时长"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    unit = models.CharField(_("单位"), max_length=16, choices=Unit.choices)
    article = models.CharField(_("条款"), max_length=120)

    history = audited()
    overlap_key = ("code",)

    class Meta:
        verbose_name = _("法定时限")
        verbose_name_plural = _("法定时限")
        ordering = ["code", "-valid_from"]

    def __str__(self):
        return f"{self.get_code_display()}：{self.amount}{self.get_unit_display()}"
