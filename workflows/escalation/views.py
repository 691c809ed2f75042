"""Step pages of the escalation process."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.base.edge import parse_id
from workflows.core.selectors import cases_visible_to

from ..core.views import StartFormView, TaskFormView
from . import forms, services
from .models import Measure, UnitStatement


class ReferView(StartFormView):
    """提请: the case it is raised from (a 低保 application, a hotline call, …)
    comes from the page the person started on (``?origin=``)."""

    template_name = "workflows/escalation/refer.html"
    form_class = forms.ReferForm
    started_message = gettext_lazy("已提请，编号 %(number)s。")

    @cached_property
    def source(self):
        value = self.request.GET.get("origin", "")
        if not value:
            return None
        if parse_id(value) is None:
            raise Http404
        case = cases_visible_to(self.request.user).filter(pk=value).first()
        if case is None:
            raise Http404
        return case.specific

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(source=self.source)
        return context

    def form_valid(self, form):
        if self.source is None:
            form.add_error(
                None,
                _(
                    "请从案件页面（如低保申请或热线来电）发起提级复审，以关联其调查材料。"
                ),
            )
            return self.form_invalid(form)
        return super().form_valid(form)

    def perform(self, form):
        services.escalation_refer(
            escalation=self.case,
            user=self.request.user,
            source=self.source,
            **form.cleaned_data,
        )


class HandleLocallyView(TaskFormView):
    template_name = "workflows/escalation/handle_locally.html"
    form_class = forms.HandleLocallyForm

    def get_formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return forms.GivenMeasureFormSet(data, prefix="measures")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.get_formset())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form, formset = self.get_form(), self.get_formset()
        if not (form.is_valid() & formset.is_valid()):
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset)
            )
        self._measures = [
            services.GivenMeasure(**f.cleaned_data)
            for f in formset.forms
            if f.cleaned_data
        ]
        return self.form_valid(form)

    def perform(self, form):
        services.handle_locally(
            escalation=self.case,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            measures=self._measures,
        )


class PrepareView(TaskFormView):
    form_class = forms.PrepareForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    def notes(self):
        try:
            quorum = services.quorum_for(self.case)
        except ValidationError as error:  # no policy in force: say so, don't fail
            return [error.messages[0]]
        note = _("会议最少到会成员单位数：%(n)s 个（本区（市）参数）。")
        return [note % {"n": quorum}]

    def perform(self, form):
        services.meeting_prepare(
            escalation=self.case, user=self.request.user, **form.cleaned_data
        )


class UnitTaskMixin:
    """A task of one invited unit (``task.data["unit"]``)."""

    @cached_property
    def unit(self):
        return services.unit_of(
            self.request.user, self.case, (self.task.data or {}).get("unit")
        )

    def notes(self):
        return [_("本任务由 %(unit)s 办理。") % {"unit": self.unit.name}]


class StatementView(UnitTaskMixin, TaskFormView):
    form_class = forms.StatementForm

    def perform(self, form):
        services.statement_give(
            escalation=self.case,
            unit=self.unit,
            user=self.request.user,
            **form.cleaned_data,
        )


class MeetingView(TaskFormView):
    """The meeting's record: one row per invited unit, then the decision."""

    template_name = "workflows/escalation/meeting.html"
    form_class = forms.MeetingForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    def invited(self):
        return list(self.case.invited_units.all())

    def get_formset(self):
        if self.request.method == "POST":
            return forms.VoteFormSet(self.request.POST, prefix="votes")
        statements = {
            s.unit_id: s for s in UnitStatement.objects.filter(escalation=self.case)
        }
        initial = []
        for unit in self.invited():
            s = statements.get(unit.pk)
            initial.append(
                {
                    "unit": unit.pk,
                    "choice": "for" if s else "absent",
                    "opinion": s.measures if s else "",
                    # a measure to carry out: what the unit offered with money;
                    # other measures the meeting types in
                    "measure": s.measures if s and s.amount > 0 else "",
                    "amount": s.amount if s else Decimal("0"),
                }
            )
        return forms.VoteFormSet(initial=initial, prefix="votes")

    def get_context_data(self, **kwargs):
        formset = kwargs.setdefault("formset", self.get_formset())
        names = {u.pk: u.name for u in self.invited()}
        stated = set(
            UnitStatement.objects.filter(escalation=self.case).values_list(
                "unit_id", flat=True
            )
        )
        rows = []
        for f in formset.forms:
            pk = f["unit"].value()
            try:
                pk = int(pk)
            except (TypeError, ValueError):
                pk = None
            rows.append((f, names.get(pk, "—"), pk in stated))
        kwargs["vote_rows"] = rows
        return super().get_context_data(**kwargs)

    def notes(self):
        try:
            quorum = services.quorum_for(self.case)
        except ValidationError as error:  # no policy in force: say so, don't fail
            return [error.messages[0]]
        stated = UnitStatement.objects.filter(escalation=self.case).count()
        notes = [
            _("邀请%(invited)s个单位，已提出措施%(stated)s个；最少到会%(quorum)s个。")
            % {
                "invited": len(self.invited()),
                "stated": stated,
                "quorum": quorum,
            }
        ]
        if stated < len(self.invited()):
            notes.append(
                _("尚未提出措施的单位，保存会议记录后其任务关闭，记为未提出意见。")
            )
        return notes

    def post(self, request, *args, **kwargs):
        form, formset = self.get_form(), self.get_formset()
        if not (form.is_valid() & formset.is_valid()):
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset)
            )
        self._votes = [
            services.UnitVote(
                unit_pk=f.cleaned_data["unit"],
                choice=f.cleaned_data["choice"],
                opinion=f.cleaned_data["opinion"],
                measure=f.cleaned_data["measure"],
                amount=f.cleaned_data["amount"],
            )
            for f in formset.forms
            if f.cleaned_data
        ]
        self._formset = formset
        return self.form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(
            self.get_context_data(
                form=form, formset=getattr(self, "_formset", None) or self.get_formset()
            )
        )

    def perform(self, form):
        data = dict(form.cleaned_data)
        data["monthly_amount"] = data.get("monthly_amount") or Decimal("0")
        services.meeting_record(
            escalation=self.case, user=self.request.user, votes=self._votes, **data
        )


class MeasureView(UnitTaskMixin, TaskFormView):
    form_class = forms.MeasureForm

    def get_initial(self):
        measure = self.case.measures.filter(
            unit=self.unit, status=Measure.Status.PLANNED
        ).first()
        return {"amount": measure.planned_amount} if measure else {}

    def notes(self):
        notes = super().notes()
        for m in self.case.measures.filter(unit=self.unit):
            notes.append(
                _("会议议定：%(measure)s，%(amount)s 元。")
                % {"measure": m.description, "amount": m.planned_amount}
            )
        return notes

    def perform(self, form):
        services.measure_record(
            escalation=self.case,
            unit=self.unit,
            user=self.request.user,
            **form.cleaned_data,
        )


class InformView(TaskFormView):
    form_class = forms.InformForm

    def perform(self, form):
        services.inform(
            escalation=self.case, user=self.request.user, **form.cleaned_data
        )
