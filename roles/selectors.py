"""Scoped querysets: every list, queue, inbox and search starts here.

Filtering happens in SQL on the region path (one indexed prefix match per
post), never by loading a user's permission rows into Python.
"""

from django.apps import apps
from django.db.models import Q
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .scope import region_q, user_posts

VIEW_CASE = "workflows.view_application"
VIEW_HOUSEHOLD = "workflows.view_household"
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def cases_visible_to(user, model=None):
    """Cases (of ``model``, default every kind) in the user's regions."""
    model = model or apps.get_model("workflows", "Case")
    qs = model.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(region_q(user, VIEW_CASE))


def households_visible_to(user):
    Household = apps.get_model("workflows", "Household")
    if user.is_superuser:
        return Household.objects.all()
    return Household.objects.filter(region_q(user, VIEW_HOUSEHOLD))


def tasks_visible_to(user):
    """Tasks of cases the user may see."""
    qs = Task.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(
        region_q(user, VIEW_CASE, path_field="process__case__region__path")
    )


def task_queue(user):
    """Unassigned human tasks the user may take: the step's permission held in
    a post that covers the case's region."""
    qs = Task.objects.filter(flow_task_type="HUMAN", status=STATUS.NEW)
    if user.is_superuser:
        return qs
    allowed = Q(pk__in=[])
    for post in user_posts(user):
        if post.perms:
            allowed |= Q(
                owner_permission__in=sorted(post.perms),
                process__case__region__path__startswith=post.path,
            )
    return qs.filter(allowed)


def task_inbox(user):
    """Tasks assigned to the user, in cases still within their scope."""
    return tasks_visible_to(user).filter(
        owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED]
    )
