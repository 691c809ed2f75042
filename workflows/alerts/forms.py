"""Form of the alert's verification step."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..base.fields import TEXT_MAX
from ..core.forms import TEXTAREA, past_date
from .models import Alert


class VerifyForm(forms.Form):
    verified_on = past_date(_("核查日期"), initial=timezone.localdate)
    findings = forms.CharField(
        label=_("核查情况"), widget=TEXTAREA, max_length=TEXT_MAX
    )
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Alert.Outcome.choices)
    reason = forms.CharField(
        label=_("处理理由"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        required=False,
        help_text=_("销号的，须写明理由；调整或停止的，写明理由供复核参考。"),
    )
