"""The working-day calendar and the statutory time limits."""

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..standards.models import Dated


class CalendarDay(models.Model):
    """One day that differs from the plain Monday–Friday rule, or confirms it.

    Seeded from the ``chinese-calendar`` package (statutory holidays and 调休
    make-up workdays); administrators add years the package does not know.
    Days without a row follow Monday–Friday; whether a year's rows are the
    whole calendar is what ``CalendarYear`` says.
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


class CalendarYear(models.Model):
    """A year whose working-day calendar the bureau answers for: the package
    knows it (its holidays and make-up days are stored), or an administrator
    entered them and confirmed it. Deadlines falling in any other year are
    counted Monday–Friday (plus whatever days are entered) and every page that
    shows one says so."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar 数据包")
        ADMIN = "admin", _("管理员确认")

    year = models.PositiveSmallIntegerField(
        _("年度"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"))
    note = LimitedTextField(_("说明"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("年度工作日历")
        verbose_name_plural = _("年度工作日历")
        ordering = ["-year"]
        permissions = [
            # entering a year's holidays and make-up days and confirming it:
            # the city (roles/matrix.py)
            ("maintain_calendar", _("维护工作日历")),
        ]

    def __str__(self):
        return f"{self.year}"


class CalendarRecount(models.Model):
    """A year whose calendar changed and whose open deadlines are still to be
    counted again. Written in the same transaction as the change, so the
    recount is never lost; the timer dispatcher works through them and
    removes each when done (a year changed again meanwhile stays)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    requested_at = models.DateTimeField(_("变更时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("待重新计算期限的年度")
        verbose_name_plural = _("待重新计算期限的年度")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


def limit_choices():
    """Every time limit's code and label: the bureau's own (``TimeLimit.Code``)
    and those each programme declares on its case (``TIME_LIMITS``, a dict of
    code to label), found through the app registry (a callable, so a new
    programme needs no migration of the clock)."""
    declared = dict(TimeLimit.Code.choices)
    for model in apps.get_models():
        declared.update(getattr(model, "TIME_LIMITS", None) or {})
    return sorted(declared.items())


class TimeLimit(Dated):
    """A statutory time limit, with the article it comes from."""

    class Code(models.TextChoices):
        """The bureau's own limits, which every programme shares (reminding and
        lateness, not statutory). Each programme declares its statutory limits
        beside its case (``TIME_LIMITS`` on its ``Case`` subclass): the clock
        names none of them."""

        REMIND_BEFORE = "remind_before", _("到期前提醒")
        LATE_TO_NEXT_LEVEL = "late_to_next_level", _("逾期后报上一级")

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("工作日")
        DAYS = "days", _("自然日")
        HOURS = "hours", _("小时")

    code = models.CharField(_("时限"), max_length=32, choices=limit_choices)
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
