"""Explicit grants, reassignments and absences: the exceptions to the region
rule, and the record of work moved between people.

Imported into ``roles.models``; kept apart because these tie roles to the case
model of ``workflows``.
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from workflows.base.fields import LimitedTextField
from workflows.base.history import audited

User = settings.AUTH_USER_MODEL


class ActiveGrants:
    def active(self, on=None):
        """Grants not expired on ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


# Guardian finds these direct-FK models and needs its own managers on them.
class UserGrantManager(ActiveGrants, UserObjectPermissionManager):
    pass


class GroupGrantManager(ActiveGrants, GroupObjectPermissionManager):
    pass


class GrantFields(models.Model):
    """Why, by whom and until when a grant was made."""

    reason = LimitedTextField(_("理由"))
    granted_by = models.ForeignKey(
        User, verbose_name=_("授权人"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Guardian requires the permission's model to be the model of the
        # foreign key. A case grant points at the Case base table while the
        # permissions are defined on each programme's case (Application …), a
        # subclass of Case: check that instead, then save normally.
        Case = apps.get_model("workflows", "Case")
        model = self.permission.content_type.model_class()
        if model is None or not issubclass(model, Case):
            raise ValidationError(_("只能授予案件的权限。"))
        models.Model.save(self, *args, **kwargs)

    def clean(self):
        if self.expires_on and self.expires_on < timezone.localdate():
            raise ValidationError({"expires_on": _("有效期不能早于今天。")})


class CaseGrant(GrantFields, UserObjectPermissionBase):
    """One permission on one case for one user, outside their posts' regions
    (an auditor given one case, a colleague covering one case)."""

    content_object = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        related_name="user_grants",
    )

    objects = UserGrantManager()
    history = audited()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("案件授权（人员）")
        verbose_name_plural = _("案件授权（人员）")

    def __str__(self):
        return f"{self.user} · {self.permission.codename} · {self.content_object_id}"


class CaseGroupGrant(GrantFields, GroupObjectPermissionBase):
    """One permission on one case for a group (e.g. a member unit invited to an
    escalated case)."""

    content_object = models.ForeignKey(
        "workflows.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        related_name="group_grants",
    )

    objects = GroupGrantManager()
    history = audited()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("案件授权（组）")
        verbose_name_plural = _("案件授权（组）")

    def __str__(self):
        return f"{self.group} · {self.permission.codename} · {self.content_object_id}"


class Reassignment(models.Model):
    """A task moved from one person to another (or back to the queue)."""

    class Kind(models.TextChoices):
        REASSIGN = "reassign", _("改派")
        UNASSIGN = "unassign", _("退回待领取")
        ABSENCE_START = "absence_start", _("请假期间转交代理人")
        ABSENCE_END = "absence_end", _("销假后交回")
        SUBSTITUTE = "substitute", _("请假期间新任务转交代理人")

    task = models.ForeignKey(
        "viewflow.Task",
        verbose_name=_("任务"),
        on_delete=models.CASCADE,
        related_name="reassignments",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    from_user = models.ForeignKey(
        User,
        verbose_name=_("原办理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_user = models.ForeignKey(
        User,
        verbose_name=_("新办理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(
        User,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("为空表示系统按请假安排自动转交。"),
    )
    reason = LimitedTextField(_("理由"))
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    history = audited()

    class Meta:
        verbose_name = _("任务改派记录")
        verbose_name_plural = _("任务改派记录")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.task_id}: {self.from_user_id} → {self.to_user_id}"


class AbsenceQuerySet(models.QuerySet):
    def on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day, cancelled=False)


class Absence(models.Model):
    """Leave: the person's open and new tasks go to a substitute meanwhile."""

    user = models.ForeignKey(
        User,
        verbose_name=_("请假人员"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    substitute = models.ForeignKey(
        User, verbose_name=_("代理人"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = LimitedTextField(_("事由"))
    created_by = models.ForeignKey(
        User, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    started = models.BooleanField(_("已转交"), default=False)
    ended = models.BooleanField(_("已交回"), default=False)
    cancelled = models.BooleanField(_("已撤销"), default=False)

    objects = AbsenceQuerySet.as_manager()
    history = audited()

    class Meta:
        verbose_name = _("请假代理")
        verbose_name_plural = _("请假代理")
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.user} {self.starts_on}–{self.ends_on} → {self.substitute}"

    def clean(self):
        errors = {}
        if self.substitute_id and self.substitute_id == self.user_id:
            errors["substitute"] = _("代理人不能是请假人本人。")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期。")
        if errors:
            raise ValidationError(errors)
        if self.user_id and self.starts_on and self.ends_on:
            overlap = (
                Absence.objects.filter(user_id=self.user_id, cancelled=False)
                .exclude(pk=self.pk)
                .filter(starts_on__lte=self.ends_on, ends_on__gte=self.starts_on)
            )
            if overlap.exists():
                raise ValidationError(_("该人员在此期间已有请假安排。"))
