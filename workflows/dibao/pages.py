"""Lists and the case page of the 低保 app, all built on scoped selectors."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.views import ListModelView

from ..base.masking import mask_id_number
from ..clock.services import working_days_between
from ..core.pages import (
    ArchiveMixin,
    CaseLinkMixin,
    DueMixin,
    InboxMixin,
    QueueMixin,
    RememberListMixin,
    TaskListBase,
    due_badge,
    linked_cases,
    task_trail,
)
from ..core.views import apply_validation_error
from ..core.widgets import DateInput
from ..exports.lists import ExportMixin
from . import forms, selectors, services
from .models import Application


class DibaoTaskList(TaskListBase):
    """Tasks of the 低保 flow: the applicant, and the case's overall deadline
    where a step has none of its own."""

    related = (
        "process__case__application",
        "process__case__application__applicant",
    )
    due_on = Coalesce(F("deadline__due_on"), F("process__case__due_on"))
    search_field = "process__case__application__applicant__name"

    def subject(self, task):
        return task.process.case.application.applicant.name

    subject.short_description = gettext_lazy("申请人")


class InboxView(InboxMixin, DibaoTaskList):
    pass


class QueueView(QueueMixin, DibaoTaskList):
    pass


class ArchiveView(ArchiveMixin, DibaoTaskList):
    pass


class CaseFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("办理环节"), choices=Application.Stage.choices
    )
    opened_after = django_filters.DateFilter(
        field_name="opened_on",
        lookup_expr="gte",
        label=gettext_lazy("登记日期起"),
        widget=DateInput(),
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_on",
        lookup_expr="lte",
        label=gettext_lazy("登记日期止"),
        widget=DateInput(),
    )

    class Meta:
        model = Application
        fields = ["stage"]


class CaseListView(
    ExportMixin, CaseLinkMixin, RememberListMixin, DueMixin, ListModelView
):
    """Every 低保 case in the user's regions; its export adds the applicant's
    ID number, masked."""

    flow_class = None
    model = Application
    title = gettext_lazy("低保案件")
    columns = ("case_number", "applicant_name", "village", "stage", "opened_on", "due")
    export_columns = (
        "case_number",
        "applicant_name",
        "applicant_id_number",
        "village",
        "stage",
        "opened_on",
        "due",
    )
    filterset_class = CaseFilter
    search_fields = ["applicant__name"]
    paginate_by = 30

    def get_queryset(self):
        self.queryset = selectors.applications_visible_to(self.request.user).order_by(
            "-created"
        )
        return super().get_queryset()

    def case_number(self, case):
        return self.link(case)

    case_number.short_description = gettext_lazy("案件编号")

    def applicant_name(self, case):
        return case.applicant.name

    applicant_name.short_description = gettext_lazy("申请人")

    def applicant_id_number(self, case):
        return mask_id_number(case.applicant.id_number)

    applicant_id_number.short_description = gettext_lazy("身份证号码")

    def village(self, case):
        return f"{case.region.parent.name} {case.region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def due_of(self, case):
        return None if case.finished else case.due_on

    def due(self, case):
        return due_badge(case.due_on, self.soon_until) if not case.finished else ""

    due.short_description = gettext_lazy("办结期限")


class CaseDetailView(generic.DetailView):
    """The case page: household, members (masked), incomes, the calculation
    with its explanation, notice, objections, review, decision, task trail."""

    flow_class = None
    template_name = "workflows/dibao/case_detail.html"
    context_object_name = "case"
    pk_url_kwarg = "process_pk"

    def get_queryset(self):
        return selectors.applications_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        user = self.request.user
        household = case.household
        members = list(
            household.members.prefetch_related("incomes__income_type", "deductions")
        )
        reveal = self.request.session.get("revealed_members", [])
        for m in members:
            m.shown_id = m.id_number if m.pk in reveal else mask_id_number(m.id_number)
            m.revealed = m.pk in reveal
        if reveal:
            self.request.session["revealed_members"] = []
        context.update(
            **task_trail(case, user, timers=True),
            members=members,
            assets=household.assets.all(),
            **selectors.investigation_file(case),
            opinions=case.opinions.select_related("single_member", "given_by"),
            notices=case.notices.all(),
            objections=case.objections.select_related("recorded_by", "resolved_by"),
            **linked_cases(case, user),
            reviews=case.reviews.select_related("reviewed_by"),
            decisions=case.decisions.select_related("decided_by"),
            can_reveal=user.has_perm("workflows.reveal_idnumber", case),
            can_record_objection=user.has_perm("workflows.record_objection", case)
            and case.notices.filter(ended=False).exists(),
            can_extend=user.has_perm("workflows.extend_deadline", case)
            and case.accepted_on
            and not case.finished
            and case.limit_code != "overall_extended",
            objection_form=forms.ObjectionRecordForm(),
            extend_form=forms.ExtendForm(),
            days_left=working_days_between(timezone.localdate(), case.due_on)
            if case.due_on and not case.finished and not case.clock_paused
            else None,
        )
        return context


def _case_for(request, process_pk, perm):
    case = get_object_or_404(
        selectors.applications_visible_to(request.user), pk=process_pk
    )
    if not request.user.has_perm(perm, case):
        raise PermissionDenied
    return case


def _case_url(request, case):
    return case.get_absolute_url()


class RevealIdView(generic.View):
    """Show one member's full ID number once, on explicit request (POST)."""

    def post(self, request, process_pk, member_pk):
        case = _case_for(request, process_pk, "workflows.reveal_idnumber")
        member = get_object_or_404(case.household.members, pk=member_pk)
        services.id_number_revealed(
            case=case, member=member, user=request.user, request=request
        )
        request.session["revealed_members"] = [member.pk]
        return HttpResponseRedirect(_case_url(request, case) + "#members")


class RecordObjectionView(generic.View):
    def post(self, request, process_pk):
        case = _case_for(request, process_pk, "workflows.record_objection")
        form = forms.ObjectionRecordForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.objection_record(
                        application=case, user=request.user, **form.cleaned_data
                    )
            except ValidationError as error:
                apply_validation_error(form, error)
        if form.errors:
            return render(
                request,
                "workflows/dibao/action_form.html",
                {"case": case, "form": form, "title": _("登记公示异议")},
                status=422,
            )
        messages.success(
            request, _("异议已登记，公示期满后进入异议处理。"), fail_silently=True
        )
        return HttpResponseRedirect(_case_url(request, case))


class ExtendDeadlineView(generic.View):
    def post(self, request, process_pk):
        case = _case_for(request, process_pk, "workflows.extend_deadline")
        form = forms.ExtendForm(request.POST)
        if form.is_valid():
            try:
                services.deadline_extend(
                    application=case,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
        if form.errors:
            return render(
                request,
                "workflows/dibao/action_form.html",
                {"case": case, "form": form, "title": _("延长办理期限")},
                status=422,
            )
        messages.success(
            request,
            _("办理期限已延长至 %(due)s。") % {"due": case.due_on},
            fail_silently=True,
        )
        return HttpResponseRedirect(_case_url(request, case))
