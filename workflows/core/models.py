"""The case: what every process works on, and per-task deadlines."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from ..audit.history import audited


class CaseQuerySet(models.QuerySet):
    def open(self):
        """Cases still being handled: not finished, not cancelled."""
        return self.filter(finished__isnull=True).exclude(status="CANCELED")


class Case(Process):
    """A case of any programme, scoped to the region of its household.

    Each programme's case model (``Application`` for 低保, …) extends it, so
    every task of every flow reaches its region through one join and one
    selector scopes them all.
    """

    class Kind(models.TextChoices):
        DIBAO = "dibao", _("最低生活保障")
        HOTLINE = "hotline", _("热线来电")
        ESCALATION = "escalation", _("提级复审（一事一议）")

    NUMBER_PREFIX = {Kind.DIBAO: "DB", Kind.HOTLINE: "RX", Kind.ESCALATION: "YS"}

    kind = models.CharField(_("业务类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "roles.Region",
        verbose_name=_("所在村（社区）"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    household = models.ForeignKey(
        "workflows.Household",
        verbose_name=_("家庭"),
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
    )
    opened_on = models.DateField(_("登记日期"), default=timezone.localdate)

    objects = CaseQuerySet.as_manager()
    history = audited()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created"]
        permissions = [
            # any kind of case: being one of the two people of a home visit
            # (入户调查 / 入户核实) — town caseworkers and village coordinators
            ("visit_case", _("参加入户调查核实")),
            # cancelling a whole case (with a reason): the district
            ("cancel_case", _("撤销案件")),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self):
        """Human case number, e.g. ``DB2026-000042`` (derived from the id)."""
        prefix = self.NUMBER_PREFIX.get(self.kind, "CS")
        year = timezone.localtime(self.created).year if self.created else ""
        return f"{prefix}{year}-{self.pk:06d}" if self.pk else ""

    @property
    def scope_region_path(self):
        return self.region.path

    @property
    def subject(self):
        """The person the case is about, whatever its kind (for lists that mix
        kinds; select ``application__applicant``, ``call``, ``escalation``)."""
        from django.core.exceptions import ObjectDoesNotExist

        for attr in ("application", "call", "escalation"):
            try:
                case = getattr(self, attr)
            except ObjectDoesNotExist:
                continue
            return case.subject
        return ""


class TaskDeadline(models.Model):
    """The statutory deadline of one task, with the rule it comes from."""

    task = models.OneToOneField(
        Task,
        verbose_name=_("任务"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="deadline",
    )
    due_on = models.DateField(_("截止日期"), db_index=True)
    limit = models.ForeignKey(
        "workflows.TimeLimit", verbose_name=_("时限依据"), on_delete=models.PROTECT
    )

    history = audited()

    class Meta:
        verbose_name = _("任务时限")
        verbose_name_plural = _("任务时限")

    def __str__(self):
        return f"{self.task_id} → {self.due_on}"


class SensitiveAccess(models.Model):
    """Who saw or took out sensitive personal information (PIPL Art 28, 51).

    Records who, when, which record and from where — never the value itself.
    """

    class Action(models.TextChoices):
        REVEAL_ID = "reveal_id", _("查看完整身份证号码")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载材料")
        LOOKUP = "lookup", _("按身份证号码查询案件进度")
        REFUSED = "refused", _("被拒绝的访问")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sensitive_accesses",
    )
    record = models.CharField(_("记录"), max_length=100)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("敏感信息访问记录")
        verbose_name_plural = _("敏感信息访问记录")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"
