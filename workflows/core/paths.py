"""URL paths of the task pages: viewflow's task-view wrapper (the case lock
for a POST, the task read after it, the permission check) with a lost race
told in words."""

from functools import update_wrapper

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.flow import utils as flow_utils

from .task_state import closed_reason


def task_view(node, origin_view, permission=None):
    """Viewflow's task-view wrapper (the case lock for a POST, the task read
    after it, the permission check), and a lost race in words: a transition
    the task's current state no longer allows (it was completed, cancelled or
    moved a moment ago) becomes a 403 saying what happened, not viewflow's
    "no transition from DONE"."""

    def guarded(request, *args, **kwargs):
        try:
            return origin_view(request, *args, **kwargs)
        except TransitionNotAllowed:
            task = request.activation.task
            raise PermissionDenied(
                closed_reason(task) or _("此任务的状态刚刚改变，请刷新页面后重试。")
            ) from None

    update_wrapper(guarded, origin_view)
    return flow_utils.wrap_task_view(node, guarded, permission=permission)


def manage_path(node, action):
    """The URL of a manager's action on a task (cancel, undo, revive), or None
    when the node has no such page."""
    view = getattr(node, f"{action}_view", None)
    if view is None:
        return None
    check = getattr(node, f"can_{action}")

    def permission(user, task):
        if check(user, task):
            return True
        raise PermissionDenied(closed_reason(task) or _("您无权执行此操作。"))

    return path(
        f"<int:process_pk>/{node.name}/<int:task_pk>/{action}/",
        task_view(node, view, permission=permission),
        name=action,
    )
