"""The monitoring page: the runs of the user's districts, and a button that
starts a run as a job (its progress on the jobs page)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from roles.models import Level, Region
from roles.scope import region_q

from ..jobs.services import job_start
from .jobs import JOB_KIND
from .models import MonitoringRun
from .services import RUN


def districts_for(user):
    """The districts where ``user`` may run the monitoring."""
    return Region.objects.filter(level=Level.DISTRICT).filter(
        region_q(user, RUN, path_field="path")
    )


class RunForm(forms.Form):
    district = forms.ModelChoiceField(
        label=gettext_lazy("区（市）"), queryset=Region.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_for(user)


class RunsView(generic.FormView):
    template_name = "workflows/alerts/runs.html"
    form_class = RunForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RUN):
            raise PermissionDenied(_("您无权发起监测比对。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        runs = (
            MonitoringRun.objects.filter(district__in=districts_for(self.request.user))
            .select_related("district", "started_by")
            .order_by("-started_at")[:30]
        )
        return super().get_context_data(runs=runs, **kwargs)

    def form_valid(self, form):
        job_start(
            kind=JOB_KIND,
            user=self.request.user,
            params={"district": form.cleaned_data["district"].pk},
        )
        messages.success(
            self.request, _("监测比对已开始，完成后新增预警进入各村、镇待办。")
        )
        return redirect(self.request.path)
