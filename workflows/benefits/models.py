"""The benefit in force: what a household receives, from which programme,
since when and on what basis (保障名册), its amount month by month, its
status (in force, suspended, gradual exit, stopped) and its next periodic
review; and the low-income population register (低收入人口名册). Part of the
spine: every programme writes them through the services of
``benefits.services``, and the periodic review, payments and the next
programmes read one source."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..registry.models import MAX_ASSET, money_field
from ..standards.models import ReviewClass


class Benefit(models.Model):
    """One household's assistance under one programme, decided by one case.

    Stored in the table of the 低保 roster it grew out of (and its history
    in that history table), so the audit chain over them holds."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在保")
        # payment held while the household does not report or let staff
        # visit (S1 Art 30, 32): not stopped, resumed when it reports
        SUSPENDED = "suspended", _("暂停发放")
        # 渐退期 (S1 Art 33): still paid until ``exit_until``, then stopped
        EXITING = "exiting", _("渐退期")
        STOPPED = "stopped", _("停保")

    class StopReason(models.TextChoices):
        DEATH = "death", _("保障对象死亡")
        INCOME = "income", _("家庭收入超过标准")
        PROPERTY = "property", _("家庭财产超过规定")
        EXIT_ENDED = "exit_ended", _("渐退期满")
        MOVED = "moved", _("户籍迁出或不再共同生活")
        WITHDRAWN = "withdrawn", _("本人申请退出")
        NOT_COOPERATING = "not_cooperating", _("无正当理由拒不配合复核")
        FRAUD = "fraud", _("以虚报、隐瞒、伪造等手段骗取救助")
        OTHER = "other", _("其他")

    case = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("决定案件"),
        on_delete=models.PROTECT,
        related_name="benefits",
        db_column="application_id",
    )
    kind = models.CharField(_("救助项目"), max_length=16, db_index=True)
    household = models.ForeignKey(
        "workflows.Household",
        verbose_name=_("家庭"),
        on_delete=models.PROTECT,
        related_name="benefits",
    )
    region = models.ForeignKey(
        "roles.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村（社区）"),
    )
    member = models.ForeignKey(
        "workflows.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单人保障对象"),
        db_column="single_member_id",
        help_text=_("只保障家庭中一人时（如单人保），此人。"),
    )
    persons = models.PositiveSmallIntegerField(
        _("保障人数"), db_column="household_size"
    )
    monthly_amount = money_field(_("保障金额（元/月）"))
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    legal_basis = LimitedTextField(_("依据"), blank=True)
    # periodic review (分类动态管理, S1 Art 31)
    review_class = models.CharField(
        _("复核类别"),
        max_length=16,
        choices=ReviewClass.choices,
        default=ReviewClass.STABLE,
    )
    next_review_on = models.DateField(
        _("下次复核日期"), null=True, blank=True, db_index=True
    )
    # suspension (暂停发放): since when and why
    suspended_on = models.DateField(_("暂停发放日期"), null=True, blank=True)
    suspension_reason = LimitedTextField(_("暂停发放原因"), blank=True)
    # gradual exit (渐退期, S1 Art 33): the last month still paid
    exit_until = models.DateField(_("渐退期截止月份"), null=True, blank=True)
    # stop (停保): the last month paid is ``end_month``
    stopped_on = models.DateField(_("停保决定日期"), null=True, blank=True)
    stop_reason = models.CharField(
        _("停保原因"), max_length=16, choices=StopReason.choices, blank=True
    )
    stop_note = LimitedTextField(_("停保说明"), blank=True)
    # S2 Art 68: what was obtained by fraud, to be recovered
    recovery_amount = money_field(
        _("应追回金额（元）"), maximum=MAX_ASSET, null=True, blank=True
    )

    history = audited(table_name="workflows_historicalrosterentry")

    class Meta:
        db_table = "workflows_rosterentry"
        verbose_name = _("保障对象")
        verbose_name_plural = _("保障名册")
        ordering = ["region__path", "pk"]

    def __str__(self):
        return f"{self.kind_label} {self.name} {self.monthly_amount}"

    @property
    def scope_region_path(self):
        return self.region.path

    @property
    def kind_label(self):
        from ..core.programmes import case_model

        model = case_model(self.kind)
        return model.KIND_LABEL if model else self.kind

    @property
    def name(self):
        """Whom it covers: the one member, or the person the case is about."""
        return self.member.name if self.member_id else self.case.subject

    @property
    def in_force(self) -> bool:
        """Still paid or owed (in force, suspended or in its gradual exit)."""
        return self.status != self.Status.STOPPED

    def amount_for(self, month: datetime.date):
        """The ``BenefitAmount`` in force in ``month`` (any day of it), or
        None before the start or after the last month. Reads the amounts
        prefetched as ``amounts`` when there are."""
        month = month.replace(day=1)
        if month < self.start_month or (self.end_month and month > self.end_month):
            return None
        rows = [a for a in self.amounts.all() if a.from_month <= month]
        if not rows:
            return None
        return max(rows, key=lambda a: (a.from_month, a.pk))


class BenefitAmount(models.Model):
    """The amount of a benefit from a month on (amounts over time): the first
    from the deciding case, each later one from a review decision, a
    standard raise or a work refusal, with its reason. The amount in force in
    a month is the row with the latest ``from_month`` not after it (of two
    from the same month, the later decision)."""

    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("保障对象"),
        on_delete=models.CASCADE,
        related_name="amounts",
    )
    from_month = models.DateField(_("执行月份"))
    monthly_amount = money_field(_("保障金额（元/月）"))
    persons = models.PositiveSmallIntegerField(_("保障人数"))
    reason = LimitedTextField(_("变更原因"))
    case = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("决定案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)

    history = audited()

    class Meta:
        verbose_name = _("保障金额变更")
        verbose_name_plural = _("保障金额变更")
        ordering = ["benefit_id", "from_month", "pk"]
        indexes = [
            models.Index(fields=["benefit", "from_month"], name="benefitamount_month")
        ]

    def __str__(self):
        return f"{self.benefit_id} {self.from_month:%Y-%m} {self.monthly_amount}"


class RegisterEntry(models.Model):
    """One household's place in the low-income population register
    (低收入人口名册): a recipient of a programme (``kind``: the programme's
    case kind), a marginal household (低保边缘), or a household in hardship
    (刚性支出困难 or a 一事一议 decision), since when and until when. A
    household may be in more than one class; one open entry per class and
    programme (a unique constraint)."""

    class Category(models.TextChoices):
        RECIPIENT = "recipient", _("在保对象")
        MARGINAL = "marginal", _("低保边缘家庭")
        HARDSHIP = "hardship", _("刚性支出困难家庭")

    household = models.ForeignKey(
        "workflows.Household",
        verbose_name=_("家庭"),
        on_delete=models.PROTECT,
        related_name="register_entries",
    )
    region = models.ForeignKey(
        "roles.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村（社区）"),
    )
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    kind = models.CharField(_("救助项目"), max_length=16, blank=True, default="")
    member = models.ForeignKey(
        "workflows.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单人"),
    )
    since = models.DateField(_("纳入日期"))
    ended_on = models.DateField(_("退出日期"), null=True, blank=True, db_index=True)
    case = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("来源案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    benefit = models.ForeignKey(
        Benefit,
        verbose_name=_("保障"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="register_entries",
    )
    note = LimitedTextField(_("说明"), blank=True)

    history = audited()

    class Meta:
        verbose_name = _("低收入人口名册")
        verbose_name_plural = _("低收入人口名册")
        ordering = ["region__path", "household_id", "pk"]
        permissions = [
            ("view_register", _("查看低收入人口名册")),
            # entering a household found by staff, or taking one out, by hand
            ("change_register", _("纳入或移出低收入人口名册")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "category", "kind"],
                condition=models.Q(ended_on__isnull=True),
                name="register_one_open_entry",
            )
        ]
        indexes = [
            models.Index(
                fields=["ended_on", "household"], name="register_open_household"
            )
        ]

    def __str__(self):
        return f"{self.household_id} {self.get_category_display()}"

    @property
    def scope_region_path(self):
        return self.region.path

    @property
    def label(self):
        """The class in words: the programme's name for a recipient."""
        if self.category == self.Category.RECIPIENT and self.kind:
            from ..core.programmes import case_model

            model = case_model(self.kind)
            if model is not None:
                return model.KIND_LABEL
        return self.get_category_display()


class StandardRaise(models.Model):
    """One standard raise (提标) applied: a district's new standard row
    recomputed every benefit in force of its area from its date, once (the
    standard is unique here), by whom and when, with the counts; its lines
    are the benefits whose amount changed or that were skipped."""

    standard = models.OneToOneField(
        "workflows.AssistanceStandard",
        verbose_name=_("适用标准"),
        on_delete=models.PROTECT,
        related_name="raise_run",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执行人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    benefits_seen = models.PositiveIntegerField(_("在保户数"), default=0)
    changed = models.PositiveIntegerField(_("金额变化户数"), default=0)
    unchanged = models.PositiveIntegerField(_("金额未变户数"), default=0)
    skipped = models.PositiveIntegerField(_("未重算户数"), default=0)

    history = audited()

    class Meta:
        verbose_name = _("提标重算")
        verbose_name_plural = _("提标重算")
        ordering = ["-started_at", "-pk"]
        permissions = [("apply_standard_raise", _("执行提标重算"))]

    def __str__(self):
        return f"{self.standard_id} {self.started_at:%Y-%m-%d}"

    @property
    def scope_region_path(self):
        return self.standard.district.path


class StandardRaiseLine(models.Model):
    """One benefit in a standard raise: its amount before and after, or why
    it was not recomputed (its programme has no calculation; the household
    no longer qualifies on the calculation: left to the periodic review)."""

    class Result(models.TextChoices):
        CHANGED = "changed", _("金额已调整")
        SKIPPED = "skipped", _("未重算（该救助项目无核算规则）")
        REVIEW = "review", _("重算不再符合条件，待复核")

    run = models.ForeignKey(
        StandardRaise, on_delete=models.CASCADE, related_name="lines"
    )
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("保障对象"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices)
    old_amount = money_field(_("原金额（元/月）"))
    new_amount = money_field(_("新金额（元/月）"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("提标重算明细")
        verbose_name_plural = _("提标重算明细")
        ordering = ["run_id", "pk"]

    def __str__(self):
        return f"{self.run_id} {self.benefit_id} {self.result}"
