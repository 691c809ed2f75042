"""Monitoring alerts (监测预警, 政策找人): a fact from a departmental feed about
a household in the low-income register becomes a case of its own, verified
by the village or town covering the household (docs/guide-caseworker.md
"监测预警")."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..core.models import Case

User = settings.AUTH_USER_MODEL


def fact_key(*, household_id, id_number, source, kind, detail, amount) -> str:
    """The stable identity of one fact about one household: the same feed row
    delivered again (another batch, another month) has the same key."""
    amount = "" if amount is None else f"{amount:.2f}"
    text = "|".join(
        str(part) for part in (household_id, id_number, source, kind, detail, amount)
    )
    return hashlib.sha256(text.encode()).hexdigest()


class MonitoringRun(models.Model):
    """One matching of the register against the newest feed batches: who,
    where (a district or the whole city), when, and what it found."""

    started_by = models.ForeignKey(
        User,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    district = models.ForeignKey(
        "roles.Region",
        verbose_name=_("区（市）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on = models.DateField(_("监测日期"))
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # the newest batch read (a sweep runs again when a newer one completes)
    newest_batch = models.ForeignKey(
        "workflows.FeedBatch",
        verbose_name=_("最新数据批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    counts = models.JSONField(_("各规则命中数"), default=dict, blank=True)
    alerts_opened = models.PositiveIntegerField(_("新增预警数"), default=0)

    history = audited()

    class Meta:
        verbose_name = _("监测比对")
        verbose_name_plural = _("监测比对")
        ordering = ["-started_at"]
        permissions = [("run_monitoring", _("发起监测比对"))]

    def __str__(self):
        return f"{self.on} {self.district or _('全市')}"


class Alert(Case):
    """One fact found by a monitoring run, and what the verification made of it."""

    KIND = "alert"
    KIND_LABEL = _("监测预警")
    NUMBER_PREFIX = "YJ"
    SUBJECT_RELATED = ("member",)
    TIME_LIMITS = {"alert_verify": _("监测预警核查")}
    HOME_ORDER = 40

    class Rule(models.TextChoices):
        DEATH = "death", _("家庭成员死亡")
        VEHICLE = "vehicle", _("新增机动车")
        REAL_ESTATE = "real_estate", _("新增不动产")
        BUSINESS = "business", _("新办工商登记")
        INCOME_OVER_LINE = "income_over_line", _("社保、养老金收入超过低保标准")
        SINGLE_CANDIDATE = (
            "single_candidate",
            _("边缘家庭成员新认定重度残疾或重病（可能单人保）"),
        )
        NEW_HARDSHIP = "new_hardship", _("未纳入名册的家庭有残疾、重病或医疗支出")

    class Stage(models.TextChoices):
        VERIFY = "verify", _("待核查")
        CLOSED = "closed", _("已办结")

    class Outcome(models.TextChoices):
        DISMISS = "dismiss", _("核查不属实或无影响，予以销号")
        ADJUST = "adjust", _("调整保障金额（启动复核）")
        STOP = "stop", _("停止保障（启动复核）")
        APPLY = "apply", _("发起救助申请")

    member = models.ForeignKey(
        "workflows.Member",
        verbose_name=_("涉及成员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rule = models.CharField(_("预警规则"), max_length=20, choices=Rule.choices)
    source = models.CharField(_("数据来源"), max_length=20)
    fact_kind = models.CharField(_("项目"), max_length=32, blank=True)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    period = models.DateField(_("数据期间（月）"), null=True, blank=True)
    batch = models.ForeignKey(
        "workflows.FeedBatch",
        verbose_name=_("数据批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(
        MonitoringRun,
        verbose_name=_("监测比对"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    fact_key = models.CharField(_("事实标识"), max_length=64, editable=False)
    benefit = models.ForeignKey(
        "workflows.Benefit",
        verbose_name=_("涉及保障"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    stage = models.CharField(
        _("办理环节"),
        max_length=8,
        choices=Stage.choices,
        default=Stage.VERIFY,
        db_index=True,
    )
    verified_on = models.DateField(_("核查日期"), null=True, blank=True)
    findings = LimitedTextField(_("核查情况"), blank=True)
    outcome = models.CharField(
        _("处理结果"), max_length=8, choices=Outcome.choices, blank=True
    )
    outcome_reason = LimitedTextField(_("处理理由"), blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("核查人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [("verify_alert", _("核查监测预警"))]
        constraints = [
            # the same fact never raises a second alert: not while one is
            # open, and not after one was verified (a feed delivered again)
            models.UniqueConstraint(fields=["fact_key"], name="alert_one_per_fact")
        ]

    @property
    def subject(self):
        return self.member.name if self.member_id else ""

    # --- what the spine asks of a case (core.models.Case) -------------------

    def followup_initial(self):
        initial = {
            "region": self.region_id,
            "address": self.household.address if self.household_id else "",
            "reason": f"{self.get_rule_display()}：{self.detail}".strip("："),
        }
        if self.rule == self.Rule.SINGLE_CANDIDATE and self.member_id:
            initial["member"] = self.member_id
        if self.household_id:
            # the household as the registry knows it; for a possible 单人保,
            # the member concerned first
            members = sorted(
                self.household.members.all(), key=lambda m: m.pk != self.member_id
            )
            initial["members"] = [
                {
                    "name": m.name,
                    "id_number": m.id_number,
                    "relation": m.relation,
                    "employment": m.employment,
                    "disability_grade": m.disability_grade,
                    "disability_kind": m.disability_kind,
                    "major_illness": m.major_illness,
                    "exclusion": m.exclusion,
                }
                for m in members
            ]
        return initial
