"""The household registry: households, members, incomes, deductions, assets.

These are the live records a case investigates. The case keeps its own
snapshot of them inside each income assessment, so a later change here never
alters what a past decision was based on.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.history import audited
from ..base.masking import mask_id_number
from . import idnumber
from .fields import IdNumberField

MAX_MONTHLY = Decimal("1000000")
MAX_ASSET = Decimal("1000000000")


def money_field(verbose_name, maximum=MAX_MONTHLY, **kwargs):
    """Non-negative yuan amount with a sanity ceiling (absurd values refused)."""
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(maximum)],
        **kwargs,
    )


class Area(models.TextChoices):
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class Household(models.Model):
    """A family living together (共同生活家庭), registered in a village/community."""

    region = models.ForeignKey(
        "roles.Region",
        verbose_name=_("所在村（社区）"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    address = models.CharField(_("住址"), max_length=200)
    area = models.CharField(_("城乡类别"), max_length=8, choices=Area.choices)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    created = models.DateTimeField(_("登记时间"), default=timezone.now)

    history = audited()

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["-created"]
        permissions = [("import_registry", _("导入家庭、成员、收入和财产"))]

    def __str__(self):
        head = self.head
        return str(head.name if head else self.address)

    @property
    def scope_region_path(self):
        return self.region.path

    @property
    def head(self):
        members = list(self.members.all())
        for member in members:
            if member.relation == Member.Relation.HEAD:
                return member
        return members[0] if members else None


class Member(models.Model):
    """A person in a household. The identity number is unique in the registry."""

    class Relation(models.TextChoices):
        HEAD = "head", _("户主（本人）")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        SIBLING = "sibling", _("兄弟姐妹")
        OTHER = "other", _("其他共同生活的家庭成员")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class DisabilityKind(models.TextChoices):
        NONE = "", _("无")
        PHYSICAL = "physical", _("肢体")
        VISUAL = "visual", _("视力")
        HEARING = "hearing", _("听力")
        SPEECH = "speech", _("言语")
        INTELLECTUAL = "intellectual", _("智力")
        MENTAL = "mental", _("精神")
        MULTIPLE = "multiple", _("多重")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("就业")
        SELF_EMPLOYED = "self_employed", _("灵活就业/个体经营")
        FARMING = "farming", _("务农")
        UNEMPLOYED = "unemployed", _("失业（有劳动能力）")
        STUDENT = "student", _("全日制在校学生")
        RETIRED = "retired", _("退休")
        UNABLE = "unable", _("无劳动能力")
        CHILD = "child", _("学龄前儿童")

    class Exclusion(models.TextChoices):
        """S1 Art 7: people not counted as household members."""

        NONE = "", _("计入共同生活家庭成员")
        RELIGIOUS = "religious", _("连续三年以上脱离家庭独立生活的宗教教职人员")
        PRISON = "prison", _("在监狱内服刑人员")
        DRUG_REHAB = "drug_rehab", _("强制隔离戒毒人员")
        MISSING = "missing", _("宣告失踪人员")

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    name = models.CharField(_("姓名"), max_length=64)
    id_number = IdNumberField(
        _("身份证号码"), unique=True, validators=[idnumber.validate_id_number]
    )
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices
    )
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"),
        default=0,
        validators=[MaxValueValidator(4)],
        help_text=_("0 表示无残疾，1–4 为残疾等级。"),
    )
    disability_kind = models.CharField(
        _("残疾类别"),
        max_length=16,
        choices=DisabilityKind.choices,
        blank=True,
        default="",
    )
    major_illness = models.BooleanField(_("患重特大疾病"), default=False)
    illness_note = models.CharField(_("疾病情况"), max_length=200, blank=True)
    employment = models.CharField(
        _("就业状况"), max_length=16, choices=Employment.choices
    )
    exclusion = models.CharField(
        _("家庭成员认定"),
        max_length=16,
        choices=Exclusion.choices,
        blank=True,
        default="",
    )

    history = audited()

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "pk"]
        permissions = [("merge_member", _("合并重复登记的人员"))]

    def __str__(self):
        return self.name

    @property
    def scope_region_path(self):
        return self.household.region.path

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    def clean(self):
        self.id_number = idnumber.normalize(self.id_number)
        errors = {}
        try:
            idnumber.validate_id_number(self.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            if self.birth_date and self.birth_date != idnumber.birth_date(
                self.id_number
            ):
                errors["birth_date"] = [_("出生日期与身份证号码不一致。")]
            if self.sex and self.sex != idnumber.sex(self.id_number):
                errors["sex"] = [_("性别与身份证号码不一致。")]
        if self.disability_grade and not self.disability_kind:
            errors["disability_kind"] = [_("有残疾等级时请选择残疾类别。")]
        if self.disability_kind and not self.disability_grade:
            errors["disability_grade"] = [_("选择了残疾类别时请填写残疾等级。")]
        if errors:
            raise ValidationError(errors)


class IncomeItem(models.Model):
    """A member's monthly income of one type (averaged over the past 12 months)."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("家庭成员"),
        on_delete=models.CASCADE,
        related_name="incomes",
    )
    income_type = models.ForeignKey(
        "workflows.IncomeType", verbose_name=_("收入类型"), on_delete=models.PROTECT
    )
    monthly_amount = money_field(_("月均金额（元）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        ordering = ["member_id", "pk"]

    def __str__(self):
        return f"{self.member} {self.income_type} {self.monthly_amount}"


class Deduction(models.Model):
    """Costs deducted from income: 刚性支出 and necessary job costs (S1 Art 13)."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("重特大疾病医疗刚性支出")
        DISABILITY = "disability", _("残疾康复刚性支出")
        JOB_COSTS = "job_costs", _("必要的就业成本")

    member = models.ForeignKey(
        Member,
        verbose_name=_("家庭成员"),
        on_delete=models.CASCADE,
        related_name="deductions",
    )
    kind = models.CharField(_("扣减类型"), max_length=16, choices=Kind.choices)
    monthly_amount = money_field(_("月均金额（元）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("支出扣减")
        verbose_name_plural = _("支出扣减")
        ordering = ["member_id", "pk"]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.monthly_amount}"


class Asset(models.Model):
    """Household property, tested against the dated property limits."""

    class Kind(models.TextChoices):
        FINANCIAL = "financial", _("存款、有价证券及商业保险")
        VEHICLE = "vehicle", _("机动车辆")
        HOUSING = "housing", _("房产")
        BUSINESS = "business", _("工商登记/企业股份")

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        on_delete=models.CASCADE,
        related_name="assets",
    )
    kind = models.CharField(_("财产类型"), max_length=16, choices=Kind.choices)
    value = money_field(_("价值（元）"), maximum=MAX_ASSET)
    quantity = models.PositiveSmallIntegerField(
        _("数量"), default=1, validators=[MaxValueValidator(100)]
    )
    is_exempt = models.BooleanField(
        _("生活必需（豁免）"),
        default=False,
        help_text=_(
            "如残疾人功能性补偿代步机动车、唯一住房以外的危房等，按当地规定认定。"
        ),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = audited()

    class Meta:
        verbose_name = _("家庭财产")
        verbose_name_plural = _("家庭财产")
        ordering = ["household_id", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"
