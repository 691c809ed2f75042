"""The auditor's workspace (审计): case timelines, search, exports. Read-only."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from roles.accounts.throttle import client_address
from roles.models import Level, Region
from roles.scope import region_q
from workflows.core.selectors import cases_visible_to

from ..core.models import SensitiveAccess
from ..core.widgets import DateInput
from . import search as audit_search
from .timeline import KIND_LABELS, case_timeline

AUDIT = "workflows.audit_case"
PAGE_SIZE = 50
FORMATS = {
    "csv": ("text/csv; charset=utf-8", audit_search.to_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        audit_search.to_xlsx,
    ),
}


class AuditMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(AUDIT):
            raise PermissionDenied(_("您没有查看审计记录的权限。"))
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(_("审计工作区为只读。"))
        return super().dispatch(request, *args, **kwargs)


def _export(request, events, fmt, record, case=None):
    if fmt not in FORMATS:
        raise PermissionDenied
    content_type, render = FORMATS[fmt]
    SensitiveAccess.objects.create(
        user=request.user,
        action=SensitiveAccess.Action.EXPORT,
        case=case,
        record=record[:100],
        ip_address=client_address(request),
    )
    response = HttpResponse(render(events), content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


def _case(request, case_pk):
    case = get_object_or_404(
        cases_visible_to(request.user).select_related("region"), pk=case_pk
    )
    if not request.user.has_perm(AUDIT, case):
        raise PermissionDenied(_("您没有查看本案审计记录的权限。"))
    return case.coerced if hasattr(case, "coerced") else case


class TimelineView(AuditMixin, generic.TemplateView):
    template_name = "workflows/audit/timeline.html"

    def get(self, request, case_pk, fmt=None):
        case = _case(request, case_pk)
        events = case_timeline(case)
        if fmt:
            return _export(request, events, fmt, f"timeline:{case.number}", case=case)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        return self.render_to_response(
            self.get_context_data(case=case, page=page, total=len(events))
        )


class SearchForm(forms.Form):
    actor = forms.CharField(
        label=gettext_lazy("操作人（登录名）"), required=False, max_length=150
    )
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=DateInput(),
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=DateInput(),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("区域"), queryset=Region.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), required=False, choices=[])
    model = forms.ChoiceField(
        label=gettext_lazy("记录类别"), required=False, choices=[]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level=Level.VILLAGE)
        if not user.is_superuser:
            regions = regions.filter(region_q(user, AUDIT, path_field="path"))
        self.fields["region"].queryset = regions.order_by("path")
        self.fields["kind"].choices = [("", "—")] + [
            (k, v) for k, v in KIND_LABELS.items()
        ]
        models = [
            (label, m._meta.verbose_name)
            for label, m in audit_search.searchable_models()
        ]
        models += [
            ("viewflow.Task", _("流程任务")),
            ("roles.Reassignment", _("任务改派记录")),
            ("roles.CaseGrant", _("案件授权")),
            ("roles.CaseGroupGrant", _("案件授权（成员单位）")),
            ("workflows.SensitiveAccess", _("敏感信息访问记录")),
        ]
        self.fields["model"].choices = [("", "—"), *models]

    def clean_actor(self):
        value = self.cleaned_data["actor"].strip()
        if not value:
            return None
        user = get_user_model().objects.filter(username=value).first()
        if user is None:
            raise forms.ValidationError(_("没有这个登录名。"))
        return user

    def clean(self):
        data = super().clean()
        if (
            data.get("date_from")
            and data.get("date_to")
            and data["date_to"] < data["date_from"]
        ):
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


class SearchView(AuditMixin, generic.TemplateView):
    template_name = "workflows/audit/search.html"

    def get(self, request, fmt=None):
        form = SearchForm(request.GET or None, user=request.user)
        events, page = None, None
        if form.is_bound and form.is_valid():
            filters = audit_search.Filters(**form.cleaned_data)
            events = audit_search.search(request.user, filters)
            if fmt:
                query = request.GET.urlencode()
                return _export(request, events, fmt, f"search:{query}")
            page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        return self.render_to_response(
            self.get_context_data(
                form=form, page=page, total=len(events) if events is not None else None
            )
        )
