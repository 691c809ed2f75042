"""Step pages of the review process."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..core.views import StartFormView, TaskFormView
from . import decision, forms, services
from .models import BenefitReview


class ChangeReportView(StartFormView):
    """报告情况变化: opens the review of the household's benefit at once."""

    template_name = "workflows/reviews/report.html"
    form_class = forms.ChangeReportForm
    started_message = gettext_lazy("已登记情况变化，复核编号 %(number)s。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def perform(self, form):
        data = form.cleaned_data
        services.review_fill(
            review=self.case,
            benefit=data["benefit"],
            trigger=BenefitReview.Trigger.CHANGE_REPORT,
            reason=data["reason"],
            user=self.request.user,
            reported_by_name=data["reported_by_name"],
            reported_on=data["reported_on"],
        )


class InvestigateView(TaskFormView):
    form_class = forms.InvestigateForm

    def extra_form_kwargs(self):
        return {"case": self.case, "user": self.request.user}

    def notes(self):
        return [_("提交时系统自动核对家庭成员的最新部门数据，核对发现将记入复核材料。")]

    def perform(self, form):
        services.review_investigate(
            review=self.case, user=self.request.user, **form.cleaned_data
        )


class AwaitReportView(TaskFormView):
    form_class = forms.AwaitReportForm

    def perform(self, form):
        services.review_await(
            review=self.case, user=self.request.user, **form.cleaned_data
        )


class ProposeView(TaskFormView):
    form_class = forms.ProposeForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    def notes(self):
        return [_("提交时按现行保障标准重新核算；无核算办法的救助项目须填写建议金额。")]

    def perform(self, form):
        decision.review_propose(
            review=self.case, user=self.request.user, **form.cleaned_data
        )


class DecideView(TaskFormView):
    form_class = forms.DecideForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    def perform(self, form):
        decision.review_decide(
            review=self.case, user=self.request.user, **form.cleaned_data
        )


class DeliverView(TaskFormView):
    form_class = forms.DeliverForm

    def perform(self, form):
        decision.review_deliver(
            review=self.case, user=self.request.user, **form.cleaned_data
        )
