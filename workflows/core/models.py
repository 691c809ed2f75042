"""The case: what every process works on, and per-task deadlines."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from ..base.fields import LimitedTextField
from ..base.history import audited


class CaseQuerySet(models.QuerySet):
    def open(self):
        """Cases still being handled: not finished, not cancelled."""
        return self.filter(finished__isnull=True).exclude(status="CANCELED")


class Case(Process):
    """A case of any programme, scoped to the region of its household.

    Each programme's case model (the 低保 application, a hotline call, an
    escalation, …) extends it, so every task of every flow reaches its region
    through one join and one selector scopes them all. The spine never names
    a programme: each case model declares on the class what the shared pages
    need (``workflows.core.programmes`` finds them all).
    """

    # --- what each programme's case model declares -------------------------
    KIND = ""  # stored in ``kind``: "dibao", "hotline", …
    KIND_LABEL = ""  # shown to people: "最低生活保障", …
    NUMBER_PREFIX = "CS"  # case numbers: "DB2026-000042"
    SUBJECT_RELATED = ()  # joins ``subject`` needs in lists: ("applicant",)
    # (model label, lookup to the case id) of the records the audit timeline
    # of such a case reads besides the case itself, its tasks and household
    AUDIT_RECORDS = ()
    HOME_ORDER = 100  # the home page opens the first kind the user may see
    # the kinds of case a case of this programme may be started from (its
    # ``origin``): a 低保 application from a hotline call, …
    ORIGIN_KINDS = ()  # ("*",): any kind
    START_NODE = ""  # the flow's start node a follow-up starts at
    START_FROM_LABEL = ""  # its button on the origin's page
    IS_ESCALATION = False  # 提级复审 / 一事一议: the case-by-case decision
    # who may pause and resume the case's clocks while waiting for the
    # applicant (a permission on the case), or "" where they never pause
    PAUSE_PERMISSION = ""
    # a summary of this case that a follow-up case shows (e.g. the
    # investigation file an escalation reads): a template and its context
    REFERRAL_TEMPLATE = ""

    kind = models.CharField(_("业务类型"), max_length=16, editable=False)
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
    # One case refers to another through the spine: the case this one was
    # started from (a call → an application → an escalation). A household's
    # assistance chain and a call's outcome follow these links.
    origin = models.ForeignKey(
        "self",
        verbose_name=_("来源案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
    )
    # The case's overall clock (e.g. S1 Art 22's 30 working days for 低保),
    # started by the programme (at acceptance) and recomputed by the spine
    # when it is paused and resumed, or when the calendar of a year it
    # spans is entered or corrected.
    limit_code = models.CharField(_("总时限"), max_length=32, blank=True)
    clock_started_on = models.DateField(_("计时起始日"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("计时起始时间"), null=True, blank=True)
    due_on = models.DateField(_("办结期限"), null=True, blank=True, db_index=True)
    # set only for limits in hours: the moment it falls due
    due_at = models.DateTimeField(_("办结时刻"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()
    history = audited()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created"]
        # Permissions meaning "any case"; seeing a kind of case and its steps
        # are each programme's own (view_application, view_call, …).
        permissions = [
            ("manage_case", _("管理案件（改派、退回、请假代理）")),
            ("grant_case", _("为单个案件授权")),
            ("audit_case", _("查看审计记录")),
            # cancelling a whole case (with a reason): the district
            ("cancel_case", _("撤销案件")),
            # being one of the two people of a home visit (入户调查 / 入户核实):
            # town caseworkers and village coordinators
            ("visit_case", _("参加入户调查核实")),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self.kind:
            self.kind = type(self).KIND
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The case's page in its programme's app."""
        return self.flow_class.instance.reverse("process_detail", args=[self.pk])

    @property
    def programme(self):
        """The case model of this case's kind (the class that declares it)."""
        from .programmes import case_model

        return case_model(self.kind) or type(self)

    @property
    def specific(self):
        """This case as its programme's model (``Application``, ``Call``, …)."""
        model = self.programme
        if isinstance(self, model):
            return self
        return getattr(self, model._meta.model_name)

    @property
    def kind_label(self):
        return self.programme.KIND_LABEL

    @property
    def number(self):
        """Human case number, e.g. ``DB2026-000042`` (derived from the id)."""
        prefix = self.programme.NUMBER_PREFIX
        year = timezone.localtime(self.created).year if self.created else ""
        return f"{prefix}{year}-{self.pk:06d}" if self.pk else ""

    @property
    def scope_region_path(self):
        return self.region.path

    @property
    def subject(self):
        """The person the case is about, whatever its kind (lists that mix
        kinds select ``programmes.subject_joins()``)."""
        specific = self.specific
        return "" if specific is self else specific.subject

    @property
    def is_overdue(self) -> bool:
        """The overall limit has passed (an hour limit: its moment) and the
        case is still open."""
        if self.finished or not self.due_on:
            return False
        if self.due_at:
            return self.due_at < timezone.now()
        return self.due_on < timezone.localdate()

    @property
    def clock_paused(self):
        """The open pause of this case's clocks, or None."""
        return next((p for p in self.pauses.all() if p.ends_on is None), None)

    def referral_context(self):
        """The context of ``REFERRAL_TEMPLATE`` (what a follow-up shows)."""
        return {}

    @property
    def referral_summary(self):
        """One line a follow-up's task pages show of this case (e.g. the
        outcome of its income calculation); programmes override it."""
        return ""

    @property
    def origin_chain(self):
        """The cases this one was started from, nearest first."""
        from .programmes import origin_chain

        return origin_chain(self)

    @classmethod
    def origin_refusal(cls, origin):
        """Why a case of this programme may not be started from ``origin``
        (text), or None: by default from an open case of one of
        ``ORIGIN_KINDS``."""
        from django.utils.translation import gettext

        if not ({origin.kind, "*"} & set(cls.ORIGIN_KINDS)):
            return gettext("不能从此类案件发起。")
        if origin.finished or origin.status == "CANCELED":
            return gettext("来源案件已办结。")
        return None

    def followup_initial(self):
        """What a case started from this one may take as its first answers
        (e.g. a call's village, address and request for an application)."""
        return {"region": self.region_id}

    def awaits_followup(self):
        """Is this case waiting for a follow-up's decision (a 低保 application
        waiting for the 一事一议 meeting)? Programmes that wait override it."""
        return False

    def recalculate_benefit(self, benefit, *, on, findings=()):
        """The benefit ``benefit`` (decided by this case) calculated again on
        the standard in force on ``on``, from the household as it stands and
        the cross-check ``findings`` confirmed by the review asking (a
        ``benefits.recalc.Recalculation``), or None where this programme has
        no calculation (the review then decides on the amount entered)."""
        return None

    def escalation_refusal(self):
        """Why this case may not be raised to 提级复审 / 一事一议 (text), or
        None. Programmes whose cases may be escalated override this."""
        from django.utils.translation import gettext

        return gettext("此类案件不能提请提级复审。")


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
    # set only for limits in hours (临时救助's 24 hours): the moment it is due
    due_at = models.DateTimeField(_("截止时刻"), null=True, blank=True)
    limit = models.ForeignKey(
        "workflows.TimeLimit", verbose_name=_("时限依据"), on_delete=models.PROTECT
    )
    # where the count starts: the day (working or calendar days), or the
    # moment (hours); kept so that a pause or a corrected calendar can
    # recompute the deadline
    starts_on = models.DateField(_("起算日"), null=True)
    starts_at = models.DateTimeField(_("起算时刻"), null=True, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("任务时限")
        verbose_name_plural = _("任务时限")

    def __str__(self):
        return f"{self.task_id} → {self.due_on}"

    @property
    def is_overdue(self) -> bool:
        if self.due_at:
            return self.due_at < timezone.now()
        return self.due_on < timezone.localdate()


class ClockPause(models.Model):
    """A stop of a case's clocks while the bureau waits for the applicant
    (a missing ID card, a document asked for), with its reason. The working
    days between its start and its end do not count: on resuming, every open
    deadline of the case moves on by them."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="pauses"
    )
    starts_on = models.DateField(_("暂停日期"))
    ends_on = models.DateField(_("恢复日期"), null=True, blank=True)
    reason = LimitedTextField(_("暂停原因"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("暂停人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("恢复人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    history = audited()

    class Meta:
        verbose_name = _("计时暂停")
        verbose_name_plural = _("计时暂停")
        ordering = ["starts_on", "pk"]
        constraints = [
            # one open pause per case at a time
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ends_on__isnull=True),
                name="one_open_pause_per_case",
            )
        ]

    def __str__(self):
        return f"{self.starts_on}–{self.ends_on or ''}"


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
