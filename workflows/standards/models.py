"""Dated, per-district parameters: assistance standards, district policies and
the list of income types with whether they count (S1 Art 13).

Nothing here is a constant in code: every figure has a validity period, a
district, and a flag saying whether it is a clearly marked sample value.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..base.history import audited
from ..registry.models import Area, money_field


def localized_name(name, name_en):
    """``name_en`` when the UI is in English and one is recorded, else ``name``."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


class DatedQuerySet(models.QuerySet):
    def in_force(self, on):
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class Dated(models.Model):
    """A validity period; overlapping periods for the same key are refused."""

    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    is_sample = models.BooleanField(
        _("示例数据"),
        default=False,
        help_text=_("示例数值仅供演示，正式使用前须由管理员按本地文件替换。"),
    )
    source = models.CharField(_("依据文件"), max_length=200, blank=True)

    objects = DatedQuerySet.as_manager()

    overlap_key: tuple = ()

    class Meta:
        abstract = True

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(_("截止日期不能早于起始日期。"))
        if not self.valid_from:
            return
        far_future = self.valid_to or self.valid_from.replace(year=9999)
        clash = (
            type(self)
            .objects.filter(**{k: getattr(self, k) for k in self.overlap_key})
            .exclude(pk=self.pk)
            .filter(valid_from__lte=far_future)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        )
        if clash.exists():
            raise ValidationError(
                _("与已有记录的有效期重叠，请先调整原记录的截止日期。")
            )


class AssistanceStandard(Dated):
    """The 低保 standard and property limits of a district, urban or rural."""

    class Rounding(models.TextChoices):
        YUAN = "yuan", _("四舍五入到元")
        YUAN_UP = "yuan_up", _("向上取整到元")
        JIAO = "jiao", _("四舍五入到角")
        FEN = "fen", _("保留到分")

    district = models.ForeignKey(
        "roles.Region",
        verbose_name=_("区（市）"),
        on_delete=models.PROTECT,
        related_name="standards",
        limit_choices_to={"level": "district"},
    )
    area = models.CharField(_("城乡类别"), max_length=8, choices=Area.choices)
    monthly_standard = money_field(_("低保标准（元/人·月）"))
    marginal_multiplier = models.DecimalField(
        _("低保边缘倍数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("2"))],
        help_text=_("山东省 2022-11-01 至 2027-10-31 为 1.5 倍，可放宽至 2 倍。"),
    )
    financial_assets_limit_per_capita = money_field(
        _("人均存款等金融资产上限（元）"), maximum=Decimal("10000000")
    )
    vehicle_value_limit = money_field(
        _("非豁免机动车总价值上限（元）"), maximum=Decimal("10000000")
    )
    housing_units_limit = models.PositiveSmallIntegerField(_("房产套数上限"), default=1)
    business_assets_limit = money_field(
        _("工商登记/企业股份价值上限（元）"), maximum=Decimal("10000000")
    )
    rounding = models.CharField(
        _("补差取整方式"), max_length=8, choices=Rounding.choices, default=Rounding.YUAN
    )

    history = audited()
    overlap_key = ("district", "area")

    class Meta:
        verbose_name = _("低保标准")
        verbose_name_plural = _("低保标准")
        ordering = ["district__code", "area", "-valid_from"]

    def __str__(self):
        return f"{self.district} {self.get_area_display()} {self.monthly_standard}"


class DistrictPolicy(Dated):
    """How a district runs review and confirmation (S1 Art 20)."""

    district = models.ForeignKey(
        "roles.Region",
        verbose_name=_("区（市）"),
        on_delete=models.PROTECT,
        related_name="policies",
        limit_choices_to={"level": "district"},
    )
    confirmation_delegated = models.BooleanField(
        _("委托镇（街道）审核确认"),
        default=False,
        help_text=_("开启后，审核确认和决定由镇（街道）作出，总时限为20个工作日。"),
    )
    spot_check_ratio = models.DecimalField(
        _("入户抽查比例"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    escalation_quorum = models.PositiveSmallIntegerField(
        _("一事一议会议最少到会成员单位数"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("到会成员单位少于此数的，会议不得作出决定。"),
    )

    gradual_exit_months = models.PositiveSmallIntegerField(
        _("渐退期最长月数"),
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(12)],
        help_text=_("家庭成员就业后收入超过标准的，可给予不超过此月数的渐退期。"),
    )
    work_refusal_limit = models.PositiveSmallIntegerField(
        _("拒绝就业次数上限"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "有劳动能力的成员无正当理由拒绝介绍的与其健康状况、劳动能力等相适应的"
            "工作达到此次数的，减发或停发其本人的保障金（《最低生活保障审核确认办法》第三十四条）。"
        ),
    )

    history = audited()
    overlap_key = ("district",)

    class Meta:
        verbose_name = _("区（市）审核确认设置")
        verbose_name_plural = _("区（市）审核确认设置")
        ordering = ["district__code", "-valid_from"]

    def __str__(self):
        return f"{self.district} {self.valid_from}"


class ReviewClass(models.TextChoices):
    """How often a household in force is reviewed (分类动态管理, S1 Art 31);
    the interval of each class is a dated, per-district parameter
    (``standards.ReviewInterval``)."""

    STABLE = "stable", _("基本稳定（每年复核）")
    VARIABLE = "variable", _("收入不稳定或有劳动能力（每半年复核）")
    AFTER_DEATH = "after_death", _("家庭成员死亡后（三个月内复核）")


class ReviewInterval(Dated):
    """How often a household of a review class is reviewed in a district
    (分类动态管理, S1 Art 31): stable households yearly, households with
    irregular income or members able to work every six months, after a
    member's death within three months."""

    district = models.ForeignKey(
        "roles.Region",
        verbose_name=_("区（市）"),
        on_delete=models.PROTECT,
        related_name="review_intervals",
        limit_choices_to={"level": "district"},
    )
    review_class = models.CharField(
        _("复核类别"), max_length=16, choices=ReviewClass.choices
    )
    months = models.PositiveSmallIntegerField(
        _("复核周期（月）"), validators=[MinValueValidator(1), MaxValueValidator(24)]
    )

    history = audited()
    overlap_key = ("district", "review_class")

    class Meta:
        verbose_name = _("动态复核周期")
        verbose_name_plural = _("动态复核周期")
        ordering = ["district__code", "review_class", "-valid_from"]

    def __str__(self):
        return f"{self.district} {self.review_class} {self.months}"


class IncomeType(models.Model):
    """A kind of income and whether it counts (S1 Art 13; the city may add)."""

    class Category(models.TextChoices):
        WAGE = "wage", _("工资性收入")
        BUSINESS = "business", _("经营净收入")
        PROPERTY = "property", _("财产净收入")
        TRANSFER = "transfer", _("转移净收入")
        EXCLUDED = "excluded", _("不计入的收入")

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    counted = models.BooleanField(_("计入家庭收入"))
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("收入类型")
        verbose_name_plural = _("收入类型")
        ordering = ["-counted", "category", "code"]

    def __str__(self):
        return self.label

    def natural_key(self):
        return (self.code,)

    @property
    def label(self):
        """The name in the current UI language (reference data is bilingual)."""
        return localized_name(self.name, self.name_en)
