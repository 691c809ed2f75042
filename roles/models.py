"""Regions (city → district → town → village), roles and staff posts."""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.base.history import audited


class Level(models.TextChoices):
    """Administrative level; the order is from the top down."""

    CITY = "city", _("市")
    DISTRICT = "district", _("区（市）")
    TOWN = "town", _("镇（街道）")
    VILLAGE = "village", _("村（社区）")


LEVEL_DEPTH = {Level.CITY: 1, Level.DISTRICT: 2, Level.TOWN: 3, Level.VILLAGE: 4}


class RegionManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Region(models.Model):
    """A node of the administrative tree.

    ``path`` is the materialized path of codes (``370400/370402/…/``), so "this
    region and everything under it" is one indexed prefix match.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("地级市")
        DISTRICT = "district", _("市辖区")
        COUNTY_CITY = "county_city", _("县级市")
        TOWN = "town", _("镇")
        STREET = "street", _("街道")
        VILLAGE = "village", _("村")
        COMMUNITY = "community", _("社区")

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True, editable=False)
    is_sample = models.BooleanField(
        _("示例代码"),
        default=False,
        help_text=_("代码为示例数据，并非国家统计局公布的区划代码，请管理员核对替换。"),
    )

    objects = RegionManager()
    history = audited()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + self.code + "/"
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.code,)

    def clean(self):
        expected_parent = {
            Level.CITY: None,
            Level.DISTRICT: Level.CITY,
            Level.TOWN: Level.DISTRICT,
            Level.VILLAGE: Level.TOWN,
        }[self.level]
        actual = self.parent.level if self.parent_id else None
        if actual != expected_parent:
            raise ValidationError(_("上级区划的层级不正确。"))

    @property
    def scope_region_path(self):
        return self.path

    def ancestor(self, level):
        """The ancestor (or self) at ``level``, walking up the tree."""
        node = self
        while node is not None and node.level != level:
            node = node.parent
        return node

    @property
    def district(self):
        return self.ancestor(Level.DISTRICT)

    @property
    def town(self):
        return self.ancestor(Level.TOWN)

    @property
    def full_name(self):
        names = []
        node = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class RoleManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Role(models.Model):
    """A kind of job. Its permissions are Django permissions named by action."""

    class Code(models.TextChoices):
        VILLAGE_COORDINATOR = "village_coordinator", _("村（社区）社会救助协理员")
        PROXY_AGENT = "proxy_agent", _("帮办代办员")
        TOWN_CASEWORKER = "town_caseworker", _("镇（街道）经办人员")
        TOWN_SUPERVISOR = "town_supervisor", _("镇（街道）分管负责人")
        DISTRICT_REVIEWER = "district_reviewer", _("区（市）审核确认人员")
        DISTRICT_SUPERVISOR = "district_supervisor", _("区（市）民政局负责人")
        CITY_ADMINISTRATOR = "city_administrator", _("市民政局管理员")
        AUDITOR = "auditor", _("审计人员")
        HOTLINE_OPERATOR = "hotline_operator", _("社会救助热线受理员")

    code = models.CharField(_("角色"), max_length=32, choices=Code.choices, unique=True)
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("权限"), blank=True, related_name="+"
    )
    seeded_releases = models.JSONField(
        _("已应用的权限更新"),
        default=list,
        blank=True,
        help_text=_("随系统升级新增的权限只加一次；管理员之后的修改不会被覆盖。"),
    )

    objects = RoleManager()
    history = audited(m2m_fields=[permissions])

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()

    def natural_key(self):
        return (self.code,)

    @property
    def allowed_levels(self):
        return ROLE_LEVELS[self.code]


# Where each role may hold a post: a live rule of ``Post.clean`` (the role
# matrix in ``roles.matrix`` is only the seed of their permissions).
ROLE_LEVELS = {
    Role.Code.VILLAGE_COORDINATOR: [Level.VILLAGE],
    Role.Code.PROXY_AGENT: [Level.VILLAGE, Level.TOWN],
    Role.Code.TOWN_CASEWORKER: [Level.TOWN],
    Role.Code.TOWN_SUPERVISOR: [Level.TOWN],
    Role.Code.DISTRICT_REVIEWER: [Level.DISTRICT],
    Role.Code.DISTRICT_SUPERVISOR: [Level.DISTRICT],
    Role.Code.CITY_ADMINISTRATOR: [Level.CITY],
    Role.Code.AUDITOR: [Level.CITY, Level.DISTRICT],
    Role.Code.HOTLINE_OPERATOR: [Level.CITY, Level.DISTRICT],
}


class PostQuerySet(models.QuerySet):
    def active(self, on=None):
        """Posts in force on ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(is_active=True, valid_from__lte=on).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=on)
        )


class Post(models.Model):
    """A user's job in one region: user × region × role, with dates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="posts",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="posts",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("角色"), on_delete=models.PROTECT, related_name="posts"
    )
    valid_from = models.DateField(_("生效日期"), default=timezone.localdate)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = PostQuerySet.as_manager()
    history = audited()

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["region__path", "role__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"], name="unique_post_per_region_role"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.region} · {self.role}"

    def clean(self):
        if self.role_id and self.region_id:
            if self.region.level not in self.role.allowed_levels:
                raise ValidationError(
                    _("“%(role)s”不能设在%(level)s级。")
                    % {"role": self.role, "level": self.region.get_level_display()}
                )
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError(_("失效日期不能早于生效日期。"))


from .account_models import EnrolmentCode, Lockout  # noqa: E402,F401  (models of this app)
from .work_models import (  # noqa: E402,F401  (models of this app)
    Absence,
    CaseGrant,
    CaseGroupGrant,
    Reassignment,
)
