"""The supervisor's workspace (工作管理): workload, reassignment, leave, grants."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.workflow.exceptions import FlowLockFailed

from roles.models import Level
from roles.workspace import REASON, WorkMixin
from workflows.base.edge import parse_id, safe_target
from workflows.clock.services import add_working_days, working_days_since
from workflows.core.grants import grantable_anywhere, move_refusal, permission_label
from workflows.core.locks import CaseBusy
from workflows.core.widgets import DateInput
from workflows.exports.lists import export_download, export_format, export_links, plain

from . import selectors as work
from . import services
from .lateness import Ladder


def _errors(error):
    if isinstance(error, FlowLockFailed):  # a case stayed locked: nothing moved
        return [str(CaseBusy.message)]
    return error.messages if isinstance(error, ValidationError) else [str(error)]


class WorkloadView(WorkMixin, generic.TemplateView):
    template_name = "work/workload.html"

    def get_context_data(self, **kwargs):
        soon_until = add_working_days(timezone.localdate(), 2)
        people, queue = work.workload(self.request.user, soon_until)
        return super().get_context_data(
            people=people,
            queue=queue,
            due_years=work.due_years(self.request.user),
            **kwargs,
        )


class OverdueView(WorkMixin, generic.TemplateView):
    """Overdue tasks that have reached a level the user supervises (逾期督办):
    how late each is, and whether it climbed here from the level below.
    Exports (``?_export=xlsx|csv``) every row, not only the page."""

    template_name = "work/overdue.html"
    paginate_by = 50

    def rows(self, tasks, ladder):
        """The rows of ``tasks``: each with how late it is and where it stands."""
        late = working_days_since({t.due_on for t in tasks}, ladder.today)
        levels = dict(Level.choices)
        for task in tasks:
            reached, climbed = ladder.reached(
                task.owner_permission, task.due_on, task.due_at
            )
            hours = None
            if task.due_at is not None:
                hours = int((ladder.now - task.due_at).total_seconds() // 3600)
            yield {
                "task": task,
                # working days after the last day (after the due moment's day)
                "late_days": late[task.due_on],
                "late_hours": hours,
                "reached": levels.get(reached, ""),
                "climbed": climbed,
            }

    def get(self, request, *args, **kwargs):
        if export_format(request) is None:
            return super().get(request, *args, **kwargs)
        ladder = Ladder.at()
        tasks = list(work.overdue_tasks(request.user, ladder))
        return export_download(
            request,
            header=OVERDUE_HEADER,
            rows=(overdue_cells(row) for row in self.rows(tasks, ladder)),
            count=len(tasks),
            title=_("逾期督办"),
        )

    def get_context_data(self, **kwargs):
        ladder = Ladder.at()
        tasks = work.overdue_tasks(self.request.user, ladder)
        page = Paginator(tasks, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            rows=list(self.rows(page, ladder)),
            page=page,
            limit=ladder.limit,
            now=ladder.now,
            export_links=export_links(self.request),
            **kwargs,
        )


OVERDUE_HEADER = (
    gettext_lazy("案件编号"),
    gettext_lazy("办理环节"),
    gettext_lazy("救助对象"),
    gettext_lazy("村（社区）"),
    gettext_lazy("承办人"),
    gettext_lazy("截止"),
    gettext_lazy("逾期工作日"),
    gettext_lazy("逾期小时"),
    gettext_lazy("督办层级"),
    gettext_lazy("已报上级"),
)


def _task_cells(task, due):
    """The cells every task export starts with: case, step, subject, place,
    who holds it, the deadline; formula-safe, ID numbers masked (``plain``)."""
    case = task.process.case
    return [
        plain(v)
        for v in (
            case.number,
            task.flow_task.task_title,
            case.subject,
            f"{case.region.parent.name} {case.region.name}",
            (task.owner.get_full_name() or task.owner.get_username())
            if task.owner
            else _("待领取"),
            due,
        )
    ]


def overdue_cells(row):
    """One overdue row as the export's cells (numbers stay numbers)."""
    task = row["task"]
    extra = (row["late_days"], row["late_hours"], row["reached"], row["climbed"])
    return _task_cells(task, task.due_at or task.due_on) + [plain(v) for v in extra]


def _person(request, person_pk):
    person = get_object_or_404(get_user_model(), pk=person_pk, is_active=True)
    if not services.may_see_work_of(request.user, person):
        raise Http404
    return person


TASKS_HEADER = (
    gettext_lazy("案件编号"),
    gettext_lazy("办理环节"),
    gettext_lazy("救助对象"),
    gettext_lazy("村（社区）"),
    gettext_lazy("承办人"),
    gettext_lazy("截止日期"),
)


def task_cells(task):
    """One open task as the export's cells (the page's columns)."""
    return _task_cells(task, task.due_on)


class TasksView(WorkMixin, generic.TemplateView):
    """One person's open tasks, or the region's queue, to move in bulk.
    Exports (``?_export=xlsx|csv``) every task in the same scope, not only
    the 200 the page shows; each export logged (``export_download``)."""

    template_name = "work/tasks.html"
    shown = 200

    def person(self):
        person_pk = self.kwargs.get("person_pk")
        return _person(self.request, person_pk) if person_pk else None

    def get(self, request, *args, **kwargs):
        if export_format(request) is None:
            return super().get(request, *args, **kwargs)
        person = self.person()
        tasks = work.open_tasks_of(request.user, person)
        if person is None:
            title = _("本辖区待领取任务")
        else:
            who = person.get_full_name() or person.get_username()
            title = _("%(who)s 的在办任务") % {"who": who}
        return export_download(
            request,
            header=TASKS_HEADER,
            rows=(task_cells(t) for t in tasks.iterator(chunk_size=1000)),
            count=tasks.count(),
            title=title,
        )

    def get_context_data(self, **kwargs):
        person = self.person()
        tasks = list(work.open_tasks_of(self.request.user, person)[: self.shown])
        return super().get_context_data(
            person=person,
            tasks=tasks,
            due_dates=[t.due_on for t in tasks],
            today=timezone.localdate(),
            export_links=export_links(self.request),
            **kwargs,
        )


def _selected_tasks(request, ids):
    """The tasks named in the request, all within the manager's regions (else 404)."""
    parsed = {parse_id(i) for i in ids}
    if None in parsed:
        raise Http404
    ids = sorted(parsed)
    if not ids:
        return []
    tasks = list(
        work.managed_tasks(request.user)
        .filter(pk__in=ids)
        .select_related(*work.case_subject_joins(), "owner")
    )
    if len(tasks) != len(ids):
        raise Http404
    return tasks


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label=gettext_lazy("改派给"), queryset=None)
    reason = REASON

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = get_user_model().objects.filter(
            pk__in=[u.pk for u in candidates]
        )
        self.fields["to_user"].label_from_instance = lambda u: (
            u.get_full_name() or u.username
        )


def eligible_for_all(tasks, by):
    """Colleagues who may do every one of ``tasks`` (what the form offers):
    none when the grant map does not let ``by`` move one of them, and never
    ``by`` themself."""
    if any(move_refusal(by=by, task=task) for task in tasks):
        return []
    common = None
    for task in tasks:
        ids = {
            u.pk: u
            for u in services.eligible_assignees(task)
            if u.pk not in (task.owner_id, by.pk)
        }
        common = (
            ids if common is None else {k: v for k, v in common.items() if k in ids}
        )
    return list((common or {}).values())


class ReassignView(WorkMixin, generic.View):
    template_name = "work/reassign.html"

    def get(self, request):
        tasks = _selected_tasks(request, request.GET.getlist("task"))
        if not tasks:
            messages.error(request, _("请先选择要改派的任务。"), fail_silently=True)
            return HttpResponseRedirect(reverse("work:index"))
        candidates = eligible_for_all(tasks, request.user)
        return self.show(request, tasks, ReassignForm(candidates=candidates))

    def post(self, request):
        tasks = _selected_tasks(request, request.POST.getlist("task"))
        candidates = eligible_for_all(tasks, request.user)
        form = ReassignForm(request.POST, candidates=candidates)
        if form.is_valid():
            try:
                services.tasks_reassign(
                    task_ids=[t.pk for t in tasks],
                    to_user=form.cleaned_data["to_user"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied, FlowLockFailed) as error:
                for message in _errors(error):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("已将 %(n)s 项任务改派给 %(name)s。")
                    % {
                        "n": len(tasks),
                        "name": form.cleaned_data["to_user"].get_full_name(),
                    },
                    fail_silently=True,
                )
                return HttpResponseRedirect(reverse("work:index"))
        return self.show(request, tasks, form, status=422)

    def show(self, request, tasks, form, status=200):
        refusals = [
            why for task in tasks if (why := move_refusal(by=request.user, task=task))
        ]
        return render(
            request,
            self.template_name,
            {
                "tasks": tasks,
                "form": form,
                "refusals": list(dict.fromkeys(refusals)),
                "no_candidates": not form.fields["to_user"].queryset.exists(),
            },
            status=status,
        )


class UnassignForm(forms.Form):
    reason = REASON


class UnassignView(WorkMixin, generic.View):
    def post(self, request):
        tasks = _selected_tasks(request, request.POST.getlist("task"))
        form = UnassignForm(request.POST)
        back = safe_target(request, request.POST.get("back"), reverse("work:index"))
        if not tasks:
            messages.error(request, _("请先选择任务。"), fail_silently=True)
        elif not form.is_valid():
            messages.error(request, _("退回待领取须填写理由。"), fail_silently=True)
        else:
            try:
                services.tasks_unassign(
                    task_ids=[t.pk for t in tasks],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied, FlowLockFailed) as error:
                for message in _errors(error):
                    messages.error(request, message, fail_silently=True)
            else:
                messages.success(
                    request,
                    _("已退回 %(n)s 项任务。") % {"n": len(tasks)},
                    fail_silently=True,
                )
        return HttpResponseRedirect(back)


class AbsenceForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("请假人员"), queryset=None)
    substitute = forms.ModelChoiceField(label=gettext_lazy("代理人"), queryset=None)
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), widget=DateInput())
    reason = REASON

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        people = work.managed_people(manager)
        for name in ("user", "substitute"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = lambda u: (
                u.get_full_name() or u.username
            )


class AbsencesView(WorkMixin, generic.View):
    template_name = "work/absences.html"

    def get(self, request):
        return self.show(request, AbsenceForm(manager=request.user))

    def post(self, request):
        form = AbsenceForm(request.POST, manager=request.user)
        if form.is_valid():
            try:
                services.absence_create(by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied, FlowLockFailed) as error:
                for message in _errors(error):
                    form.add_error(None, message)
            else:
                messages.success(request, _("请假代理已登记。"), fail_silently=True)
                return HttpResponseRedirect(reverse("work:absences"))
        return self.show(request, form, status=422)

    def show(self, request, form, status=200):
        absences = work.absences_in_scope(request.user)[:100]
        return render(
            request,
            self.template_name,
            {"form": form, "absences": absences},
            status=status,
        )


class GrantForm(forms.Form):
    case_number = forms.CharField(label=gettext_lazy("案件编号"), max_length=20)
    username = forms.CharField(
        label=gettext_lazy("被授权人员（登录名）"), max_length=150
    )
    perms = forms.MultipleChoiceField(
        label=gettext_lazy("权限"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=gettext_lazy("有效期至（可不填）"),
        required=False,
        widget=DateInput(),
    )
    reason = REASON

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        from django.contrib.auth.models import Permission

        labels = {
            f"{p.content_type.app_label}.{p.codename}": permission_label(p)
            for p in Permission.objects.select_related("content_type")
        }
        self.fields["perms"].choices = [
            (p, labels.get(p, p)) for p in sorted(grantable_anywhere(manager))
        ]

    def clean_case_number(self):
        from workflows.core.models import Case

        value = self.cleaned_data["case_number"].strip()
        pk = parse_id(value.rsplit("-", 1)[-1])
        if pk is None:
            raise ValidationError(_("案件编号格式不正确，例如 DB2026-000012。"))
        case = Case.objects.filter(pk=pk).select_related("region").first()
        if (
            case is None
            or case.number != value.upper()
            or not (self.manager.is_superuser or services.may_grant(self.manager, case))
        ):
            raise ValidationError(_("在您的辖区内没有这个案件。"))
        return case

    def clean_username(self):
        user = (
            get_user_model()
            .objects.filter(
                username=self.cleaned_data["username"].strip(), is_active=True
            )
            .first()
        )
        if user is None:
            raise ValidationError(_("没有这个在岗人员。"))
        return user


class GrantsView(WorkMixin, generic.View):
    template_name = "work/grants.html"

    def get(self, request):
        return self.show(request, GrantForm(manager=request.user))

    def post(self, request):
        form = GrantForm(request.POST, manager=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.grant_create(
                    case=data["case_number"],
                    user=data["username"],
                    perms=data["perms"],
                    by=request.user,
                    reason=data["reason"],
                    expires_on=data["expires_on"],
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _errors(error):
                    form.add_error(None, message)
            else:
                messages.success(request, _("已授权。"), fail_silently=True)
                return HttpResponseRedirect(reverse("work:grants"))
        return self.show(request, form, status=422)

    def show(self, request, form, status=200):
        grants = work.grants_in_scope(request.user)[:200]
        return render(
            request,
            self.template_name,
            {"form": form, "grants": grants, "today": timezone.localdate()},
            status=status,
        )


class RevokeView(WorkMixin, generic.View):
    def post(self, request, grant_pk):
        grant = get_object_or_404(work.grants_in_scope(request.user), pk=grant_pk)
        form = UnassignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("撤销授权须填写理由。"), fail_silently=True)
        else:
            services.grant_revoke(
                grant=grant, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("授权已撤销。"), fail_silently=True)
        return HttpResponseRedirect(reverse("work:grants"))
