"""Step pages of the hotline process."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..core.views import StartFormView, TaskFormView
from . import forms, services


class RegisterView(StartFormView):
    """登记来电."""

    template_name = "workflows/hotline/register.html"
    form_class = forms.RegisterForm
    started_message = gettext_lazy("来电已登记，编号 %(number)s。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def perform(self, form):
        values = {k: v for k, v in form.cleaned_data.items() if k != "region"}
        services.call_register(
            call=self.case,
            user=self.request.user,
            region=form.cleaned_data["region"],
            **values,
        )


class DispatchView(TaskFormView):
    form_class = forms.DispatchForm

    def extra_form_kwargs(self):
        return {"case": self.case, "user": self.request.user}

    def perform(self, form):
        services.call_dispatch(
            call=self.case, user=self.request.user, **form.cleaned_data
        )


class VerifyView(TaskFormView):
    form_class = forms.VerifyForm

    def extra_form_kwargs(self):
        return {"case": self.case, "user": self.request.user}

    def notes(self):
        return [
            _(
                "核实后如需申请低保或其他救助，请在来电页面点击“发起低保申请”；"
                "按现行规定不符合条件但确有困难的，点击“提请提级复审”。"
            )
        ]

    def perform(self, form):
        services.call_verify(
            call=self.case, user=self.request.user, **form.cleaned_data
        )


class AnswerView(TaskFormView):
    form_class = forms.AnswerForm

    def notes(self):
        call = self.case
        outcome = call.current_outcome()
        return [
            _("办理结果将记为：%(outcome)s。")
            % {"outcome": call.Outcome(outcome).label}
        ]

    def perform(self, form):
        services.call_answer(
            call=self.case, user=self.request.user, **form.cleaned_data
        )
