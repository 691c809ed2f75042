"""Reads of a person's own notifications."""

from workflows.core.selectors import cases_visible_to, tasks_visible_to

from .models import Notification


def notifications_of(user):
    """The user's own notifications, newest first (never anyone else's)."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("case", "task")
        .order_by("-created", "-pk")
    )


def unread_count(user) -> int:
    """One indexed count for the page header."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def links(user, notifications):
    """``{notification pk: url}`` for those whose task or case the user may
    still see (two queries per page): the task's page while it is visible,
    else the case's page; nothing once both are out of the user's scope."""
    notifications = list(notifications)
    task_ids = {n.task_id for n in notifications if n.task_id}
    case_ids = {n.case_id for n in notifications if n.case_id}
    tasks = set(
        tasks_visible_to(user).filter(pk__in=task_ids).values_list("pk", flat=True)
    )
    cases = set(
        cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)
    )
    found = {}
    for n in notifications:
        if n.task_id in tasks:
            found[n.pk] = n.task.flow_task.reverse(
                "index", args=[n.task.process_id, n.task_id]
            )
        elif n.case_id in cases:
            found[n.pk] = n.case.get_absolute_url()
    return found
