"""案件进度查询: a hotline operator tells a caller where their case stands.

Operators answer callers about cases of their region without reading the
files (docs/security.md): by case number or the person's full ID number they
see the case number, its kind, the town handling it, the current step and
when it was opened — no names, amounts or documents. A lookup by ID number
is written to the sensitive-access log.
"""

from django import forms
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.workflow.status import STATUS

from roles.accounts.throttle import client_address
from roles.scope import region_q

from ..core.models import SensitiveAccess
from ..registry import idnumber

LOOKUP = "workflows.answer_call"
RESULTS = 20


class ProgressForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("案件编号或身份证号码"),
        max_length=32,
        help_text=gettext_lazy("例如 DB2026-000012，或来电人提供的18位身份证号码。"),
    )

    def clean_q(self):
        value = idnumber.normalize(self.cleaned_data["q"]).upper()
        if len(value) == 18 and value[:17].isdigit():
            idnumber.validate_id_number(value)
            return ("id", value)
        prefix, _sep, digits = value.partition("-")
        if not (prefix and digits.isdigit() and len(digits) <= 12):
            raise ValidationError(
                _("请输入案件编号（例如 DB2026-000012）或18位身份证号码。")
            )
        return ("number", value)


def cases_for_lookup(*, user, kind, value):
    """The cases of the operator's regions matching a number or an ID."""
    Case = apps.get_model("workflows", "Case")
    qs = Case.objects.select_related("region__parent")
    if not user.is_superuser:
        qs = qs.filter(region_q(user, LOOKUP))
    if kind == "number":
        pk = int(value.rsplit("-", 1)[-1])
        return [c for c in qs.filter(pk=pk) if c.number == value]
    return list(qs.filter(household__members__id_number=value).distinct()[:RESULTS])


def progress_of(case):
    """What a caller may be told: kind, town, step, dates."""
    open_steps = [
        t.flow_task.task_title
        for t in case.task_set.filter(
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
        )
        if t.flow_task is not None and t.flow_task.task_title
    ]
    coerced = case.coerced
    stage = getattr(coerced, "get_stage_display", None)
    return {
        "number": case.number,
        "kind": case.kind_label,
        "town": case.region.parent.name if case.region.parent_id else "",
        "stage": stage() if stage else "",
        "steps": open_steps,
        "opened_on": case.opened_on,
        "finished": case.finished,
    }


class ProgressView(generic.TemplateView):
    template_name = "workflows/hotline/progress.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(LOOKUP):
            raise PermissionDenied(_("仅热线受理人员可以查询案件进度。"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ProgressForm(self.request.GET or None)
        results = None
        if form.is_valid():
            kind, value = form.cleaned_data["q"]
            cases = cases_for_lookup(user=self.request.user, kind=kind, value=value)
            if kind == "id":
                for case in cases:
                    SensitiveAccess.objects.create(
                        user=self.request.user,
                        action=SensitiveAccess.Action.LOOKUP,
                        case=case,
                        record="hotline.progress",
                        ip_address=client_address(self.request),
                    )
            results = [progress_of(c) for c in cases]
        context.update(form=form, results=results)
        return context
