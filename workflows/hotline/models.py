"""The 12349 social-assistance hotline (台儿庄区 6612349): a call is
registered, dispatched (转办) to the town or street that covers the address,
verified there with a home visit, and answered (回访). See
docs/guide-escalation.md and docs/statutory-rules.md."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..core.models import Case

User = settings.AUTH_USER_MODEL


class Call(Case):
    """A call to the hotline, and what became of it."""

    KIND = "hotline"
    KIND_LABEL = _("热线来电")
    NUMBER_PREFIX = "RX"
    TIME_LIMITS = {
        "hotline_dispatch": _("热线来电转办"),
        "hotline_verify": _("热线来电入户核实"),
        "hotline_answer": _("热线来电回访"),
    }
    HOME_ORDER = 20

    class Line(models.TextChoices):
        NATIONAL = "12349", _("12349 民政服务热线")
        DISTRICT = "district", _("区（市）社会帮扶救助热线（如 6612349）")

    class Topic(models.TextChoices):
        DIBAO = "dibao", _("最低生活保障")
        TEKUN = "tekun", _("特困人员供养")
        DISASTER = "disaster", _("受灾人员救助")
        MEDICAL = "medical", _("医疗救助")
        EDUCATION = "education", _("教育救助")
        HOUSING = "housing", _("住房救助")
        EMPLOYMENT = "employment", _("就业救助")
        TEMPORARY = "temporary", _("临时救助")
        OTHER = "other", _("其他")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")

    class Stage(models.TextChoices):
        DISPATCH = "dispatch", _("待转办")
        VERIFICATION = "verification", _("待核实")
        ANSWER = "answer", _("待回访")
        CLOSED = "closed", _("已办结")

    class Verdict(models.TextChoices):
        TRUE = "true", _("反映情况属实")
        PARTLY = "partly", _("部分属实")
        FALSE = "false", _("反映情况不属实")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")
        UNREACHABLE = "unreachable", _("未能联系上")

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("已答复，无需进一步办理")
        APPLICATION = "application", _("已发起救助申请")
        ESCALATION = "escalation", _("已提级复审（一事一议）")

    line = models.CharField(
        _("受理热线"), max_length=16, choices=Line.choices, default=Line.NATIONAL
    )
    received_at = models.DateTimeField(_("来电时间"), default=timezone.now)
    caller_name = models.CharField(_("来电人"), max_length=64)
    caller_phone = models.CharField(_("联系电话"), max_length=32)
    caller_relation = models.CharField(
        _("来电人与当事人关系"),
        max_length=32,
        blank=True,
        help_text=_("如本人、母亲、邻居"),
    )
    subject_name = models.CharField(_("当事人"), max_length=64)
    address = models.CharField(_("住址"), max_length=200)
    topic = models.CharField(_("求助事项"), max_length=16, choices=Topic.choices)
    request = LimitedTextField(_("诉求内容"))
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    # 转办
    town = models.ForeignKey(
        "roles.Region",
        verbose_name=_("转办镇（街道）"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    dispatch_note = LimitedTextField(_("转办意见"), blank=True)
    dispatched_on = models.DateField(_("转办日期"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("转办人"),
    )
    # 核实
    visited_on = models.DateField(_("入户核实日期"), null=True, blank=True)
    investigator_1 = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("核实人员一"),
    )
    investigator_2 = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("核实人员二"),
    )
    findings = LimitedTextField(_("核实情况"), blank=True)
    verdict = models.CharField(
        _("核实结论"), max_length=8, choices=Verdict.choices, blank=True
    )
    # 回访
    answered_on = models.DateField(_("回访日期"), null=True, blank=True)
    answer = LimitedTextField(_("答复内容"), blank=True)
    satisfaction = models.CharField(
        _("来电人评价"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    answered_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("回访人"),
    )
    outcome = models.CharField(
        _("办理结果"), max_length=16, choices=Outcome.choices, blank=True
    )
    stage = models.CharField(
        _("办理环节"),
        max_length=16,
        choices=Stage.choices,
        default=Stage.DISPATCH,
        db_index=True,
    )

    history = audited()

    class Meta:
        verbose_name = _("热线来电")
        verbose_name_plural = _("热线来电")
        # viewflow adds "manage" when the flow is built (see Application)
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [
            ("register_call", _("登记热线来电")),
            ("dispatch_call", _("转办热线来电")),
            ("verify_call", _("入户核实热线来电")),
            ("answer_call", _("回访来电人")),
        ]

    def clean(self):
        if self.received_at and self.received_at > timezone.now():
            raise ValidationError({"received_at": _("来电时间不能晚于现在。")})

    @property
    def subject(self):
        return self.subject_name

    def current_outcome(self):
        """What the call led to, from the cases started from it (and from
        them: an application escalated later)."""
        from ..core.programmes import descendants

        led_to = [c for c in descendants(self) if c.status != "CANCELED"]
        if any(c.programme.IS_ESCALATION for c in led_to):
            return self.Outcome.ESCALATION
        if led_to:
            return self.Outcome.APPLICATION
        return self.Outcome.ANSWERED

    # --- what the spine asks of a case (core.models.Case) -------------------

    def followup_initial(self):
        return {
            "region": self.region_id,
            "address": self.address,
            "reason": self.request,
        }

    def escalation_refusal(self):
        if self.finished or self.status == "CANCELED":
            return _("来电已办结，不能再提请提级复审。")
        return None
