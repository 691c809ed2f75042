"""The project's Flow and node classes: object checks only, and deadlines.

Viewflow 2.4 lets a model-wide permission stand in for the object check in
several places (``View.can_assign``, ``Flow.has_view_permission`` via
``has_object_perm``, ``can_cancel``/``can_undo``/``can_revive`` asking without
an object). With roles held through posts, that would let a town caseworker
take any case in the city. These classes ask ``user.has_perm(perm, case)``
whenever there is a case; without one they only answer "does this user hold
that permission in some post?", which opens a list page or a start button and
nothing else. The permission rule itself lives in ``roles``.
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.status import PROCESS, STATUS

from . import views
from .clocks import assign_deadline
from .locks import case_lock, checkpoint
from .paths import manage_path, task_view
from .task_state import closed_reason, queued_reason, taken_reason

CANCEL = "workflows.cancel_case"
MANAGE = "workflows.manage_case"


def case_of(task):
    """The case a task belongs to (the flow's process model instance)."""
    return task.process.coerced


def _perm(flow_instance, action):
    opts = flow_instance.process_class._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


class ScopedFlowMixin:
    """Mix into every Flow: view/manage permissions need the case; one lock
    order for every path that changes a task (``workflows.core.locks``)."""

    lock_impl = case_lock

    def lock_also(self, process_pk):
        """Process pks (a queryset of values) whose rows are locked together
        with this case's: the cases a step of this one completes a task of
        (e.g. the application an escalation reports back to). None: only its own."""
        return None

    def has_view_permission(self, user, obj=None):
        if not user.is_authenticated:
            return False
        return user.has_perm(_perm(self, "view"), obj)

    def has_manage_permission(self, user, obj=None):
        if not user.is_authenticated:
            return False
        if obj is None:
            # Viewflow asks this without an object for cancel/undo/revive
            # transitions; only a superuser may do those without a case check.
            return user.is_superuser
        return user.has_perm(MANAGE, obj)

    # Who may give whom which of this flow's powers on one case (grants,
    # reassignment, leave substitution, member units): ``workflows.core.grants``.
    grant_rules = ()

    def step_conflict(self, user, case, perm):
        """A reason (text) why ``user`` may not exercise ``perm`` on ``case``
        under the separation of duties, or None. Flows override this; the
        task check, the queue (``conflict_q``), grants and reassignment all
        come back to it."""
        return None

    def duty_conflict(self, user, task):
        """A reason (text) why ``user`` may not act on ``task``, or None."""
        return self.step_conflict(user, task.process.coerced, task.owner_permission)

    def cancel_refusal(self, user, case):
        """Why ``user`` may not cancel the whole ``case``, or None. Cancelling
        ends a case without a decision: the district decides it (flows where
        a town may decide, when delegated, override this)."""
        if case.status in (PROCESS.DONE, PROCESS.CANCELED):
            return _("本案已办结或已撤销。")
        if self.has_manage_permission(user, case) and user.has_perm(CANCEL, case):
            return None
        return _("撤销整个案件须由区（市）民政局负责人决定。")

    def unit_conflict(self, group, case):
        """Why a member unit's ``group`` may not be given powers on ``case``
        (flows that invite units override this), or None."""
        return _("本业务不向成员单位授权。")

    def conflict_q(self, user):
        """The same rules in SQL: tasks to keep out of ``user``'s queue."""
        from django.db.models import Q

        return Q(pk__in=[])


def project_flows():
    """Every flow class of the project (each mixes in ``ScopedFlowMixin``)."""
    found, todo = [], list(ScopedFlowMixin.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if getattr(cls, "process_class", None) is not None:
            found.append(cls)
    return sorted(found, key=lambda c: c.__module__)


class ScopedNodeMixin:
    """Detail/cancel/undo/revive checks against the task's case; their pages
    refuse a lost race in words (``task_view``)."""

    @property
    def cancel_path(self):
        return manage_path(self, "cancel")

    @property
    def undo_path(self):
        return manage_path(self, "undo")

    @property
    def revive_path(self):
        return manage_path(self, "revive")

    def can_view(self, user, task):
        return self.flow_class.instance.has_view_permission(user, case_of(task))

    # Nobody cancels, undoes or revives one step of a case: that would skip a
    # statutory step (a home visit, the cross-check) or reopen a decided case
    # without the record saying why. A whole case is cancelled with a reason
    # (``CancelCaseView``); work moves through the supervisors' workspace.
    # viewflow's per-task pages therefore answer 403 to everyone.

    def can_cancel(self, user, task):
        return False

    def can_undo(self, user, task):
        return False

    def can_revive(self, user, task):
        return False


class View(ScopedNodeMixin, flow.View):
    """A human task, offered to users whose post covers the case's region and
    whose role holds the step's permission; with an optional statutory deadline.
    """

    rule = ""
    assign_view_class = views.AssignTaskView
    unassign_view_class = views.UnassignTaskView
    detail_view_class = views.DetailTaskView

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = None

    def Rule(self, text):
        """The legal basis shown with the task (e.g. 《……办法》第十六条)."""
        self.rule = text
        return self

    def Deadline(self, code, since=None):
        """Attach the statutory limit ``code``, counted from ``since(activation)``
        (a date; default: the day the task is created)."""
        self._deadline = (code, since)
        return self

    def _resolve(self, instance):
        super()._resolve(instance)
        if self._deadline:
            code, since = self._deadline
            self._deadline = (code, this.resolve(instance, since))

    def _create(self, prev_activation, token, data=None, seed=None):
        activation = super()._create(prev_activation, token, data=data, seed=seed)
        if self._deadline:
            code, since = self._deadline
            start = since(activation) if since else timezone.localdate()
            assign_deadline(activation.task, code, start)
        absent = getattr(activation, "substituted_for", None)
        if absent is not None:
            from roles.models import Reassignment

            Reassignment.objects.create(
                task=activation.task,
                kind=Reassignment.Kind.SUBSTITUTE,
                from_user=absent,
                to_user=activation.task.owner,
                reason=_("请假期间新任务转交代理人"),
            )
        return activation

    def refusal_reason(self, user, task, executing=False):
        """Why ``user`` may not take (or, ``executing``, do) ``task``: first
        what happened to it (completed, taken, moved), then the rules."""
        closed = closed_reason(task)
        if closed:
            return closed
        if executing and not is_owner(task.owner, user):
            if task.owner_id is None:
                return queued_reason(task, user)
            return taken_reason(task, user)
        if not executing and task.owner_id:
            return taken_reason(task, user)
        conflict = self.flow_class.instance.duty_conflict(user, task)
        if conflict:
            return conflict
        return _("您的岗位不覆盖本案所在村（社区），或您的角色不办理此环节。")

    def _reasoned(self, check, executing=False):
        """A permission check that refuses with the reason (shown on the 403 page)."""

        def permission(user, task):
            if check(user, task):
                # read and checked (for a POST, under the case lock): a race
                # test may hold a step here, before it writes
                checkpoint("task.allowed", task=task, user=user)
                return True
            raise PermissionDenied(self.refusal_reason(user, task, executing))

        return permission

    @property
    def assign_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            task_view(
                self, self.assign_view, permission=self._reasoned(self.can_assign)
            ),
            name="assign",
        )

    @property
    def unassign_path(self):
        def permission(user, task):
            if self.can_unassign(user, task):
                return True
            if closed_reason(task):
                raise PermissionDenied(closed_reason(task))
            if task.owner_id is None:
                raise PermissionDenied(_("此任务已在待领取队列中。"))
            raise PermissionDenied(_("您无权退回此任务。"))

        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/unassign/",
            task_view(self, self.unassign_view, permission=permission),
            name="unassign",
        )

    @property
    def view_path(self):
        view = self.view

        def started(request, *args, **kwargs):
            request.activation.start(request)
            return view(request, *args, **kwargs)

        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/execute/",
            task_view(self, started, permission=self._reasoned(self.can_execute, True)),
            name="execute",
        )

    def _allowed(self, user, task):
        if not task.owner_permission:
            return False
        case = case_of(task)
        if not user.has_perm(task.owner_permission, case):
            return False
        return self.flow_class.instance.duty_conflict(user, task) is None

    def can_assign(self, user, task):
        if task.status != STATUS.NEW or task.owner_id:
            return False
        if user is None or not user.is_authenticated:
            return False
        return self._allowed(user, task)

    def can_execute(self, user, task):
        if task.status not in (STATUS.ASSIGNED, STATUS.STARTED):
            return False
        if task.owner_id is None or not is_owner(task.owner, user):
            return False
        return self._allowed(user, task)

    def can_unassign(self, user, task):
        if task.status != STATUS.ASSIGNED or task.owner_id is None:
            return False
        if user is None or not user.is_authenticated:
            return False
        # the holder may give a task back; a supervisor moves someone else's
        # task in the workspace, with a reason and under the grant map
        return is_owner(task.owner, user)


class Start(ScopedNodeMixin, flow.Start):
    """Process start: offered to users holding the permission in some post.

    The region check happens when the form is saved: the household's village
    must lie under one of the user's posts holding the permission.
    """


class If(ScopedNodeMixin, flow.If):
    pass


class SplitActivation(flow.Split.activation_class):
    """Viewflow 2.4's open-source ``Split.Next`` documents ``data_source`` but
    drops it. Here each item of ``data_source(activation)`` becomes its own
    task of the branch's node, with ``task.data`` set to the item."""

    @Activation.status.super()
    def activate(self):
        for node, case, data_source in self.flow_task._branches:
            if case and not case(self):
                continue
            if data_source is None:
                self.next_tasks.append((node, None))
            else:
                self.next_tasks.extend((node, item) for item in data_source(self))
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class Split(ScopedNodeMixin, flow.Split):
    """A parallel split; ``Next(node, data_source=…)`` makes one task per item
    (e.g. one per member unit invited to a meeting)."""

    activation_class = SplitActivation

    def Next(self, node, case=None, data_source=None):
        self._activate_next.append((node, case, data_source))
        return self


class Join(ScopedNodeMixin, flow.Join):
    pass


class Function(ScopedNodeMixin, flow.Function):
    pass


class Handle(ScopedNodeMixin, flow.Handle):
    """A step completed by code (e.g. a linked process reporting back)."""


class Timer(ScopedNodeMixin, flow.Timer):
    pass


class End(ScopedNodeMixin, flow.End):
    pass


class StartHandle(ScopedNodeMixin, flow.StartHandle):
    """A process started by code, not by a person (a monitoring run opens
    its alerts); ``workflows.core.bulkstart`` opens many at once."""
