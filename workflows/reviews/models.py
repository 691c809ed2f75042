"""动态复核: the periodic review of a benefit in force, a change reported by
the family or staff, a review after an alert or after repeated refusals of
work (民发〔2021〕57号 Art 30–34, "S1"; 《社会救助暂行办法》Art 68, "S2").

A review investigates the household again (the cross-check over the feeds
and a home visit by two people), the town proposes, the level that confirms
decides (the district, or the town where delegated), the town delivers the
notice and the decision is applied to the benefit (``benefits.services``).
See docs/guide-caseworker.md and docs/statutory-rules.md."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..core.models import Case
from ..registry.models import money_field
from ..standards.models import ReviewClass

User = settings.AUTH_USER_MODEL


class BenefitReview(Case):
    """One review of one benefit in force, and what it decided."""

    KIND = "review"
    KIND_LABEL = _("动态复核")
    NUMBER_PREFIX = "FH"
    SUBJECT_RELATED = ("household",)
    AUDIT_RECORDS = (("workflows.WorkRefusal", "review_id"),)
    HOME_ORDER = 40
    ORIGIN_KINDS = ("*",)
    TIME_LIMITS = {
        "review_lead": _("定期复核提前发起天数"),
        "review_investigate": _("复核调查核实"),
        "review_decide": _("复核决定"),
        "review_notice": _("复核决定通知送达"),
    }

    class Trigger(models.TextChoices):
        PERIODIC = "periodic", _("定期复核")
        CHANGE_REPORT = "change_report", _("家庭或工作人员报告情况变化")
        ALERT = "alert", _("监测预警")
        WORK_REFUSAL = "work_refusal", _("多次拒绝就业")

    class Stage(models.TextChoices):
        INVESTIGATION = "investigation", _("调查核实")
        AWAITING_REPORT = "awaiting_report", _("待家庭配合复核")
        PROPOSAL = "proposal", _("待镇（街道）提出意见")
        DECISION = "decision", _("待决定")
        NOTICE = "notice", _("待送达通知")
        EXITING = "exiting", _("渐退期中")
        CLOSED = "closed", _("已办结")

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("继续保障，金额不变")
        INCREASE = "increase", _("增发")
        REDUCE = "reduce", _("减发")
        STOP = "stop", _("停发（停保）")
        GRADUAL_EXIT = "gradual_exit", _("渐退（渐退期满停保）")
        SUSPEND = "suspend", _("暂停发放（不配合复核）")

    benefit = models.ForeignKey(
        "workflows.Benefit",
        verbose_name=_("复核的保障"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    trigger = models.CharField(
        _("复核原因类别"), max_length=16, choices=Trigger.choices
    )
    reason = LimitedTextField(_("复核原因"))
    review_class = models.CharField(
        _("复核类别"), max_length=16, choices=ReviewClass.choices
    )
    review_due_on = models.DateField(_("应复核日期"), null=True, blank=True)
    opened_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    # a change report (S1 Art 30, 32): what changed, who reported it, when
    reported_by_name = models.CharField(_("报告人"), max_length=64, blank=True)
    reported_on = models.DateField(_("报告日期"), null=True, blank=True)
    town_confirms = models.BooleanField(_("由镇（街道）决定"), default=False)
    stage = models.CharField(
        _("办理环节"),
        max_length=16,
        choices=Stage.choices,
        default=Stage.INVESTIGATION,
        db_index=True,
    )
    # the investigation: the cross-check over the feeds and the home visit
    crosscheck_on = models.DateField(_("信息核对日期"), null=True, blank=True)
    crosscheck_findings = models.JSONField(_("信息核对发现"), default=list, blank=True)
    cooperated = models.BooleanField(_("家庭配合复核"), null=True, blank=True)
    visited_on = models.DateField(_("入户核查日期"), null=True, blank=True)
    investigator_1 = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人员一"),
    )
    investigator_2 = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人员二"),
    )
    findings = LimitedTextField(_("核查情况"), blank=True)
    # not cooperating: the notice served, the suspension, the report
    report_notice_on = models.DateField(_("催告通知送达日期"), null=True, blank=True)
    household_reported_on = models.DateField(_("家庭报告日期"), null=True, blank=True)
    # the recalculation on the standard in force (benefits.recalc)
    recalc_outcome = models.CharField(_("重新核算结论"), max_length=16, blank=True)
    recalc_amount = money_field(_("重新核算金额（元/月）"), null=True, blank=True)
    recalc_persons = models.PositiveSmallIntegerField(
        _("重新核算保障人数"), null=True, blank=True
    )
    recalc_lines = models.JSONField(_("核算说明"), default=list, blank=True)
    recalc_inputs = models.JSONField(_("核算输入"), default=dict, blank=True)
    recalc_result = models.JSONField(_("核算结果"), default=dict, blank=True)
    rule_version = models.CharField(_("核算规则版本"), max_length=32, blank=True)
    # the town's proposal
    proposal = models.CharField(
        _("镇（街道）意见"), max_length=16, choices=Outcome.choices, blank=True
    )
    proposal_reasons = LimitedTextField(_("意见理由"), blank=True)
    proposed_amount = money_field(_("建议金额（元/月）"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提出意见人"),
    )
    # the decision
    outcome = models.CharField(
        _("复核决定"), max_length=16, choices=Outcome.choices, blank=True
    )
    decision_reasons = LimitedTextField(_("决定理由"), blank=True)
    decided_amount = money_field(_("决定金额（元/月）"), null=True, blank=True)
    decided_persons = models.PositiveSmallIntegerField(
        _("决定保障人数"), null=True, blank=True
    )
    from_month = models.DateField(_("执行月份"), null=True, blank=True)
    exit_months = models.PositiveSmallIntegerField(_("渐退月数"), null=True, blank=True)
    stop_reason = models.CharField(_("停保原因"), max_length=16, blank=True)
    recovery_amount = money_field(_("应追回金额（元）"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    # the notice to the household: reasons and remedies, delivered by the town
    notice_text = LimitedTextField(_("通知内容"), blank=True)
    notice_delivered_on = models.DateField(_("通知送达日期"), null=True, blank=True)
    # the stop at the end of a gradual exit, with its notice
    exit_stopped_on = models.DateField(_("渐退期满停保日期"), null=True, blank=True)
    exit_stop_notice = LimitedTextField(_("停保通知"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("动态复核")
        verbose_name_plural = _("动态复核")
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [
            ("open_benefitreview", _("报告情况变化、发起复核")),
            ("investigate_benefitreview", _("复核调查核实")),
            ("propose_benefitreview", _("提出复核意见")),
            ("decide_benefitreview", _("作出复核决定")),
            ("decide_delegated_benefitreview", _("作出复核决定（受委托的镇街）")),
            ("deliver_benefitreview", _("送达复核决定通知")),
        ]

    @property
    def subject(self):
        return str(self.household) if self.household_id else ""

    # --- branch conditions of the flow ----------------------------------------

    @property
    def household_cooperated(self) -> bool:
        return bool(self.cooperated)

    @property
    def household_reported(self) -> bool:
        return self.household_reported_on is not None

    @property
    def is_gradual_exit(self) -> bool:
        return self.outcome == self.Outcome.GRADUAL_EXIT

    @property
    def decision_permission(self) -> str:
        if self.town_confirms:
            return "workflows.decide_delegated_benefitreview"
        return "workflows.decide_benefitreview"

    @property
    def investigator_ids(self) -> set:
        return {self.investigator_1_id, self.investigator_2_id} - {None}

    @property
    def referral_summary(self):
        return self.get_outcome_display() if self.outcome else ""


class WorkRefusal(models.Model):
    """A member able to work refused a suitable job without good reason
    (S1 Art 34): who, when, which job, recorded by whom."""

    benefit = models.ForeignKey(
        "workflows.Benefit",
        verbose_name=_("保障"),
        on_delete=models.PROTECT,
        related_name="work_refusals",
    )
    member = models.ForeignKey(
        "workflows.Member",
        verbose_name=_("拒绝就业的成员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    refused_on = models.DateField(_("拒绝日期"))
    job_offered = LimitedTextField(_("介绍的工作"))
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    review = models.ForeignKey(
        BenefitReview,
        verbose_name=_("引起的复核"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_refusals",
    )

    history = audited()

    class Meta:
        verbose_name = _("拒绝就业记录")
        verbose_name_plural = _("拒绝就业记录")
        ordering = ["refused_on", "pk"]

    def __str__(self):
        return f"{self.member} {self.refused_on}"
