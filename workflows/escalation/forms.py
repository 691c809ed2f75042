"""Forms of the escalation steps."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import LONG_TEXT_MAX, TEXT_MAX
from ..core.forms import TEXTAREA, money, past_date
from ..core.widgets import DateInput
from .models import MAX_MEASURE, Escalation, Meeting, MemberUnit, Vote


def amount_field(label, **kwargs):
    return money(label, maximum=MAX_MEASURE, **kwargs)


class ReferForm(forms.Form):
    level = forms.ChoiceField(
        label=_("处置层级"),
        choices=Escalation.Level.choices,
        initial=Escalation.Level.DISTRICT,
        widget=forms.RadioSelect,
        help_text=_(
            "镇（街道）能够自行解决的个案，由镇（街道）灵活处置；需要多部门共同研究的，提请区（市）领导小组一事一议。"
        ),
    )
    hardship = forms.CharField(
        label=_("困难情况"), widget=TEXTAREA, max_length=TEXT_MAX
    )
    referral_reason = forms.CharField(
        label=_("提请理由"),
        widget=TEXTAREA,
        help_text=_("为何按现行规定不能解决、需要个案研究。"),
        max_length=TEXT_MAX,
    )


class GivenMeasureForm(forms.Form):
    provider = forms.CharField(label=_("救助单位"), max_length=64)
    description = forms.CharField(label=_("救助措施"), max_length=500)
    amount = amount_field(_("金额（元）"))
    given_on = past_date(_("落实日期"))
    reference = forms.CharField(label=_("凭证号"), max_length=64, required=False)


GivenMeasureFormSet = forms.formset_factory(
    GivenMeasureForm, extra=3, min_num=0, validate_min=False
)


class HandleLocallyForm(forms.Form):
    decision = forms.CharField(
        label=_("处置意见"), widget=TEXTAREA, max_length=TEXT_MAX
    )


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PrepareForm(forms.Form):
    summary = forms.CharField(
        label=_("情况汇报"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("会上汇报的基本情况：家庭、困难、已调查核实的情况和适用政策。"),
        max_length=LONG_TEXT_MAX,
    )
    meeting_date = forms.DateField(label=_("会议日期"), widget=DateInput())
    meeting_place = forms.CharField(label=_("会议地点"), max_length=200)
    chair = forms.CharField(label=_("会议主持人"), max_length=64)
    units = UnitChoiceField(
        label=_("邀请成员单位"),
        queryset=MemberUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        units = MemberUnit.objects.filter(
            district=case.region.district, is_active=True
        ).order_by("sort", "pk")
        self.fields["units"].queryset = units
        self.fields["units"].initial = list(units)
        self.fields["meeting_date"].initial = timezone.localdate()


class StatementForm(forms.Form):
    measures = forms.CharField(
        label=_("可采取的救助措施"),
        widget=TEXTAREA,
        help_text=_("本单位职责范围内的政策和措施；无能为力的，也请说明。"),
        max_length=TEXT_MAX,
    )
    amount = amount_field(_("拟救助金额（元）"), initial=0)


class VoteForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(label=_("表决"), choices=Vote.Choice.choices)
    opinion = forms.CharField(
        label=_("单位意见"), required=False, widget=TEXTAREA, max_length=TEXT_MAX
    )
    measure = forms.CharField(label=_("议定措施"), required=False, max_length=500)
    amount = amount_field(_("议定金额（元）"), initial=0)


VoteFormSet = forms.formset_factory(VoteForm, extra=0)


class MeetingForm(forms.Form):
    held_on = past_date(_("会议日期"))
    place = forms.CharField(label=_("会议地点"), max_length=200)
    chair = forms.CharField(label=_("主持人"), max_length=64)
    attendees = forms.CharField(
        label=_("参会人员"),
        widget=TEXTAREA,
        help_text=_("各单位分管领导和科室负责人姓名、职务。"),
        max_length=TEXT_MAX,
    )
    decision = forms.ChoiceField(label=_("会议决定"), choices=Meeting.Decision.choices)
    monthly_amount = amount_field(
        _("低保金额（元/月）"),
        required=False,
        help_text=_("决定纳入低保的必填。"),
    )
    decision_text = forms.CharField(
        label=_("决定内容"), widget=TEXTAREA, max_length=TEXT_MAX
    )
    minutes = forms.CharField(
        label=_("会议纪要"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=LONG_TEXT_MAX,
    )
    common_problem = forms.BooleanField(
        label=_("本案反映共性问题，报市民政局研究政策"), required=False
    )
    common_problem_note = forms.CharField(
        label=_("共性问题说明"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_MAX,
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = case.meeting_date
        self.fields["place"].initial = case.meeting_place
        self.fields["chair"].initial = case.chair


class MeasureForm(forms.Form):
    amount = amount_field(_("实际救助金额（元）"))
    given_on = past_date(_("落实日期"), initial=timezone.localdate)
    reference = forms.CharField(
        label=_("凭证号"), max_length=64, help_text=_("拨付凭证、审批单或收据编号。")
    )


class InformForm(forms.Form):
    informed_on = past_date(_("告知日期"), initial=timezone.localdate)
    note = forms.CharField(
        label=_("告知情况"),
        widget=TEXTAREA,
        help_text=_("告知方式、告知对象和救助对象的意见。"),
        max_length=TEXT_MAX,
    )
