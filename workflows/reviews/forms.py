"""Forms of the review steps."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.scope import region_q

from ..base.fields import TEXT_MAX
from ..benefits.models import Benefit
from ..core.forms import TEXTAREA, TwoInvestigatorsMixin, UserChoiceField, past_date
from ..standards.models import ReviewClass
from .models import BenefitReview

Outcome = BenefitReview.Outcome
PERM = "workflows.open_benefitreview"
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": 0}


def benefits_for(user, perm):
    """Benefits in force in the user's regions (scoped in SQL)."""
    # the choice labels name the household's head: its members come in one
    # query for the whole list, never one per household
    benefits = (
        Benefit.objects.exclude(status=Benefit.Status.STOPPED)
        .select_related("household", "region")
        .prefetch_related("household__members")
    )
    if not user.is_superuser:
        benefits = benefits.filter(region_q(user, perm, path_field="region__path"))
    return benefits


class BenefitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.region.name} {obj.household} {obj.monthly_amount}"


class ChangeReportForm(forms.Form):
    benefit = BenefitChoiceField(label=_("保障家庭"), queryset=Benefit.objects.none())
    reason = forms.CharField(
        label=_("变化情况"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        help_text=_("如家庭成员死亡、就业、收入或财产变化、户籍迁出。"),
    )
    reported_by_name = forms.CharField(
        label=_("报告人"), max_length=64, help_text=_("家庭成员姓名或工作人员姓名")
    )
    reported_on = past_date(_("报告日期"), initial=timezone.localdate)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benefit"].queryset = benefits_for(
            user, "workflows.open_benefitreview"
        )


class InvestigateForm(TwoInvestigatorsMixin, forms.Form):
    cooperated = forms.TypedChoiceField(
        label=_("家庭是否配合复核"),
        choices=[("yes", _("配合，已入户核查")), ("no", _("不配合，已送达催告通知"))],
        coerce=lambda v: v == "yes",
    )
    visited_on = past_date(_("入户核查日期"), required=False)
    investigator_1 = UserChoiceField(
        label=_("核查人员一"), queryset=None, required=False
    )
    investigator_2 = UserChoiceField(
        label=_("核查人员二"), queryset=None, required=False
    )
    findings = forms.CharField(
        label=_("核查情况"), widget=TEXTAREA, max_length=TEXT_MAX, required=False
    )
    notice_on = past_date(_("催告通知送达日期"), required=False)

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_investigators(case, user)


class AwaitReportForm(forms.Form):
    reported = forms.TypedChoiceField(
        label=_("家庭情况"),
        choices=[
            ("yes", _("家庭已报告并配合复核，恢复发放")),
            ("no", _("催告后仍未配合，暂停发放")),
        ],
        coerce=lambda v: v == "yes",
    )
    on = past_date(_("日期"), initial=timezone.localdate)


class ProposeForm(forms.Form):
    proposal = forms.ChoiceField(label=_("复核意见"), choices=Outcome.choices)
    amount = forms.DecimalField(
        label=_("建议金额（元/月）"),
        required=False,
        help_text=_("增发或减发时填写；留空则采用重新核算的金额。"),
        **MONEY,
    )
    reasons = forms.CharField(label=_("意见理由"), widget=TEXTAREA, max_length=TEXT_MAX)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        if case.proposal:  # proposed when opened (a work refusal's reduction)
            self.fields["proposal"].initial = case.proposal
            self.fields["amount"].initial = case.proposed_amount
            self.fields["reasons"].initial = case.proposal_reasons


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核决定"), choices=Outcome.choices)
    amount = forms.DecimalField(label=_("决定金额（元/月）"), required=False, **MONEY)
    persons = forms.IntegerField(label=_("保障人数"), required=False, min_value=1)
    exit_months = forms.IntegerField(
        label=_("渐退月数"), required=False, min_value=1, max_value=12
    )
    stop_reason = forms.ChoiceField(
        label=_("停保原因"),
        choices=[("", "—")] + list(Benefit.StopReason.choices),
        required=False,
    )
    recovery_amount = forms.DecimalField(
        label=_("应追回金额（元）"), required=False, **MONEY
    )
    reasons = forms.CharField(label=_("决定理由"), widget=TEXTAREA, max_length=TEXT_MAX)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        if case.proposal:
            self.fields["outcome"].initial = case.proposal
        self.fields["amount"].initial = case.proposed_amount or case.recalc_amount
        self.fields["persons"].initial = case.recalc_persons or case.benefit.persons


class DeliverForm(forms.Form):
    delivered_on = past_date(_("送达日期"), initial=timezone.localdate)


class WorkRefusalForm(forms.Form):
    """记录拒绝就业: a member of a household in force refused a suitable job."""

    member = forms.ModelChoiceField(label=_("家庭成员"), queryset=None)
    refused_on = past_date(_("拒绝日期"), initial=timezone.localdate)
    job_offered = forms.CharField(
        label=_("介绍的工作"),
        max_length=200,
        help_text=_("与其健康状况、劳动能力相适应的工作：单位、岗位、介绍人。"),
    )

    def __init__(self, *args, user, **kwargs):
        from ..registry.models import Member

        super().__init__(*args, **kwargs)
        households = benefits_for(user, PERM).values("household_id")
        self.fields["member"].queryset = (
            Member.objects.filter(household_id__in=households)
            .select_related("household__region")
            .order_by("household__region__path", "household_id", "pk")
        )
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.household.region.name} {m.name}（{m.masked_id_number}）"
        )


class ReviewClassForm(forms.Form):
    """调整复核类别: the household's class, and so its next review date."""

    benefit = BenefitChoiceField(label=_("保障家庭"), queryset=Benefit.objects.none())
    review_class = forms.ChoiceField(label=_("复核类别"), choices=ReviewClass.choices)
    reason = forms.CharField(label=_("调整原因"), widget=TEXTAREA, max_length=TEXT_MAX)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benefit"].queryset = benefits_for(user, PERM)
