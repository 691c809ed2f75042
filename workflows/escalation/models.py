"""提级复审 / 一事一议 (docs/guide-escalation.md): a hard case raised to the district's
social-assistance leading group, decided case by case with its member units.

Zaozhuang's notice sets three tiers, visible here: a town handles a case
itself (``Escalation.Level.TOWN``), a district meeting may tag its decision a
common problem (``Meeting.common_problem``), and the city lists those tags.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import LONG_TEXT_MAX, LimitedTextField
from ..base.history import audited
from ..core.models import Case
from ..registry.models import money_field

User = settings.AUTH_USER_MODEL
MAX_MEASURE = 10_000_000  # yuan; one measure above ten million is a typing error


class MemberUnit(models.Model):
    """A member unit (成员单位) of a district's social-assistance leading group
    (困难群众基本生活保障工作协调机制). Its staff are the members of ``group``;
    they see an escalated case only through a grant made when it is invited."""

    class Kind(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", _("民政局")
        TRADE_UNION = "trade_union", _("总工会")
        CHARITY = "charity", _("慈善总会")
        MEDICAL_INSURANCE = "medical_insurance", _("医疗保障局")
        RED_CROSS = "red_cross", _("红十字会")
        HEALTH = "health", _("卫生健康局")
        EDUCATION = "education", _("教育和体育局")
        HOUSING = "housing", _("住房和城乡建设局")
        HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障局")
        DISABLED = "disabled", _("残疾人联合会")
        WOMEN = "women", _("妇女联合会")
        OTHER = "other", _("其他单位")

    district = models.ForeignKey(
        "roles.Region",
        verbose_name=_("区（市）"),
        on_delete=models.PROTECT,
        related_name="member_units",
        limit_choices_to={"level": "district"},
    )
    kind = models.CharField(_("类别"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("单位名称"), max_length=64)
    group = models.OneToOneField(
        Group,
        verbose_name=_("单位工作人员（用户组）"),
        on_delete=models.PROTECT,
        related_name="member_unit",
    )
    is_active = models.BooleanField(_("在册"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = audited()

    class Meta:
        verbose_name = _("领导小组成员单位")
        verbose_name_plural = _("领导小组成员单位")
        ordering = ["district__code", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="member_unit_unique_name"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def scope_region_path(self):
        return self.district.path


def given_sum(prefix=""):
    """SQL: the total of the measures carried out — the one definition of
    "assistance given". ``prefix`` leads from the rows aggregated to the
    measures (e.g. ``"escalation__measures__"``)."""
    return Sum(
        f"{prefix}amount", filter=models.Q(**{f"{prefix}status": Measure.Status.DONE})
    )


class Escalation(Case):
    """A case raised for case-by-case decision, with its links to the cases
    it came from (their investigation file is read from them, not copied)."""

    KIND = "escalation"
    KIND_LABEL = _("提级复审（一事一议）")
    NUMBER_PREFIX = "YS"
    TIME_LIMITS = {
        "escalation_prepare": _("提级复审会议准备"),
        "unit_statement": _("成员单位提出救助措施"),
        "measure_delivery": _("救助措施落实"),
    }
    IS_ESCALATION = True
    # raised from any kind of case that may be escalated (``escalation_refusal``)
    ORIGIN_KINDS = ("*",)
    START_NODE = "refer"
    START_FROM_LABEL = _("提请提级复审")

    @classmethod
    def origin_refusal(cls, origin):
        """Any case its programme says may be escalated."""
        return origin.specific.escalation_refusal()

    AUDIT_RECORDS = (
        ("workflows.UnitStatement", "escalation_id"),
        ("workflows.Meeting", "escalation_id"),
        ("workflows.Vote", "meeting__escalation_id"),
        ("workflows.Measure", "escalation_id"),
    )
    HOME_ORDER = 30

    class Level(models.TextChoices):
        TOWN = "town", _("镇（街道）个案处置")
        DISTRICT = "district", _("提级复审（区领导小组一事一议）")

    class Stage(models.TextChoices):
        TOWN_HANDLING = "town_handling", _("镇（街道）处置中")
        PREPARATION = "preparation", _("会议准备")
        MEETING = "meeting", _("成员单位研究、待开会")
        MEASURES = "measures", _("措施落实和告知中")
        CLOSED = "closed", _("已办结")

    level = models.CharField(_("处置层级"), max_length=16, choices=Level.choices)
    subject_name = models.CharField(_("救助对象"), max_length=64)
    hardship = LimitedTextField(_("困难情况"))
    referral_reason = LimitedTextField(_("提请理由"))
    referred_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("提请人")
    )
    # preparation
    summary = LimitedTextField(_("情况汇报"), max_length=LONG_TEXT_MAX, blank=True)
    meeting_date = models.DateField(_("会议日期"), null=True, blank=True)
    meeting_place = models.CharField(_("会议地点"), max_length=200, blank=True)
    chair = models.CharField(_("会议主持人"), max_length=64, blank=True)
    invited_units = models.ManyToManyField(
        MemberUnit, verbose_name=_("邀请成员单位"), blank=True, related_name="+"
    )
    prepared_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("会议准备人"),
    )
    # town tier (镇街个案处置)
    town_decision = LimitedTextField(_("镇（街道）处置意见"), blank=True)
    # the household told the result
    informed_on = models.DateField(_("告知日期"), null=True, blank=True)
    inform_note = LimitedTextField(_("告知情况"), blank=True)
    informed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("告知人"),
    )
    stage = models.CharField(
        _("办理环节"),
        max_length=16,
        choices=Stage.choices,
        default=Stage.PREPARATION,
        db_index=True,
    )

    # the source cases, now ``Case.origin`` (2027-01)
    history = audited(
        m2m_fields=[invited_units],
        retired={
            "source_application": "source_application_id",
            "source_call": "source_call_id",
        },
    )

    class Meta:
        verbose_name = _("提级复审")
        verbose_name_plural = _("提级复审")
        # viewflow adds "manage" when the flow is built (see Application)
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [
            ("refer_escalation", _("提请提级复审或镇街个案处置")),
            ("handle_locally_escalation", _("镇（街道）个案处置")),
            ("prepare_escalation", _("准备一事一议专题会议")),
            ("state_measures_escalation", _("成员单位提出救助措施")),
            ("record_meeting_escalation", _("记录会议表决和决定")),
            ("record_measure_escalation", _("登记救助措施落实情况")),
            ("inform_escalation", _("告知救助对象处理结果")),
            ("view_common_problems", _("查看共性问题")),
        ]

    @property
    def subject(self):
        return self.subject_name

    @property
    def meeting(self):
        return getattr(self, "meeting_record", None)

    @property
    def total_given(self):
        """All assistance actually given under this case, in yuan."""
        return self.measures.aggregate(total=given_sum())["total"] or 0

    # branch conditions used by the flow
    @property
    def handled_by_town(self) -> bool:
        return self.level == self.Level.TOWN


class UnitStatement(models.Model):
    """What a member unit can do within its remit (会前提出救助措施)."""

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="statements"
    )
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("成员单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    measures = LimitedTextField(_("可采取的救助措施"))
    amount = money_field(_("拟救助金额（元）"), maximum=MAX_MEASURE, default=0)
    stated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("填报人")
    )
    stated_at = models.DateTimeField(_("填报时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("成员单位意见")
        verbose_name_plural = _("成员单位意见")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "unit"], name="one_statement_per_unit"
            )
        ]

    def __str__(self):
        return f"{self.unit} · {self.amount}"


class Meeting(models.Model):
    """一事一议专题会议: who attended, each unit's vote, the decision, minutes."""

    class Decision(models.TextChoices):
        DIBAO = "dibao", _("纳入最低生活保障")
        MEASURES = "measures", _("给予临时救助等帮扶措施")
        REFER = "refer", _("转有关部门按职责办理")
        REJECT = "reject", _("不予救助")

    escalation = models.OneToOneField(
        Escalation, on_delete=models.CASCADE, related_name="meeting_record"
    )
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("会议地点"), max_length=200)
    chair = models.CharField(_("主持人"), max_length=64)
    attendees = LimitedTextField(_("参会人员"))
    decision = models.CharField(_("会议决定"), max_length=16, choices=Decision.choices)
    monthly_amount = money_field(_("低保金额（元/月）"), default=0)
    decision_text = LimitedTextField(_("决定内容"))
    minutes = LimitedTextField(_("会议纪要"), max_length=LONG_TEXT_MAX)
    votes_for = models.PositiveSmallIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("反对"), default=0)
    abstentions = models.PositiveSmallIntegerField(_("弃权"), default=0)
    units_present = models.PositiveSmallIntegerField(_("到会单位数"), default=0)
    carried = models.BooleanField(_("表决通过"), default=False)
    common_problem = models.BooleanField(
        _("共性问题"),
        default=False,
        help_text=_("本案反映的问题具有普遍性，报市民政局研究政策。"),
    )
    common_problem_note = LimitedTextField(_("共性问题说明"), blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_on = models.DateField(_("记录日期"), default=timezone.localdate)

    history = audited()

    class Meta:
        verbose_name = _("一事一议会议")
        verbose_name_plural = _("一事一议会议")

    def __str__(self):
        return f"{self.escalation} {self.held_on}"


class Vote(models.Model):
    """One invited unit at the meeting: present or not, and how it voted."""

    class Choice(models.TextChoices):
        FOR = "for", _("赞成")
        AGAINST = "against", _("反对")
        ABSTAIN = "abstain", _("弃权")
        ABSENT = "absent", _("缺席")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("成员单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    choice = models.CharField(_("表决"), max_length=8, choices=Choice.choices)
    opinion = LimitedTextField(_("单位意见"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("成员单位表决")
        verbose_name_plural = _("成员单位表决")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "unit"], name="one_vote_per_unit"
            )
        ]

    def __str__(self):
        return f"{self.unit} {self.get_choice_display()}"


class Measure(models.Model):
    """One assistance measure agreed for the case and, once carried out, what
    was given (amount, date, reference)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待落实")
        DONE = "done", _("已落实")

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="measures"
    )
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("成员单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    provider = models.CharField(_("救助单位"), max_length=64)
    description = LimitedTextField(_("救助措施"))
    planned_amount = money_field(_("议定金额（元）"), maximum=MAX_MEASURE, default=0)
    amount = money_field(_("实际救助金额（元）"), maximum=MAX_MEASURE, default=0)
    given_on = models.DateField(_("落实日期"), null=True, blank=True)
    reference = models.CharField(_("凭证号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PLANNED
    )
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("登记人"),
    )

    history = audited()

    class Meta:
        verbose_name = _("救助措施")
        verbose_name_plural = _("救助措施")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.provider} · {self.amount or self.planned_amount}"
