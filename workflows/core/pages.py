"""List pages shared by every flow: inbox, queue and archive of tasks,
deadline badges, and remembering the list to return to. Each flow's pages
subclass these with the joins and the person column of its own case model."""

from django.db.models import F
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.views import ListModelView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.core.selectors import task_inbox, task_queue, tasks_visible_to
from workflows.exports.lists import ExportMixin

from ..base.edge import SEARCH_MAX
from ..clock.services import add_working_days

SOON_WORKING_DAYS = 2
TASK_RELATED = (
    "process",
    "process__case",
    "process__case__region",
    "process__case__region__parent",
    "deadline",
    "owner",
)


def due_badge(due, soon_until):
    """A deadline, marked overdue or due within ``SOON_WORKING_DAYS``."""
    if due is None:
        return ""
    if due < timezone.localdate():
        css, label = "zz-due zz-due--overdue", _("已逾期")
    elif due <= soon_until:
        css, label = "zz-due zz-due--soon", _("即将到期")
    else:
        css, label = "zz-due", ""
    return format_html('<span class="{}">{} {}</span>', css, due.isoformat(), label)


class DueMixin:
    """Deadline badges for a list: the calendar is read once per page. A list
    with a ``due`` column warns when a deadline on the page falls in a year
    whose calendar is not confirmed (``workflows/list.html``)."""

    template_name = "workflows/list.html"

    @cached_property
    def soon_until(self):
        return add_working_days(timezone.localdate(), SOON_WORKING_DAYS)

    def due_of(self, obj):
        """The deadline the ``due`` column shows for ``obj`` (None: none)."""
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context.get("page_obj") or context.get("object_list") or ()
        if "due" in self.columns:  # the page (already read) shows deadlines
            context["due_dates"] = [self.due_of(obj) for obj in rows]
        return context


class RememberListMixin:
    """Remember the list to return to after a task (viewflow's
    ``vf-pin-location``), writing the session only when it changes."""

    def remember_list(self):
        """Whether this request shows the list (an export does not)."""
        return True

    def dispatch(self, request, *args, **kwargs):
        path = request.get_full_path()
        if self.remember_list() and request.session.get("vf-pin-location") != path:
            request.session["vf-pin-location"] = path
        return super().dispatch(request, *args, **kwargs)


class CaseLinkMixin:
    """Links to case pages of a list's flow, reversed once per page."""

    @cached_property
    def case_url_prefix(self):
        """``/dibao/`` — case pages are ``<prefix><pk>/``."""
        return self.request.resolver_match.flow_viewset.reverse(
            "process_detail", args=[0]
        )[:-2]

    def link(self, case):
        return format_html(
            '<a href="{}{}/">{}</a>', self.case_url_prefix, case.pk, case.number
        )

    def case_number(self, case):
        return self.link(case)

    case_number.short_description = gettext_lazy("编号")


class TaskListBase(ExportMixin, RememberListMixin, DueMixin, ListModelView):
    """Tasks of one flow in the user's scope, nearest deadline first.

    A flow's subclass sets ``related`` (joins for its person column),
    ``due_on`` (an expression: the task's deadline, or the case's) and
    ``search_field``, and implements ``subject``."""

    flow_class = None
    model = Task
    columns = ("case_number", "step", "subject", "village", "due", "created")
    paginate_by = 30
    related = ()
    due_on = F("deadline__due_on")
    search_field = ""

    def scoped(self):
        raise NotImplementedError

    def get_queryset(self):
        qs = (
            self.scoped()
            .filter(process__flow_class=self.flow_class)
            .select_related(*TASK_RELATED, *self.related)
            .annotate(due_on=self.due_on)
            .order_by(F("due_on").asc(nulls_last=True), "created")
        )
        term = self.request.GET.get("q", "").strip()[:SEARCH_MAX]
        if term and self.search_field:
            qs = qs.filter(**{f"{self.search_field}__contains": term})
        return qs

    def case_number(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return format_html('<a href="{}">{}</a>', url, task.process.case.number)

    case_number.short_description = gettext_lazy("案件编号")

    def step(self, task):
        return task.flow_task.task_title

    step.short_description = gettext_lazy("办理环节")

    def subject(self, task):
        raise NotImplementedError

    def village(self, task):
        region = task.process.case.region
        return f"{region.parent.name} {region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def due_of(self, task):
        return task.due_on

    def due(self, task):
        return due_badge(task.due_on, self.soon_until)

    due.short_description = gettext_lazy("截止日期")

    def created(self, task):
        return timezone.localtime(task.created).strftime("%Y-%m-%d %H:%M")

    created.short_description = gettext_lazy("到达时间")


class InboxMixin:
    """The inbox: where ``home`` takes everyone, so also where the calendar's
    administrator is told of a year still to confirm."""

    title = gettext_lazy("我的待办")

    def scoped(self):
        return task_inbox(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(home_page=True, **kwargs)


class QueueMixin:
    title = gettext_lazy("可领取的任务")
    columns = (*TaskListBase.columns, "take")
    export_exclude = ("take",)

    def scoped(self):
        user = self.request.user
        return task_queue(user).exclude(self.flow_class.instance.conflict_q(user))

    def take(self, task):
        url = task.flow_task.reverse("assign", args=[task.process_id, task.pk])
        return format_html('<a class="zz-button" href="{}">{}</a>', url, _("领取"))

    take.short_description = gettext_lazy("操作")


class ArchiveMixin:
    title = gettext_lazy("我已办结的任务")
    columns = ("case_number", "step", "subject", "village", "finished")

    def scoped(self):
        return tasks_visible_to(self.request.user).filter(
            owner=self.request.user, status=STATUS.DONE, flow_task_type="HUMAN"
        )

    def get_queryset(self):
        return super().get_queryset().order_by("-finished")

    def finished(self, task):
        return timezone.localtime(task.finished).strftime("%Y-%m-%d %H:%M")

    finished.short_description = gettext_lazy("办结时间")


def task_trail(case, user, timers=False):
    """What every case page shows of its tasks: all of them (the 办理记录,
    with timer steps when ``timers``), the open ones (当前环节), today (to mark
    overdue deadlines) and whether the user may open the audit timeline."""
    types = ["HUMAN", "HUMAN_START", *(["TIMER"] if timers else [])]
    tasks = list(
        case.task_set.select_related("owner", "deadline")
        .filter(flow_task_type__in=types)
        .order_by("created")
    )
    open_statuses = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
    active = [t for t in tasks if t.status in open_statuses]
    return {
        "tasks": tasks,
        "active_tasks": active,
        # the open deadlines the page shows, for the calendar warning
        "due_dates": [
            None if case.finished else case.due_on,
            *(t.deadline.due_on for t in active if hasattr(t, "deadline")),
        ],
        "today": timezone.localdate(),
        "can_audit": user.has_perm("workflows.audit_case", case),
        "cancel_url": _cancel_url(case, user),
        "clock_url": _clock_url(case, user),
    }


def _clock_url(case, user):
    """Where ``user`` may pause or resume the case's clocks, or None."""
    perm = case.programme.PAUSE_PERMISSION
    if not perm or case.finished or not case.clock_started_on:
        return None
    if not user.has_perm(perm, case):
        return None
    try:
        return case.flow_class.instance.reverse("process_clock", args=[case.pk])
    except NoReverseMatch:
        return None


def _cancel_url(case, user):
    flow = case.flow_class.instance
    if flow.cancel_refusal(user, case) is not None:
        return None
    try:
        return flow.reverse("process_cancel", args=[case.pk])
    except NoReverseMatch:  # a flow without the page (escalations end on record)
        return None


def home(request):
    """The front page: the inbox of the first kind of case the user may see
    (a member unit's staff, for instance, only see escalations). The inbox
    (and the workload page, the fallback) tells whoever maintains the
    working-day calendar of a year still to confirm (``calendar_notice``)."""
    from .flow import project_flows

    flows = sorted(project_flows(), key=lambda f: f.process_class.HOME_ORDER)
    for flow_class in flows:
        if flow_class.instance.has_view_permission(request.user):
            return HttpResponseRedirect(flow_class.instance.reverse("inbox"))
    return HttpResponseRedirect("/work/")


def linked_cases(case, user):
    """What every case page shows of the cases linked to it: the cases it
    was started from, those started from it, and what may be started from
    it (each linked only for those who may open it)."""
    from workflows.core.selectors import cases_visible_to

    from .programmes import descendants, followup_starts

    origins = case.origin_chain
    followups = descendants(case)
    linked = [c.pk for c in origins + followups]
    return {
        "origins": origins,
        "followups": followups,
        "starts": followup_starts(case, user),
        "visible_ids": set(
            cases_visible_to(user).filter(pk__in=linked).values_list("pk", flat=True)
        ),
    }
