"""The 低保 case (``Application``) and the records each step leaves on it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..core.models import Case
from ..registry.models import money_field

User = settings.AUTH_USER_MODEL


def record_label(record):
    """``DB2026-000001 入户调查 #3`` — a step record named by its case."""
    return f"{record.application.number} {record._meta.verbose_name} #{record.pk}"


class Application(Case):
    """A household's application for the minimum living guarantee (低保)."""

    KIND = "dibao"
    KIND_LABEL = _("最低生活保障")
    NUMBER_PREFIX = "DB"
    SUBJECT_RELATED = ("applicant",)
    AUDIT_RECORDS = tuple(
        (f"workflows.{name}", "application_id")
        for name in (
            "HomeVisit",
            "NeighbourVisit",
            "CrossCheckReport",
            "CrossCheckRecheck",
            "CrossCheckFinding",
            "Assessment",
            "Opinion",
            "Notice",
            "Objection",
            "Review",
            "Decision",
        )
    )
    HOME_ORDER = 10
    # an application may answer a hotline call, or a monitoring alert about
    # a household not yet assisted (a possible 单人保, a household in difficulty)
    ORIGIN_KINDS = ("hotline", "alert")
    START_NODE = "apply"
    START_FROM_LABEL = _("发起低保申请")
    REFERRAL_TEMPLATE = "workflows/dibao/includes/investigation_file.html"
    # the town's caseworker stops the clock while the applicant brings what
    # was asked for after acceptance (a missing ID card, a document)
    PAUSE_PERMISSION = "workflows.accept_application"
    TIME_LIMITS = {
        "investigation_start": _("受理后启动调查"),
        "crosscheck_start": _("信息核对启动"),
        "notice_period": _("初审公示期"),
        "confirmation": _("审核确认"),
        "rejection_notice": _("不予批准通知送达"),
        "overall": _("办理总时限（区县审核确认）"),
        "overall_town": _("办理总时限（镇街审核确认）"),
        "overall_extended": _("办理总时限（延长）"),
        "crosscheck_recheck": _("核对结果告知与复查"),
        # not a deadline: how far back a feed's period may lie and still
        # count as this period's data in the one-click cross-check
        "crosscheck_feed_age": _("信息核对所用部门数据的时效"),
    }

    class Channel(models.TextChoices):
        WINDOW = "window", _("本人到镇（街道）窗口申请")
        VILLAGE = "village", _("村（社区）协助申请")
        PROXY = "proxy", _("帮办代办员代为申请")
        # a household already on 低保 when the bureau went live, loaded from
        # its existing roster (workflows/dibao/imports.py): no application
        IMPORTED = "imported", _("导入存量名单")

    class Stage(models.TextChoices):
        ACCEPTANCE = "acceptance", _("待受理")
        AWAITING_MATERIALS = "awaiting_materials", _("待补齐材料")
        INVESTIGATION = "investigation", _("调查核实")
        CALCULATION = "calculation", _("收入核算")
        OPINION = "opinion", _("初审")
        NOTICE = "notice", _("公示中")
        OBJECTION = "objection", _("异议处理")
        REVIEW = "review", _("审核确认")
        DECISION = "decision", _("待决定")
        ESCALATED = "escalated", _("提级复审中")
        DELIVERY = "delivery", _("送达不予批准通知")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")

    channel = models.CharField(_("申请方式"), max_length=16, choices=Channel.choices)
    applicant = models.ForeignKey(
        "workflows.Member",
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = LimitedTextField(_("申请理由"))
    # what the leading group's meeting decided (一事一议), as the escalation
    # announced it (``escalation.api`` signal): the decision follows it
    escalation_case = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("提级复审案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    escalation_included = models.BooleanField(
        _("一事一议决定纳入低保"), null=True, blank=True
    )
    escalation_amount = money_field(_("一事一议决定的低保金额（元/月）"), default=0)
    # proxy (代办) and the papers every application needs (一证一书)
    proxy_name = models.CharField(_("代办人姓名"), max_length=64, blank=True)
    proxy_relation = models.CharField(_("代办人身份"), max_length=64, blank=True)
    entrustment_recorded = models.BooleanField(_("已留存委托手续"), default=False)
    authorization_signed = models.BooleanField(
        _("已签署家庭经济状况核对授权书"), default=False
    )
    declaration_signed = models.BooleanField(
        _("已签署收入财产申报及承诺书"), default=False
    )
    # acceptance (受理)
    missing_items = LimitedTextField(_("需补齐的材料"), blank=True)
    materials_requested_on = models.DateField(
        _("一次性告知日期"), null=True, blank=True
    )
    materials_received_on = models.DateField(_("材料补齐日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    separate_registration = models.BooleanField(_("单独登记备案"), default=False)
    separate_registration_reason = models.CharField(
        _("单独登记备案原因"), max_length=200, blank=True
    )
    related_staff = models.ManyToManyField(
        User,
        verbose_name=_("存在近亲属关系的工作人员"),
        blank=True,
        related_name="+",
        help_text=_("这些人员不能办理本案的任何环节。"),
    )
    town_confirms = models.BooleanField(
        _("由镇（街道）审核确认"),
        default=False,
        help_text=_("受理时按区（市）设置确定，决定审核确认和决定的层级及总时限。"),
    )
    spot_check = models.BooleanField(_("抽中入户抽查"), null=True, blank=True)
    # the overall statutory clock (S1 Art 22) is the case's (limit_code,
    # due_on on Case); an extension's reason is the 低保 procedure's own
    extension_reason = LimitedTextField(_("延期理由"), blank=True)
    # current position, for lists and filters
    stage = models.CharField(
        _("办理环节"),
        max_length=24,
        choices=Stage.choices,
        default=Stage.ACCEPTANCE,
        db_index=True,
    )
    current_assessment = models.ForeignKey(
        "workflows.Assessment",
        verbose_name=_("当前收入核算"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # source_call: the hotline call, now ``Case.origin`` (2027-01)
    history = audited(
        m2m_fields=[related_staff], retired={"source_call": "source_call_id"}
    )

    class Meta:
        verbose_name = _("低保申请")
        verbose_name_plural = _("低保申请")
        # viewflow adds "manage" to a flow's process model when the flow class
        # is built; declared here so the migration state never depends on
        # whether the flow was imported. The project checks "manage any case"
        # (workflows.manage_case) instead.
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [
            ("apply_application", _("提交低保申请（含代为申请）")),
            ("accept_application", _("受理低保申请")),
            ("investigate_application", _("入户调查和邻里访问")),
            ("crosscheck_application", _("录入家庭经济状况核对报告")),
            ("calculate_application", _("收入核算")),
            ("propose_application", _("提出初审意见")),
            ("record_objection", _("登记公示异议")),
            ("handle_objection", _("处理公示异议")),
            ("confirm_application", _("审核确认（区县）")),
            ("confirm_delegated_application", _("审核确认（受委托镇街）")),
            ("decide_application", _("作出决定（区县）")),
            ("decide_delegated_application", _("作出决定（受委托镇街）")),
            ("deliver_notice", _("送达不予批准通知")),
            ("extend_deadline", _("延长办理期限")),
            ("reveal_idnumber", _("查看完整身份证号码")),
            ("import_caseload", _("导入存量低保名单")),
        ]

    def clean(self):
        if self.channel == self.Channel.PROXY and not self.proxy_name:
            raise ValidationError({"proxy_name": _("代为申请须填写代办人姓名。")})
        if self.channel == self.Channel.PROXY and not self.entrustment_recorded:
            raise ValidationError(
                {"entrustment_recorded": _("代为申请须留存委托手续。")}
            )

    # Branch conditions used by the flow -------------------------------------

    @property
    def subject(self):
        return self.applicant.name

    @property
    def materials_complete(self) -> bool:
        return not self.missing_items.strip()

    @property
    def latest_opinion(self):
        return self.opinions.order_by("-pk").first()

    @property
    def proposes_inclusion(self) -> bool:
        opinion = self.latest_opinion
        return bool(opinion and opinion.proposes_inclusion)

    @property
    def investigation_started_on(self):
        """When the current investigation's clock started: acceptance, or the
        day an objection sent the case back to be investigated again."""
        last = (
            self.objections.filter(
                resolved_on__isnull=False, handling=Objection.Handling.REINVESTIGATE
            )
            .order_by("-resolved_on", "-pk")
            .first()
        )
        return last.resolved_on if last else self.accepted_on

    @property
    def crosscheck_disputed(self) -> bool:
        """The latest cross-check found the household at odds with its
        declaration and it has not been told and re-checked yet (S1 Art 18)."""
        report = self.crosscheck_reports.order_by("-pk").first()
        return bool(
            report
            and report.result == CrossCheckReport.Result.DISCREPANT
            and not report.rechecks.exists()
        )

    @property
    def latest_feed_report(self):
        """The newest one-click cross-check report (信息核对), or None."""
        return (
            self.crosscheck_reports.filter(origin=CrossCheckReport.Origin.FEEDS)
            .order_by("-pk")
            .first()
        )

    @property
    def notice_completed(self) -> bool:
        return self.notices.filter(ended=True).exists()

    @property
    def open_objections(self):
        return self.objections.filter(resolved_on__isnull=True)

    @property
    def has_open_objections(self) -> bool:
        return self.open_objections.exists()

    @property
    def needs_notice(self) -> bool:
        """A proposal to include is published once (S1 Art 19); after an
        objection the new opinion goes on to review (S1 Art 19)."""
        return self.proposes_inclusion and not self.notice_completed

    @property
    def reinvestigation_requested(self) -> bool:
        last = self.objections.filter(resolved_on__isnull=False).order_by("-pk").first()
        return bool(last and last.handling == Objection.Handling.REINVESTIGATE)

    @property
    def awaits_escalation(self) -> bool:
        opinion = self.latest_opinion
        return bool(opinion and opinion.proposal == Opinion.Proposal.ESCALATE)

    @property
    def included_by_escalation(self) -> bool:
        return bool(self.escalation_included)

    @property
    def deciding_escalation(self):
        """The escalation whose meeting decided to include this household."""
        return self.escalation_case if self.escalation_included else None

    # --- what the spine asks of a case (core.models.Case) -------------------

    @classmethod
    def origin_refusal(cls, origin):
        """An application answers a hotline call or an alert still open."""
        if origin.kind not in cls.ORIGIN_KINDS:
            return _("低保申请只能由热线来电或监测预警发起关联。")
        if origin.finished or origin.status == "CANCELED":
            return _("该来电或预警已办结，不能再关联新的申请。")
        return None

    def referral_context(self):
        from .selectors import investigation_file

        return investigation_file(self)

    @property
    def referral_summary(self):
        assessment = self.current_assessment
        if assessment is None:
            return ""
        return _(
            "收入核算：%(outcome)s，人均月收入 %(income)s 元，"
            "适用标准 %(standard)s 元/人·月"
        ) % {
            "outcome": assessment.get_outcome_display(),
            "income": assessment.per_capita_income,
            "standard": assessment.standard.monthly_standard,
        }

    def awaits_followup(self):
        """Waiting at "等待一事一议会议决定" for the escalation's decision."""
        return self.waiting_task() is not None

    def waiting_task(self):
        from .flows import DibaoFlow

        return self.task_set.filter(
            flow_task=DibaoFlow.await_escalation, status="NEW"
        ).first()

    def recalculate_benefit(self, benefit, *, on, findings=()):
        from .services.recalc import benefit_recalculate

        return benefit_recalculate(
            application=self, benefit=benefit, on=on, findings=findings
        )

    def escalation_refusal(self):
        """提级复审 is for a household the rules do not cover, once: raised in
        a first opinion, or after a rejection (S3 #15; 一事一议 notice)."""
        if self.stage == self.Stage.APPROVED:
            return _("该家庭已批准纳入低保，无需提级复审。")
        if self.escalation_included is not None:
            return _("本案已经提级复审并作出决定，不能再次提请。")
        assessment = self.current_assessment
        if assessment is not None and assessment.outcome == "eligible":
            return _("收入核算结论为符合条件，请直接提出纳入意见，无需提级复审。")
        if not (self.stage == self.Stage.REJECTED or self.awaits_escalation):
            return _("办理中的申请请在“初审意见”中提请提级复审。")
        return None

    @property
    def review_permission(self) -> str:
        if self.town_confirms:
            return "workflows.confirm_delegated_application"
        return "workflows.confirm_application"

    @property
    def decision_permission(self) -> str:
        if self.town_confirms:
            return "workflows.decide_delegated_application"
        return "workflows.decide_application"

    @property
    def home_visit_reasons(self) -> list:
        """Why review must visit the household (S1 Art 20), empty if it need not."""
        reasons = []
        if self.separate_registration:
            reasons.append(_("单独登记备案"))
        if self.objections.exists():
            reasons.append(_("公示期间有异议"))
        if self.spot_check:
            reasons.append(_("抽中入户抽查"))
        return reasons

    @property
    def investigator_ids(self) -> set:
        """Everyone who took part in the investigation (调查核实, S1 Art 15–18):
        the home visit, the neighbour visit, the economic cross-check and its
        re-check."""
        ids = set(self.crosscheck_reports.values_list("recorded_by_id", flat=True))
        ids |= set(self.rechecks.values_list("recorded_by_id", flat=True))
        for visit in self.home_visits.all():
            ids |= {
                visit.investigator_1_id,
                visit.investigator_2_id,
                visit.recorded_by_id,
            }
        ids |= set(self.neighbour_visits.values_list("recorded_by_id", flat=True))
        return ids

    @property
    def confirmer_ids(self) -> set:
        """Everyone who gave a review-and-confirmation opinion (审核确认)."""
        return set(self.reviews.values_list("reviewed_by_id", flat=True))

    @property
    def is_approved(self) -> bool:
        decision = self.decisions.order_by("-pk").first()
        return bool(decision and decision.outcome == Decision.Outcome.APPROVE)


class HomeVisit(models.Model):
    """入户调查 (S1 Art 16): at least two investigators, signed by the family."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("入户")
        VIDEO = "video", _("视频（紧急情况）")
        PHONE = "phone", _("电话（紧急情况）")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="home_visits"
    )
    visited_on = models.DateField(_("调查日期"))
    method = models.CharField(
        _("调查方式"), max_length=16, choices=Method.choices, default=Method.IN_PERSON
    )
    remote_reason = models.CharField(_("非入户原因"), max_length=200, blank=True)
    investigator_1 = models.ForeignKey(
        User, verbose_name=_("调查人员一"), on_delete=models.PROTECT, related_name="+"
    )
    investigator_2 = models.ForeignKey(
        User, verbose_name=_("调查人员二"), on_delete=models.PROTECT, related_name="+"
    )
    family_present = models.CharField(_("在场家庭成员"), max_length=200)
    household_signed = models.BooleanField(_("家庭成员已在调查表上签字"))
    living_conditions = LimitedTextField(_("生活状况"))
    findings = LimitedTextField(_("调查结论"))
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)


class NeighbourVisit(models.Model):
    """邻里访问: what neighbours and the village committee say."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="neighbour_visits"
    )
    visited_on = models.DateField(_("访问日期"))
    persons_interviewed = models.CharField(_("走访对象"), max_length=200)
    findings = LimitedTextField(_("访问情况"))
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("邻里访问")
        verbose_name_plural = _("邻里访问")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)


class CrossCheckReport(models.Model):
    """家庭经济状况信息核对报告 from the county verification body (S1 Art 17–18)."""

    class Result(models.TextChoices):
        CONSISTENT = "consistent", _("核对结果与申报一致")
        DISCREPANT = "discrepant", _("核对发现未申报的收入或财产")

    class Origin(models.TextChoices):
        FEEDS = "feeds", _("一键核对（部门数据）")
        MANUAL = "manual", _("人工录入")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="crosscheck_reports"
    )
    origin = models.CharField(
        _("报告来源"), max_length=8, choices=Origin.choices, default=Origin.MANUAL
    )
    report_number = models.CharField(_("核对报告编号"), max_length=64)
    checked_on = models.DateField(_("核对日期"))
    result = models.CharField(_("核对结果"), max_length=16, choices=Result.choices)
    findings = LimitedTextField(
        _("核对情况"),
        help_text=_(
            "户籍、纳税、社保、养老金、不动产、工商、公积金、车辆、存款证券保险、死亡、婚姻等。"
        ),
    )
    # a report typed in by hand (a department outside the feeds): why
    manual_reason = models.CharField(
        _("人工录入原因"), max_length=200, blank=True, default=""
    )
    # a report from the feeds: per source, the batch used and its period, or
    # None where the source had no data for the period ("no data", never
    # "nothing found")
    coverage = models.JSONField(_("核对数据范围"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("信息核对报告")
        verbose_name_plural = _("信息核对报告")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)

    def clean(self):
        if self.origin == self.Origin.MANUAL and not self.manual_reason.strip():
            raise ValidationError(
                {"manual_reason": _("人工录入核对报告须写明原因（如部门数据未接入）。")}
            )

    @property
    def coverage_rows(self) -> list:
        """``(source label, period or None)`` per source, in source order."""
        from ..monitoring.models import FeedBatch

        rows = []
        for code, label in FeedBatch.Source.choices:
            if code in self.coverage:
                entry = self.coverage[code]
                rows.append((label, entry["period"] if entry else None))
        return rows


class CrossCheckFinding(models.Model):
    """One fact a department's feed holds about a member (信息核对): evidence
    for the investigator, not a verdict (S1 Art 17–18). The reviewer confirms
    it (the calculation then takes it) or explains it (a vehicle used for a
    disability, a house in ruins), with the explanation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待核实")
        CONFIRMED = "confirmed", _("核实属实")
        EXPLAINED = "explained", _("已说明，不予计入")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="crosscheck_findings"
    )
    report = models.ForeignKey(
        CrossCheckReport,
        verbose_name=_("核对报告"),
        on_delete=models.CASCADE,
        related_name="feed_findings",
    )
    member = models.ForeignKey(
        "workflows.Member",
        verbose_name=_("家庭成员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("数据来源"), max_length=20)
    period = models.DateField(_("数据期间（月）"))
    kind = models.CharField(_("项目"), max_length=32)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    # deposits above the dated limit of the standard in force (per capita ×
    # household size), worked out when the report was made
    over_limit = models.BooleanField(_("超过财产限额"), default=False)
    status = models.CharField(
        _("核实情况"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    explanation = models.CharField(_("说明理由"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("核实人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("信息核对发现")
        verbose_name_plural = _("信息核对发现")
        ordering = ["report_id", "member_id", "source", "pk"]

    def __str__(self):
        return f"{self.report} {self.source} {self.kind}"

    def clean(self):
        if self.status == self.Status.EXPLAINED and not self.explanation.strip():
            raise ValidationError({"explanation": _("请写明不予计入的理由。")})

    @property
    def source_label(self):
        from ..monitoring.models import FeedBatch

        return dict(FeedBatch.Source.choices).get(self.source, self.source)


class CrossCheckRecheck(models.Model):
    """告知核对结果与复查 (S1 Art 18): the cross-check found the household's
    situation at odds with its declaration; the town told the applicant, who
    may present evidence and ask for a re-check, and the town re-checked."""

    class Result(models.TextChoices):
        UPHELD = "upheld", _("复查维持核对结论")
        CORRECTED = "corrected", _("复查更正核对结论")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="rechecks"
    )
    report = models.ForeignKey(
        CrossCheckReport,
        verbose_name=_("核对报告"),
        on_delete=models.PROTECT,
        related_name="rechecks",
    )
    informed_on = models.DateField(_("告知申请人日期"))
    requested = models.BooleanField(_("申请人申请复查"))
    evidence = LimitedTextField(_("申请人提供的佐证材料"), blank=True)
    result = models.CharField(
        _("复查结果"), max_length=16, choices=Result.choices, blank=True
    )
    findings = LimitedTextField(_("复查情况"), blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("核对结果告知与复查")
        verbose_name_plural = _("核对结果告知与复查")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)

    def clean(self):
        errors = {}
        if self.requested:
            if not (self.evidence or "").strip():
                errors["evidence"] = _("申请人申请复查的，请记录其提供的佐证材料。")
            if not self.result:
                errors["result"] = _("请填写复查结果。")
            if not (self.findings or "").strip():
                errors["findings"] = _("请填写复查情况。")
        elif self.result:
            errors["result"] = _("申请人未申请复查的，不填写复查结果。")
        if errors:
            raise ValidationError(errors)


class Assessment(models.Model):
    """A stored run of the income calculation: inputs, result, rule version.

    Re-running ``workflows.dibao.income.calculate`` on ``inputs`` gives
    ``result`` again; that is how an auditor checks it.
    """

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", _("符合低保条件")
        MARGINAL = "marginal", _("低保边缘家庭")
        NOT_ELIGIBLE = "not_eligible", _("不符合条件")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments"
    )
    rule_version = models.CharField(_("核算规则版本"), max_length=32)
    standard = models.ForeignKey(
        "workflows.AssistanceStandard",
        verbose_name=_("适用标准"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inputs = models.JSONField(_("核算输入"))
    result = models.JSONField(_("核算结果"))
    outcome = models.CharField(_("核算结论"), max_length=16, choices=Outcome.choices)
    per_capita_income = money_field(_("人均月收入（元）"))
    monthly_amount = money_field(_("月补差金额（元）"))
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("核算人")
    )
    created_at = models.DateTimeField(_("核算时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("收入核算")
        verbose_name_plural = _("收入核算")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)


class Opinion(models.Model):
    """初审意见 of the town (S1 Art 19)."""

    class Proposal(models.TextChoices):
        INCLUDE = "include", _("拟纳入低保")
        INCLUDE_SINGLE = "include_single", _("拟按单人保纳入")
        REJECT = "reject", _("拟不予纳入")
        ESCALATE = "escalate", _("不符合现行规定但确有困难，提请提级复审（一事一议）")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="opinions"
    )
    proposal = models.CharField(_("初审意见"), max_length=16, choices=Proposal.choices)
    single_member = models.ForeignKey(
        "workflows.Member",
        verbose_name=_("单人保对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_amount = money_field(_("拟保障金额（元/月）"), default=0)
    reasons = LimitedTextField(_("理由"))
    after_objection = models.BooleanField(_("异议处理后重新提出"), default=False)
    given_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    given_on = models.DateField(_("日期"), default=timezone.localdate)

    history = audited()

    class Meta:
        verbose_name = _("初审意见")
        verbose_name_plural = _("初审意见")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)

    @property
    def proposes_inclusion(self):
        return self.proposal in (self.Proposal.INCLUDE, self.Proposal.INCLUDE_SINGLE)


class Notice(models.Model):
    """公示: name, household size and proposed amount only; no ID, no illness."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="notices"
    )
    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("公示地点"), max_length=200)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    applicant_name = models.CharField(_("申请人"), max_length=64)
    household_size = models.PositiveSmallIntegerField(_("保障人数"))
    proposed_amount = money_field(_("拟保障金额（元/月）"))
    ended = models.BooleanField(_("公示期满"), default=False)

    history = audited()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)


class Objection(models.Model):
    """异议 raised during the public notice, and how it was resolved (7a)."""

    class Handling(models.TextChoices):
        REINVESTIGATE = "reinvestigate", _("重新调查核实")
        COMMUNITY_REVIEW = "community_review", _("组织民主评议")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="objections"
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("收到日期"))
    objector = models.CharField(_("异议人（可匿名）"), max_length=64, blank=True)
    content = LimitedTextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    handling = models.CharField(
        _("处理方式"), max_length=20, choices=Handling.choices, blank=True
    )
    result = LimitedTextField(_("处理结果"), blank=True)
    resolved_on = models.DateField(_("处理日期"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("处理人"),
    )

    history = audited()

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)


class Review(models.Model):
    """审核确认 (S1 Art 20), with the mandatory or spot-check home visit."""

    class Conclusion(models.TextChoices):
        CONFIRM = "confirm", _("同意初审意见")
        AMEND = "amend", _("调整保障金额")
        DISAGREE = "disagree", _("不同意纳入")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviews"
    )
    visit_required_reason = models.CharField(
        _("须入户核查的原因"), max_length=200, blank=True
    )
    spot_checked = models.BooleanField(_("抽中入户抽查"), default=False)
    visited_on = models.DateField(_("入户核查日期"), null=True, blank=True)
    visit_findings = LimitedTextField(_("入户核查情况"), blank=True)
    conclusion = models.CharField(
        _("审核意见"), max_length=16, choices=Conclusion.choices
    )
    amount = money_field(_("确认保障金额（元/月）"), default=0)
    remarks = LimitedTextField(_("审核说明"))
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核人")
    )
    reviewed_on = models.DateField(_("审核日期"), default=timezone.localdate)

    history = audited()

    class Meta:
        verbose_name = _("审核确认")
        verbose_name_plural = _("审核确认")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)


class Decision(models.Model):
    """决定 (S1 Art 21): approval with amount and start month, or rejection."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("批准")
        REJECT = "reject", _("不予批准")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(_("决定"), max_length=8, choices=Outcome.choices)
    monthly_amount = money_field(_("保障金额（元/月）"), default=0)
    start_month = models.DateField(_("起始月份"), null=True, blank=True)
    certificate_number = models.CharField(_("低保证编号"), max_length=32, blank=True)
    escalation = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("依据的一事一议决定"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reasons = LimitedTextField(_("理由"))
    remedies = LimitedTextField(_("救济途径告知"), blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("决定人")
    )
    decided_on = models.DateField(_("决定日期"), default=timezone.localdate)
    delivered_on = models.DateField(_("通知送达日期"), null=True, blank=True)
    delivery_method = models.CharField(_("送达方式"), max_length=64, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("决定")
        verbose_name_plural = _("决定")
        ordering = ["pk"]

    def __str__(self):
        return record_label(self)
