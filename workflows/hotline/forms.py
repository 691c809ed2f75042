"""Forms of the hotline steps."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import Level, Region
from roles.scope import region_q

from ..base.fields import TEXT_MAX
from ..core.forms import (
    TEXTAREA,
    TwoInvestigatorsMixin,
    UserChoiceField,
    past_date,
)
from .models import Call


def villages_for(user, perm):
    villages = Region.objects.filter(level=Level.VILLAGE).select_related("parent")
    if not user.is_superuser:
        villages = villages.filter(region_q(user, perm, path_field="path"))
    return villages


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} {obj.name}"


class RegisterForm(forms.ModelForm):
    region = VillageChoiceField(
        label=_("住址所在村（社区）"), queryset=Region.objects.none()
    )

    class Meta:
        model = Call
        fields = [
            "line",
            "caller_name",
            "caller_phone",
            "caller_relation",
            "subject_name",
            "address",
            "region",
            "topic",
            "request",
            "urgency",
        ]
        widgets = {"request": TEXTAREA}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages_for(user, "workflows.register_call")


class DispatchForm(forms.Form):
    region = VillageChoiceField(
        label=_("住址所在村（社区）"),
        queryset=Region.objects.none(),
        help_text=_("来电转办至该村（社区）所属的镇（街道）。"),
    )
    note = forms.CharField(label=_("转办意见"), widget=TEXTAREA, max_length=TEXT_MAX)

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages_for(user, "workflows.dispatch_call")
        self.fields["region"].initial = case.region_id


class VerifyForm(TwoInvestigatorsMixin, forms.Form):
    visited_on = past_date(_("入户核实日期"))
    investigator_1 = UserChoiceField(label=_("核实人员一"), queryset=None)
    investigator_2 = UserChoiceField(label=_("核实人员二"), queryset=None)
    findings = forms.CharField(
        label=_("核实情况"), widget=TEXTAREA, max_length=TEXT_MAX
    )
    verdict = forms.ChoiceField(label=_("核实结论"), choices=Call.Verdict.choices)

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_investigators(case, user)


class AnswerForm(forms.Form):
    answered_on = past_date(_("回访日期"), initial=timezone.localdate)
    answer = forms.CharField(
        label=_("答复内容"),
        widget=TEXTAREA,
        help_text=_("告知来电人核实结果和办理情况。"),
        max_length=TEXT_MAX,
    )
    satisfaction = forms.ChoiceField(
        label=_("来电人评价"), choices=Call.Satisfaction.choices
    )
