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

from django.utils import timezone
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import flow, lock

from . import views
from .services import assign_deadline


def case_of(task):
    """The case a task belongs to (the flow's process model instance)."""
    return task.process.coerced


def _perm(flow_instance, action):
    opts = flow_instance.process_class._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


class ScopedFlowMixin:
    """Mix into every Flow: view/manage permissions need the case."""

    lock_impl = lock.select_for_update_lock

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
        return user.has_perm(_perm(self, "manage"), obj)

    def duty_conflict(self, user, task):
        """A reason (text) why ``user`` may not act on ``task``, or None.

        Flows override this for separation-of-duty rules.
        """
        return None


class ScopedNodeMixin:
    """Detail/cancel/undo/revive checks against the task's case."""

    def can_view(self, user, task):
        return self.flow_class.instance.has_view_permission(user, case_of(task))

    def can_cancel(self, user, task):
        return self.flow_class.instance.has_manage_permission(user, case_of(task))

    def can_undo(self, user, task):
        return self.flow_class.instance.has_manage_permission(user, case_of(task))

    def can_revive(self, user, task):
        return self.flow_class.instance.has_manage_permission(user, case_of(task))


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
        return activation

    def _allowed(self, user, task):
        if not task.owner_permission:
            return False
        case = case_of(task)
        if not user.has_perm(task.owner_permission, case):
            return False
        return self.flow_class.instance.duty_conflict(user, task) is None

    def can_assign(self, user, task):
        if task.owner_id or user is None or not user.is_authenticated:
            return False
        return self._allowed(user, task)

    def can_execute(self, user, task):
        if task.owner_id is None or not is_owner(task.owner, user):
            return False
        return self._allowed(user, task)

    def can_unassign(self, user, task):
        if task.owner_id is None or user is None or not user.is_authenticated:
            return False
        if is_owner(task.owner, user):
            return True
        return self.flow_class.instance.has_manage_permission(user, case_of(task))


class Start(ScopedNodeMixin, flow.Start):
    """Process start: offered to users holding the permission in some post.

    The region check happens when the form is saved: the household's village
    must lie under one of the user's posts holding the permission.
    """


class If(ScopedNodeMixin, flow.If):
    pass


class Split(ScopedNodeMixin, flow.Split):
    pass


class Join(ScopedNodeMixin, flow.Join):
    pass


class Function(ScopedNodeMixin, flow.Function):
    pass


class Timer(ScopedNodeMixin, flow.Timer):
    pass


class End(ScopedNodeMixin, flow.End):
    pass
