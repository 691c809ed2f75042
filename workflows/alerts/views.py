"""Step page of the alert process."""

from django.utils.translation import gettext as _

from ..core.views import TaskFormView
from . import forms, services


class VerifyView(TaskFormView):
    """核查: the evidence from the feed and the household's benefit are in
    the case summary beside the form."""

    form_class = forms.VerifyForm

    def notes(self):
        alert = self.case
        notes = [
            _("预警事项：%(rule)s。") % {"rule": alert.get_rule_display()},
        ]
        if alert.benefit_id:
            notes.append(
                _(
                    "该家庭在保（%(persons)s 人）：属实且影响保障的，"
                    "选择调整或停止，系统将启动复核。"
                )
                % {"persons": alert.benefit.persons}
            )
        else:
            notes.append(
                _(
                    "该家庭未在保：确有困难的，先在预警页面点击“发起低保申请”，再选择“发起救助申请”。"
                )
            )
        return notes

    def perform(self, form):
        services.alert_verify(
            alert=self.case, user=self.request.user, **form.cleaned_data
        )
