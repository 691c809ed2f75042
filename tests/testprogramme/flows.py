from django import forms
from viewflow import this
from viewflow.workflow.flow import Flow

from roles.models import Role
from workflows.core import flow
from workflows.core.flow import ScopedFlowMixin
from workflows.core.grants import ANYWHERE, GrantRule
from workflows.core.views import StartFormView, TaskFormView

from .models import Visit, VisitNote


class StartForm(forms.Form):
    person = forms.CharField(max_length=64)
    region = forms.IntegerField()


class StartView(StartFormView):
    form_class = StartForm
    template_name = "workflows/task.html"
    started_message = "已登记 %(number)s"

    def perform(self, form):
        from roles.models import Region

        case = self.case
        case.person = form.cleaned_data["person"]
        case.region = Region.objects.get(pk=form.cleaned_data["region"])
        case.save()


class CheckForm(forms.Form):
    text = forms.CharField(max_length=200)


class CheckView(TaskFormView):
    form_class = CheckForm

    def perform(self, form):
        VisitNote.objects.create(visit=self.case, text=form.cleaned_data["text"])


class VisitFlow(ScopedFlowMixin, Flow):
    process_class = Visit
    summary_template = "workflows/escalation/includes/summary.html"

    grant_rules = (
        GrantRule(
            perms=["testprogramme.view_visit", "testprogramme.check_visit"],
            by={Role.Code.DISTRICT_SUPERVISOR},
        ),
        GrantRule(
            perms=["testprogramme.view_visit", "workflows.audit_case"],
            by={Role.Code.DISTRICT_SUPERVISOR},
            reach=ANYWHERE,
        ),
    )

    start = (
        flow.Start(StartView.as_view())
        .Annotation(title="登记回访")
        .Permission("testprogramme.start_visit")
        .Next(this.check)
    )
    check = (
        flow.View(CheckView.as_view())
        .Annotation(title="回访核实")
        .Permission("testprogramme.check_visit")
        .Next(this.end)
    )
    end = flow.End()
