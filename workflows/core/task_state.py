"""Why a task can no longer be acted on, in words the user understands.

Someone who loses a race (the task was completed, taken or moved a moment
earlier) sees one of these instead of viewflow's internals ("no transition
from DONE"). Each function reads the task as it is now, under the case lock.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _name(user):
    return user.get_full_name() or user.username


def closed_reason(task):
    """Who finished ``task`` and when, or None while it is open."""
    if task.status in OPEN:
        return None
    if task.status == STATUS.DONE:
        if task.owner_id is None or task.finished is None:
            return _("此任务已办结。")
        return _("此任务已由 %(name)s 于 %(at)s 办结。") % {
            "name": _name(task.owner),
            "at": timezone.localtime(task.finished).strftime("%Y-%m-%d %H:%M"),
        }
    if task.status == STATUS.CANCELED:
        return _("此任务已取消。")
    return _("此任务已结束，不能再办理。")


def _last_move(task):
    from roles.models import Reassignment

    return (
        Reassignment.objects.filter(task=task)
        .select_related("by", "to_user")
        .order_by("-pk")
        .first()
    )


def taken_reason(task, user):
    """``task`` is held by someone other than ``user``: by whom, and how."""
    move = _last_move(task)
    if move is not None and move.to_user_id == task.owner_id:
        if move.from_user_id == user.pk:
            return _("此任务刚被改派给 %(name)s。") % {"name": _name(task.owner)}
        if move.by_id is not None:
            return _("此任务已由 %(by)s 分配给 %(name)s。") % {
                "by": _name(move.by),
                "name": _name(task.owner),
            }
    return _("此任务已由 %(name)s 领取。") % {"name": _name(task.owner)}


def queued_reason(task, user):
    """``task`` sits in the queue: say so if it was taken away from ``user``."""
    move = _last_move(task)
    if move is not None and move.to_user_id is None and move.from_user_id == user.pk:
        if move.by_id is not None:
            return _("此任务已由 %(by)s 退回待领取，请重新领取。") % {
                "by": _name(move.by)
            }
        return _("此任务已退回待领取，请重新领取。")
    return _("请先领取此任务。")
