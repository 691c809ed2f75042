"""Forms of the 低保 steps: short, in Chinese, validated before any write."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import Level, Post, Region
from roles.scope import ancestor_paths, region_q

from ..base.fields import TEXT_MAX
from ..core.forms import (
    TEXTAREA,
    TwoInvestigatorsMixin,
    UserChoiceField,
    money,
    past_date,
    with_blank,
)
from ..registry import idnumber
from ..registry.fields import IdNumberFormField
from ..registry.models import (
    MAX_ASSET,
    Area,
    Asset,
    Deduction,
    IncomeItem,
    Member,
)
from ..standards.models import IncomeType
from .models import (
    CrossCheckRecheck,
    CrossCheckReport,
    HomeVisit,
    Objection,
    Opinion,
    Review,
)

DISABILITY_GRADES = [(0, _("无")), (1, "1"), (2, "2"), (3, "3"), (4, "4")]


# --- 1. application -------------------------------------------------------


class ApplyForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("户籍所在村（社区）"), queryset=Region.objects.none()
    )
    address = forms.CharField(label=_("住址"), max_length=200)
    area = forms.ChoiceField(label=_("城乡类别"), choices=Area.choices)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    channel = forms.ChoiceField(label=_("申请方式"), choices=[])
    reason = forms.CharField(label=_("申请理由"), widget=TEXTAREA, max_length=TEXT_MAX)
    proxy_name = forms.CharField(label=_("代办人姓名"), max_length=64, required=False)
    proxy_relation = forms.CharField(
        label=_("代办人身份"),
        max_length=64,
        required=False,
        help_text=_("如村委会成员、网格员、亲属等。"),
    )
    entrustment_recorded = forms.BooleanField(
        label=_("已留存委托手续（代为申请时必需）"), required=False
    )
    authorization_signed = forms.BooleanField(
        label=_("已签署家庭经济状况核对授权书"),
        required=False,
    )
    declaration_signed = forms.BooleanField(
        label=_("已签署收入财产申报及承诺书"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Region.objects.filter(level=Level.VILLAGE).select_related("parent")
        if not user.is_superuser:
            villages = villages.filter(
                region_q(user, "workflows.apply_application", path_field="path")
            )
        self.fields["region"].queryset = villages
        self.fields["region"].label_from_instance = lambda r: (
            f"{r.parent.name} {r.name}"
        )
        from .models import Application

        self.fields["channel"].choices = [
            c
            for c in Application.Channel.choices
            if c[0] != Application.Channel.IMPORTED  # only the caseload import
        ]

    def clean(self):
        data = super().clean()
        if data.get("channel") == "proxy":
            if not data.get("proxy_name"):
                self.add_error("proxy_name", _("代为申请须填写代办人姓名。"))
            if not data.get("entrustment_recorded"):
                self.add_error("entrustment_recorded", _("代为申请须留存委托手续。"))
        if not data.get("authorization_signed"):
            self.add_error(
                "authorization_signed",
                _("申请须附家庭经济状况核对授权书（一证一书）。"),
            )
        if not data.get("declaration_signed"):
            self.add_error("declaration_signed", _("申请须附收入财产申报及承诺书。"))
        return data


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = IdNumberFormField(label=_("身份证号码"))
    relation = forms.ChoiceField(
        label=_("与户主关系"), choices=with_blank(Member.Relation.choices)
    )
    employment = forms.ChoiceField(
        label=_("就业状况"), choices=with_blank(Member.Employment.choices)
    )
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"), coerce=int, choices=DISABILITY_GRADES, initial=0
    )
    disability_kind = forms.ChoiceField(
        label=_("残疾类别"), choices=Member.DisabilityKind.choices, required=False
    )
    major_illness = forms.BooleanField(label=_("重特大疾病"), required=False)
    exclusion = forms.ChoiceField(
        label=_("成员认定"), choices=Member.Exclusion.choices, required=False
    )

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]  # normalised by the field
        idnumber.validate_id_number(value)
        return value

    def clean(self):
        data = super().clean()
        grade, kind = data.get("disability_grade"), data.get("disability_kind")
        if grade and not kind:
            self.add_error("disability_kind", _("有残疾等级时请选择残疾类别。"))
        if kind and not grade:
            self.add_error("disability_grade", _("选择了残疾类别时请填写残疾等级。"))
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data]
        if not rows:
            raise ValidationError(_("家庭至少应有一名成员。"))
        if sum(1 for r in rows if r["relation"] == Member.Relation.HEAD) != 1:
            raise ValidationError(_("须填写且只能填写一名户主（本人）。"))
        numbers = [r["id_number"] for r in rows]
        if len(set(numbers)) != len(numbers):
            raise ValidationError(_("同一身份证号码填写了两次。"))


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=5, max_num=20, validate_max=True
)


class DeclaredIncomeForm(forms.Form):
    member_no = forms.IntegerField(
        label=_("成员序号"),
        min_value=1,
        max_value=20,
        help_text=_("上表中的第几位成员"),
    )
    income_type = forms.ModelChoiceField(
        label=_("收入类型"), queryset=IncomeType.objects.all()
    )
    monthly_amount = money(_("月均金额（元）"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class DeclaredDeductionForm(forms.Form):
    member_no = forms.IntegerField(label=_("成员序号"), min_value=1, max_value=20)
    kind = forms.ChoiceField(
        label=_("扣减类型"), choices=with_blank(Deduction.Kind.choices)
    )
    monthly_amount = money(_("月均金额（元）"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class AssetForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("财产类型"), choices=with_blank(Asset.Kind.choices)
    )
    value = money(_("价值（元）"), maximum=MAX_ASSET)
    quantity = forms.IntegerField(
        label=_("数量"), min_value=1, max_value=100, initial=1
    )
    is_exempt = forms.BooleanField(label=_("生活必需（豁免）"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


IncomeFormSet = forms.formset_factory(DeclaredIncomeForm, extra=4, max_num=60)
DeductionFormSet = forms.formset_factory(DeclaredDeductionForm, extra=2, max_num=40)
AssetFormSet = forms.formset_factory(AssetForm, extra=3, max_num=40)


# --- 2. acceptance ------------------------------------------------------------


class AcceptForm(forms.Form):
    complete = forms.TypedChoiceField(
        label=_("申请材料"),
        coerce=lambda v: v == "yes",
        choices=[
            ("yes", _("齐全，予以受理")),
            ("no", _("不齐全，一次性告知需补齐的材料")),
        ],
        widget=forms.RadioSelect,
        initial="yes",
    )
    missing_items = forms.CharField(
        label=_("需补齐的全部材料（每行一项）"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_MAX,
    )
    separate_registration = forms.BooleanField(
        label=_(
            "申请人或其家庭成员是社会救助经办人员或村（社区）干部的近亲属（单独登记备案）"
        ),
        required=False,
    )
    separate_registration_reason = forms.CharField(
        label=_("近亲属关系说明"), max_length=200, required=False
    )
    related_staff = forms.ModelMultipleChoiceField(
        label=_("涉及的工作人员（其不能办理本案）"),
        queryset=None,
        required=False,
        help_text=_("近亲属是本系统用户的，请选出；村干部等无账号的，在说明中写明。"),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["related_staff"].queryset = staff_covering(case)
        self.fields["related_staff"].label_from_instance = lambda u: (
            u.get_full_name() or u.username
        )

    def clean(self):
        data = super().clean()
        if data.get("complete") is False and not data.get("missing_items", "").strip():
            self.add_error(
                "missing_items", _("材料不齐全时须一次性列明需补齐的全部材料。")
            )
        if data.get("complete"):
            data["missing_items"] = ""
        if (
            data.get("separate_registration")
            and not data.get("separate_registration_reason", "").strip()
        ):
            self.add_error("separate_registration_reason", _("请说明近亲属关系。"))
        return data


class MaterialsForm(forms.Form):
    received_on = past_date(_("材料补齐日期"), initial=timezone.localdate)
    still_missing = forms.CharField(
        label=_("仍缺少的材料（全部补齐则留空）"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_MAX,
    )


# --- 3–5. investigation ---------------------------------------------------------


def staff_covering(case):
    """Users with a post in force today covering the case's village, whatever
    their role (the relatives a separate registration names)."""
    posts = Post.objects.active().filter(
        region__path__in=ancestor_paths(case.region.path)
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, posts__in=posts)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class HomeVisitForm(TwoInvestigatorsMixin, forms.ModelForm):
    investigator_1 = UserChoiceField(label=_("调查人员一"), queryset=None)
    investigator_2 = UserChoiceField(label=_("调查人员二"), queryset=None)
    visited_on = past_date(_("调查日期"))

    class Meta:
        model = HomeVisit
        fields = [
            "visited_on",
            "method",
            "remote_reason",
            "investigator_1",
            "investigator_2",
            "family_present",
            "household_signed",
            "living_conditions",
            "findings",
        ]
        widgets = {"living_conditions": TEXTAREA, "findings": TEXTAREA}

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_investigators(case, user)
        self.fields["household_signed"].required = True
        self.fields["household_signed"].error_messages["required"] = _(
            "调查表须经在场家庭成员签字确认。"
        )


class NeighbourVisitForm(forms.Form):
    visited_on = past_date(_("访问日期"))
    persons_interviewed = forms.CharField(label=_("走访对象"), max_length=200)
    findings = forms.CharField(
        label=_("访问情况"), widget=TEXTAREA, max_length=TEXT_MAX
    )


class CrossCheckForm(forms.ModelForm):
    """A report typed in by hand: for a department outside the feeds, with
    the reason (the one-click cross-check is the rule)."""

    checked_on = past_date(_("核对日期"))
    manual_reason = forms.CharField(
        label=_("人工录入原因"),
        max_length=200,
        help_text=_("如：该部门数据未接入一键核对，报告由核对机构另行出具。"),
    )

    class Meta:
        model = CrossCheckReport
        fields = ["report_number", "checked_on", "result", "findings", "manual_reason"]
        widgets = {"findings": TEXTAREA}


class FindingReviewForm(forms.Form):
    """The reviewer's word on one cross-check finding."""

    finding = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("核实情况"),
        choices=[
            ("confirmed", _("核实属实")),
            ("explained", _("已说明，不予计入")),
        ],
    )
    explanation = forms.CharField(label=_("说明理由"), max_length=200, required=False)


class RecheckForm(forms.Form):
    """S1 Art 18: telling the applicant, their evidence, the re-check."""

    informed_on = past_date(_("告知申请人日期"))
    requested = forms.TypedChoiceField(
        label=_("申请人是否申请复查"),
        coerce=lambda v: v == "yes",
        choices=[
            ("no", _("未申请复查（认可核对结果）")),
            ("yes", _("申请复查并提供佐证材料")),
        ],
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label=_("申请人提供的佐证材料"),
        required=False,
        widget=TEXTAREA,
        max_length=4000,
    )
    result = forms.ChoiceField(
        label=_("复查结果"),
        choices=with_blank(CrossCheckRecheck.Result.choices),
        required=False,
    )
    findings = forms.CharField(
        label=_("复查情况"), required=False, widget=TEXTAREA, max_length=4000
    )


class InclusionNoticeForm(forms.Form):
    place = forms.CharField(
        label=_("公示地点"),
        max_length=200,
        help_text=_("如：××村村务公开栏。公示7天，内容仅限姓名、保障人数和保障金额。"),
    )


# --- 6. income calculation: the verified household economy -------------------


class MemberIncomeForm(forms.ModelForm):
    monthly_amount = money(_("月均金额（元）"))

    class Meta:
        model = IncomeItem
        fields = ["member", "income_type", "monthly_amount", "note"]


class MemberDeductionForm(forms.ModelForm):
    monthly_amount = money(_("月均金额（元）"))

    class Meta:
        model = Deduction
        fields = ["member", "kind", "monthly_amount", "note"]


class HouseholdAssetForm(forms.ModelForm):
    value = money(_("价值（元）"), maximum=MAX_ASSET)

    class Meta:
        model = Asset
        fields = ["kind", "value", "quantity", "is_exempt", "note"]


class MemberStatusForm(forms.ModelForm):
    # the same list as on the application, not a free number
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"), coerce=int, choices=DISABILITY_GRADES, initial=0
    )

    class Meta:
        model = Member
        fields = [
            "disability_grade",
            "disability_kind",
            "major_illness",
            "employment",
            "exclusion",
        ]


class ExistingOnlyFormSet(forms.BaseModelFormSet):
    """A formset over existing rows only: a crafted ``TOTAL_FORMS`` above the
    rows shown builds no extra form (Django's ``edit_only`` still validates
    one, and a new member's model checks then have no field to report on)."""

    def total_form_count(self):
        return self.initial_form_count()


def economy_formsets(household, data=None):
    """Editable incomes, deductions, assets and member status of a household."""
    members = household.members.all()
    income_fs = forms.modelformset_factory(
        IncomeItem, form=MemberIncomeForm, extra=2, can_delete=True
    )(
        data,
        prefix="incomes",
        queryset=IncomeItem.objects.filter(member__household=household).select_related(
            "income_type", "member"
        ),
    )
    deduction_fs = forms.modelformset_factory(
        Deduction, form=MemberDeductionForm, extra=1, can_delete=True
    )(
        data,
        prefix="deductions",
        queryset=Deduction.objects.filter(member__household=household),
    )
    asset_fs = forms.modelformset_factory(
        Asset, form=HouseholdAssetForm, extra=1, can_delete=True
    )(data, prefix="assets", queryset=household.assets.all())
    # the members are fixed by the application: edit only, never add one here
    member_fs = forms.modelformset_factory(
        Member, form=MemberStatusForm, formset=ExistingOnlyFormSet, extra=0
    )(data, prefix="members", queryset=members)
    for fs in (income_fs, deduction_fs):
        for form in fs.forms:
            form.fields["member"].queryset = members
    return {
        "members": member_fs,
        "incomes": income_fs,
        "deductions": deduction_fs,
        "assets": asset_fs,
    }


class CalculateForm(forms.Form):
    """Only the button that was pressed: preview, or confirm the result."""


# --- 7. opinion, objections -------------------------------------------------


class OpinionForm(forms.Form):
    proposal = forms.ChoiceField(label=_("初审意见"), choices=Opinion.Proposal.choices)
    single_member = forms.ModelChoiceField(
        label=_("单人保对象"), queryset=Member.objects.none(), required=False
    )
    reasons = forms.CharField(label=_("理由"), widget=TEXTAREA, max_length=TEXT_MAX)
    notice_place = forms.CharField(
        label=_("公示地点"),
        max_length=200,
        required=False,
        help_text=_("拟纳入的，在申请家庭所在村（社区）公示7天。"),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = []
        if case.current_assessment:
            candidates = [
                c["member"] for c in case.current_assessment.result["single_candidates"]
            ]
        self.fields["single_member"].queryset = case.household.members.filter(
            pk__in=candidates
        )
        self.fields["notice_place"].initial = _("%(village)s村（居）务公开栏") % {
            "village": case.region.name
        }


class ObjectionRecordForm(forms.ModelForm):
    received_on = past_date(_("收到日期"), initial=timezone.localdate)

    class Meta:
        model = Objection
        fields = ["received_on", "objector", "content"]
        widgets = {"content": TEXTAREA}


class ObjectionHandleForm(forms.Form):
    handling = forms.ChoiceField(
        label=_("处理方式"),
        choices=Objection.Handling.choices,
        widget=forms.RadioSelect,
    )
    result = forms.CharField(label=_("处理结果"), widget=TEXTAREA, max_length=TEXT_MAX)


# --- 8–9. review, decision, delivery -------------------------------------


class ReviewForm(forms.Form):
    conclusion = forms.ChoiceField(
        label=_("审核意见"), choices=Review.Conclusion.choices, widget=forms.RadioSelect
    )
    amount = money(_("调整后的保障金额（元/月）"), required=False)
    visited_on = past_date(_("入户核查日期"), required=False)
    visit_findings = forms.CharField(
        label=_("入户核查情况"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_MAX,
    )
    remarks = forms.CharField(label=_("审核说明"), widget=TEXTAREA, max_length=TEXT_MAX)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("决定"),
        choices=[("approve", _("批准")), ("reject", _("不予批准"))],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(label=_("理由"), widget=TEXTAREA, max_length=TEXT_MAX)


class DeliveryForm(forms.Form):
    delivered_on = past_date(_("送达日期"), initial=timezone.localdate)
    method = forms.CharField(
        label=_("送达方式"), max_length=64, initial=_("由镇（街道）工作人员当面送达")
    )


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("延期理由"),
        widget=TEXTAREA,
        help_text=_("如异议处理、人户分离、异地申办或调查难度大等。"),
        max_length=TEXT_MAX,
    )
