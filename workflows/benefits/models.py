"""The benefit in force: what a household receives, from which programme,
since when and on what basis (保障名册). Part of the spine: every programme
writes it through one service (``benefits.services``), and the periodic
review, payments and the next programmes read one source."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..base.fields import LimitedTextField
from ..base.history import audited
from ..registry.models import money_field


class Benefit(models.Model):
    """One household's assistance under one programme, decided by one case.

    Stored in the table of the 低保 roster it grew out of (and its history
    in that history table), so the audit chain over them holds."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在保")
        STOPPED = "stopped", _("停保")

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
        _("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    legal_basis = LimitedTextField(_("依据"), blank=True)

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
