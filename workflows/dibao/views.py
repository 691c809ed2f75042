"""Step pages of the 低保 flow: each saves its form through one service."""

import uuid

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.base.edge import parse_id

from ..core.views import StartFormView, TaskFormView
from . import forms, income, selectors, services
from .explain import describe
from .models import Application


class ApplyView(StartFormView):
    """1. 申请: household, members, the declaration and the papers."""

    template_name = "workflows/dibao/apply.html"
    form_class = forms.ApplyForm
    started_message = gettext_lazy(
        "申请已提交，案件编号 %(number)s，等待镇（街道）受理。"
    )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    @cached_property
    def origin(self):
        """The case this application answers (``?origin=``: a hotline call),
        linked to it."""
        from workflows.core.selectors import cases_visible_to

        value = self.request.GET.get("origin", "")
        if not value:
            return None
        if parse_id(value) is None:
            raise Http404
        case = cases_visible_to(self.request.user).filter(pk=value).first()
        if case is None or Application.origin_refusal(case.specific):
            raise Http404
        return case.specific

    def get_initial(self):
        if self.origin is None:
            return {}
        return self.origin.followup_initial()

    def get_formsets(self):
        data = self.request.POST if self.request.method == "POST" else None
        return {
            # an origin that knows the household (a monitoring alert) gives
            # its members as the first rows
            "members": forms.MemberFormSet(
                data, prefix="members", initial=self.get_initial().get("members")
            ),
            "incomes": forms.IncomeFormSet(data, prefix="incomes"),
            "deductions": forms.DeductionFormSet(data, prefix="deductions"),
            "assets": forms.AssetFormSet(data, prefix="assets"),
        }

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formsets", self.get_formsets())
        kwargs.setdefault("origin", self.origin)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formsets = self.get_formsets()
        valid = form.is_valid() & all(fs.is_valid() for fs in formsets.values())
        if valid:
            valid = self._check_member_numbers(formsets)
        if not valid:
            return self.render_to_response(
                self.get_context_data(form=form, formsets=formsets)
            )
        self._data = self._application_data(form, formsets)
        self._data.origin = self.origin
        response = self.start(form)
        if response:
            return response
        links = [
            (e.message, e.params["link"])
            for e in getattr(self.start_error, "error_list", [])
            if e.code == "duplicate" and e.params and e.params.get("link")
        ]
        return self.render_to_response(
            self.get_context_data(form=form, formsets=formsets, duplicate_links=links)
        )

    def perform(self, form):
        services.application_submit(
            application=self.case, user=self.request.user, data=self._data
        )

    def _check_member_numbers(self, formsets):
        count = len([f for f in formsets["members"].forms if f.cleaned_data])
        ok = True
        for name in ("incomes", "deductions"):
            for f in formsets[name].forms:
                no = f.cleaned_data.get("member_no") if f.cleaned_data else None
                if no and no > count:
                    f.add_error("member_no", _("没有第 %(no)s 位成员。") % {"no": no})
                    ok = False
        return ok

    def _application_data(self, form, formsets):
        def rows(name):
            return [f.cleaned_data for f in formsets[name].forms if f.cleaned_data]

        members = [services.MemberData(**row) for row in rows("members")]
        incomes = [
            services.IncomeData(
                member_index=r["member_no"] - 1,
                income_type=r["income_type"],
                monthly_amount=r["monthly_amount"],
                note=r["note"],
            )
            for r in rows("incomes")
        ]
        deductions = [
            services.DeductionData(
                member_index=r["member_no"] - 1,
                kind=r["kind"],
                monthly_amount=r["monthly_amount"],
                note=r["note"],
            )
            for r in rows("deductions")
        ]
        assets = [services.AssetData(**r) for r in rows("assets")]
        return services.ApplicationData(
            members=members,
            incomes=incomes,
            deductions=deductions,
            assets=assets,
            **form.cleaned_data,
        )


class AcceptView(TaskFormView):
    form_class = forms.AcceptForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    def perform(self, form):
        data = form.cleaned_data
        services.application_accept(
            application=self.case,
            user=self.request.user,
            missing_items=data["missing_items"],
            separate_registration=data["separate_registration"],
            separate_registration_reason=data["separate_registration_reason"],
            related_staff=data["related_staff"],
        )


class MaterialsView(TaskFormView):
    form_class = forms.MaterialsForm

    def perform(self, form):
        services.materials_received(
            application=self.case,
            user=self.request.user,
            on=form.cleaned_data["received_on"],
            still_missing=form.cleaned_data["still_missing"],
        )


class HomeVisitView(TaskFormView):
    form_class = forms.HomeVisitForm

    def extra_form_kwargs(self):
        return {"case": self.case, "user": self.request.user}

    def perform(self, form):
        services.home_visit_record(
            application=self.case, user=self.request.user, **form.cleaned_data
        )


class NeighbourVisitView(TaskFormView):
    form_class = forms.NeighbourVisitForm

    def perform(self, form):
        services.neighbour_visit_record(
            application=self.case, user=self.request.user, **form.cleaned_data
        )


class CrossCheckView(TaskFormView):
    """4. 信息核对: the one-click cross-check (a job), the reviewer's word on
    each finding, then the step ends on that report; or a report typed in
    by hand, with its reason."""

    template_name = "workflows/dibao/crosscheck.html"
    form_class = forms.CrossCheckForm
    conclude = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = selectors.latest_feed_report(self.case)
        findings = list(selectors.report_findings(report))
        context.update(
            feed_report=report,
            findings=findings,
            pending=sum(1 for f in findings if f.status == "pending"),
            refusal=services.crosscheck_refusal(self.case, self.request.user),
            review_form=kwargs.get("review_form") or forms.FindingReviewForm(),
            job_url=_job_url(self.request.GET.get("job", "")),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "_run" in request.POST:
            return self._run()
        if "_review" in request.POST:
            return self._review()
        if "_conclude" in request.POST:
            self.conclude = True
            form = django_forms.Form(data={})
            form.is_valid()
            return self.form_valid(form)
        return super().post(request, *args, **kwargs)

    def _run(self):
        try:
            job = services.crosscheck_start(
                application=self.case, user=self.request.user
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error), fail_silently=True)
            return HttpResponseRedirect(self.request.path)
        messages.info(
            self.request,
            _("一键核对已开始，完成后刷新本页查看核对报告。"),
            fail_silently=True,
        )
        return HttpResponseRedirect(f"{self.request.path}?job={job.pk}")

    def _review(self):
        form = forms.FindingReviewForm(self.request.POST)
        if form.is_valid():
            finding = self.case.crosscheck_findings.filter(
                pk=form.cleaned_data["finding"]
            ).first()
            if finding is None:
                raise Http404
            try:
                services.finding_review(
                    finding=finding,
                    user=self.request.user,
                    status=form.cleaned_data["status"],
                    explanation=form.cleaned_data["explanation"],
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(
                    self.request,
                    "；".join(getattr(error, "messages", [str(error)])),
                    fail_silently=True,
                )
            return HttpResponseRedirect(self.request.path)
        return self.render_to_response(
            self.get_context_data(form=self.get_form(), review_form=form)
        )

    def perform(self, form):
        if self.conclude:
            services.crosscheck_conclude(application=self.case, user=self.request.user)
            return
        services.crosscheck_record(
            application=self.case, user=self.request.user, **form.cleaned_data
        )

    def form_invalid(self, form):
        if self.conclude:  # the reason goes on the page, the manual form stays blank
            for error in form.non_field_errors():
                messages.error(self.request, error, fail_silently=True)
            return HttpResponseRedirect(self.request.path)
        return super().form_invalid(form)


def _job_url(value):
    """The page of the job named in ``?job=`` (only its starter can open it)."""
    try:
        return reverse("jobs:detail", kwargs={"job_pk": uuid.UUID(value)})
    except ValueError:
        return None


class RecheckView(TaskFormView):
    form_class = forms.RecheckForm

    def perform(self, form):
        services.crosscheck_recheck(
            application=self.case, user=self.request.user, **form.cleaned_data
        )


class InclusionNoticeView(TaskFormView):
    form_class = forms.InclusionNoticeForm

    def perform(self, form):
        services.inclusion_notice_publish(
            application=self.case,
            user=self.request.user,
            place=form.cleaned_data["place"],
        )


class CalculateView(TaskFormView):
    """6. 收入核算: edit the verified figures, preview, then confirm."""

    template_name = "workflows/dibao/calculate.html"
    form_class = forms.CalculateForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        formsets = kwargs.get("formsets") or forms.economy_formsets(self.case.household)
        context["formsets"] = formsets
        try:
            standard = selectors.standard_for(self.case, timezone.localdate())
            result = income.calculate(selectors.snapshot_inputs(self.case, standard))
            context["preview"] = result
            context["preview_lines"] = [
                describe(line.__dict__) for line in result.lines
            ]
            context["standard"] = standard
        except ValidationError as error:
            context["preview_error"] = error.messages
        return context

    def post(self, request, *args, **kwargs):
        formsets = forms.economy_formsets(self.case.household, request.POST)
        if not all(fs.is_valid() for fs in formsets.values()):
            return self.render_to_response(
                self.get_context_data(form=self.get_form(), formsets=formsets)
            )
        with transaction.atomic():
            for fs in formsets.values():
                for obj in fs.save(commit=False):
                    obj.full_clean()
                    obj.save()
                for obj in fs.deleted_objects:
                    obj.delete()
        if "_confirm" not in request.POST:
            messages.info(
                request, _("已保存并重新核算，请核对结果。"), fail_silently=True
            )
            return HttpResponseRedirect(request.path)
        return self.form_valid(self.get_form())

    def perform(self, form):
        services.income_assess(application=self.case, user=self.request.user)


class OpinionView(TaskFormView):
    form_class = forms.OpinionForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    def perform(self, form):
        services.opinion_give(
            application=self.case,
            user=self.request.user,
            proposal=form.cleaned_data["proposal"],
            reasons=form.cleaned_data["reasons"],
            notice_place=form.cleaned_data["notice_place"],
            single_member=form.cleaned_data["single_member"],
        )


class ObjectionView(TaskFormView):
    form_class = forms.ObjectionHandleForm

    def perform(self, form):
        services.objection_handle(
            application=self.case, user=self.request.user, **form.cleaned_data
        )


class ReviewView(TaskFormView):
    form_class = forms.ReviewForm

    def notes(self):
        reasons = self.case.home_visit_reasons
        if reasons:
            return [
                _("本案须入户核查：%(reasons)s。")
                % {"reasons": "、".join(str(r) for r in reasons)}
            ]
        return [_("本案未抽中入户抽查，且无单独登记备案或公示异议，可不入户核查。")]

    def perform(self, form):
        services.review_record(
            application=self.case, user=self.request.user, **form.cleaned_data
        )


class DecisionView(TaskFormView):
    form_class = forms.DecisionForm

    def perform(self, form):
        services.decision_record(
            application=self.case, user=self.request.user, **form.cleaned_data
        )


class DeliveryView(TaskFormView):
    form_class = forms.DeliveryForm

    def perform(self, form):
        services.rejection_deliver(
            application=self.case, user=self.request.user, **form.cleaned_data
        )
