"""The base of every step page.

A caseworker opening a task finds the case summary, what to decide, the rule
behind it and the deadline, then a short form. ``perform`` calls the step's
service inside a savepoint: a refusal re-shows the form with the reason and
leaves nothing written; success completes the task.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.workflow.flow.views import actions as vf_actions
from viewflow.workflow.flow.views import detail as vf_detail

from roles.scope import clear_scope_cache

from ..base.fields import TEXT_MAX
from .widgets import DateInput


def apply_validation_error(form, error: ValidationError):
    """Attach a service's ValidationError to the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target if field != NON_FIELD_ERRORS else None, e)
    else:
        form.add_error(None, error)


def summary_template_of(task):
    """The case summary shown beside a task: each flow names its own."""
    return task.flow_task.flow_class.summary_template


class TaskFormView(generic.FormView):
    """A human task's page. What to decide and the rule come from the flow
    node (``.Annotation(description=…)`` and ``.Rule(…)``). Subclasses set
    ``form_class`` and implement ``perform(form)``."""

    template_name = "workflows/task.html"
    success_message = gettext_lazy("“%(task)s”已完成。")

    @property
    def activation(self):
        return self.request.activation

    @property
    def case(self):
        return self.request.activation.process

    @property
    def task(self):
        return self.request.activation.task

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(self.extra_form_kwargs())
        return kwargs

    def extra_form_kwargs(self):
        return {}

    def notes(self):
        """Case-specific points the person must not miss on this step."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deadline = getattr(self.task, "deadline", None) if self.task.pk else None
        context.update(
            case=self.case,
            task=self.task,
            decide=self.task.flow_task.task_description,
            basis=self.task.flow_task.rule,
            deadline=deadline,
            summary_template=summary_template_of(self.task),
            today=timezone.localdate(),
            notes=self.notes(),
        )
        return context

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.perform(form)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您无权办理此任务。"))
            return self.form_invalid(form)
        self.activation.execute()
        messages.success(
            self.request,
            self.success_message % {"task": self.task.flow_task.task_title},
            fail_silently=True,
        )
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        viewset = self.request.resolver_match.flow_viewset
        user = self.request.user
        # the step may have ended the user's access to the case (a member unit
        # that has recorded its measure): then back to the inbox, not a 403
        clear_scope_cache(user)
        if not viewset._flow_class.instance.has_view_permission(user, self.case):
            return viewset.reverse("inbox")
        return viewset.get_success_url(self.request)


class StartFormView(generic.FormView):
    """A start node's page: ``perform(form)`` writes the new case through its
    service and the start task completes in the same transaction, so a
    refusal leaves no half-made case. Success opens the case page."""

    started_message = ""  # e.g. "已登记，编号 %(number)s。"

    @property
    def case(self):
        return self.request.activation.process

    def perform(self, form):
        raise NotImplementedError

    def start(self, form):
        """The case page on success; None when refused, the reason on the
        form and the error in ``self.start_error``."""
        try:
            with transaction.atomic():
                self.perform(form)
                self.request.activation.execute()
        except ValidationError as error:
            apply_validation_error(form, error)
            self.start_error = error
            return None
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您无权办理此任务。"))
            self.start_error = error
            return None
        messages.success(
            self.request,
            self.started_message % {"number": self.case.number},
            fail_silently=True,
        )
        return HttpResponseRedirect(self.case.get_absolute_url())

    def form_valid(self, form):
        return self.start(form) or self.form_invalid(form)


class TaskPageMixin:
    """Context shared by the assign / unassign / detail pages of a task."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activation = self.request.activation
        task = activation.task
        context.update(
            case=activation.process,
            task=task,
            decide=task.flow_task.task_description,
            basis=getattr(task.flow_task, "rule", ""),
            deadline=getattr(task, "deadline", None),
            summary_template=summary_template_of(task),
            today=timezone.localdate(),
        )
        return context


class AssignTaskView(TaskPageMixin, vf_actions.AssignTaskView):
    template_name = "workflows/task_assign.html"
    success_message = gettext_lazy("已领取任务 {task}")


class UnassignTaskView(TaskPageMixin, vf_actions.UnassignTaskView):
    template_name = "workflows/task_unassign.html"
    success_message = gettext_lazy("已退回待领取：任务 {task}")


class DetailTaskView(TaskPageMixin, vf_detail.DetailTaskView):
    template_name = "workflows/task_detail.html"


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤销理由"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelCaseView(generic.FormView):
    """撤销案件: ends a case without a decision, with a reason, by the post the
    flow allows (``Flow.cancel_refusal``); replaces viewflow's page, which
    asked for neither."""

    flow_class = None
    form_class = CancelForm
    template_name = "workflows/case_cancel.html"

    def dispatch(self, request, *args, **kwargs):
        from django.shortcuts import get_object_or_404

        self.case = get_object_or_404(
            self.flow_class.process_class._default_manager.filter(
                flow_class=self.flow_class
            ),
            pk=kwargs["process_pk"],
        )
        why = self.flow_class.instance.cancel_refusal(request.user, self.case)
        if why:
            raise PermissionDenied(why)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, **kwargs)

    def case_url(self):
        return self.case.get_absolute_url()

    def form_valid(self, form):
        from .services import case_cancel

        try:
            case_cancel(
                case=self.case, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("案件 %(number)s 已撤销。") % {"number": self.case.number},
            fail_silently=True,
        )
        return HttpResponseRedirect(self.case_url())


class _ClockForm(forms.Form):
    """What the page offered (``action``): the POST is read as that, never as
    whatever the case's state is by the time it arrives. Someone else may
    have paused or resumed in between; then nothing is done and the page
    says so."""

    ACTION = ""
    changed_message = ""
    action = forms.CharField(widget=forms.HiddenInput, required=False, max_length=8)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].initial = self.ACTION

    def clean(self):
        action = self.cleaned_data.get("action")
        if action != self.ACTION:
            if action in ("pause", "resume"):
                raise ValidationError(self.changed_message)
            raise ValidationError(_("无法识别的操作，请重新打开本页。"))
        return super().clean()


class PauseForm(_ClockForm):
    ACTION = "pause"
    # offered while the clocks run: a stale 恢复计时 means someone resumed
    changed_message = gettext_lazy("本案计时已被他人恢复，请核对后再决定是否暂停计时。")
    on = forms.DateField(
        label=gettext_lazy("暂停日期"),
        widget=DateInput(),
        help_text=gettext_lazy("自该日起计时暂停；恢复后剩余的工作日继续计算。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("暂停原因"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("如：等待申请人补交身份证件或所需材料。"),
    )


class ResumeForm(_ClockForm):
    ACTION = "resume"
    # offered while paused: a stale 暂停计时 means someone paused
    changed_message = gettext_lazy("本案计时已被他人暂停，请核对后再决定是否恢复计时。")
    on = forms.DateField(label=gettext_lazy("恢复日期"), widget=DateInput())


class CaseClockView(generic.FormView):
    """暂停计时 / 恢复计时: while the bureau waits for the applicant, the
    case's clocks stand still; resuming moves every open deadline on by the
    working days of the pause. Offered where the programme allows it."""

    flow_class = None
    template_name = "workflows/case_clock.html"

    def dispatch(self, request, *args, **kwargs):
        from django.shortcuts import get_object_or_404

        from workflows.core.selectors import cases_visible_to

        model = self.flow_class.process_class
        self.case = get_object_or_404(
            cases_visible_to(request.user, model), pk=kwargs["process_pk"]
        )
        perm = model.PAUSE_PERMISSION
        if not perm or not request.user.has_perm(perm, self.case):
            raise PermissionDenied(_("您无权暂停或恢复本案计时。"))
        self.pause = self.case.clock_paused
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return ResumeForm if self.pause else PauseForm

    def get_initial(self):
        return {"on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, pause=self.pause, **kwargs)

    def case_url(self):
        return self.case.get_absolute_url()

    def form_valid(self, form):
        from .clocks import case_pause, case_resume

        fields = {k: v for k, v in form.cleaned_data.items() if k != "action"}
        try:
            if self.pause:
                case_resume(case=self.case, user=self.request.user, **fields)
                self.case.refresh_from_db()
                text = _("已恢复计时，办结期限顺延至 %(due)s。") % {
                    "due": self.case.due_on
                }
            else:
                case_pause(case=self.case, user=self.request.user, **fields)
                text = _("已暂停计时。申请人补齐后请恢复计时。")
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, text, fail_silently=True)
        return HttpResponseRedirect(self.case_url())
