"""Scoped querysets: every list, queue, inbox and search starts here.

Filtering happens in SQL on the region path (one indexed prefix match per
post), never by loading a user's permission rows into Python.
"""

from django.apps import apps
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Concat
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .scope import grant_q, granted_case_ids, region_q, user_posts

VIEW_CASE = "workflows.view_application"
VIEW_HOUSEHOLD = "workflows.view_household"
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def cases_visible_to(user, model=None):
    """Cases (of ``model``, default every kind) in the user's regions."""
    model = model or apps.get_model("workflows", "Case")
    qs = model.objects.all()
    if user.is_superuser:
        return qs
    posts = [p for p in user_posts(user) if VIEW_CASE in p.perms]
    if posts and all(p.level == "village" for p in posts):
        return qs.filter(pk__in=_village_case_ids(user))
    return qs.filter(region_q(user, VIEW_CASE) | grant_q(user))


def _village_case_ids(user):
    """The case ids of a village-level user, as one subquery.

    A village holds a few dozen of the city's cases. Filtering on the
    region's path through a join, PostgreSQL walks the newest cases of the
    whole city until it has a page (the sort column lives on viewflow's
    process table, the region on ours, so no index serves both): 350 ms at
    city scale. Read by region first, the same page takes 2 ms. Wider
    scopes keep the join, which is the fast plan for them (performance.md).
    """
    Case = apps.get_model("workflows", "Case")
    Region = apps.get_model("roles", "Region")
    regions = Region.objects.filter(region_q(user, VIEW_CASE, path_field="path"))
    own, via_groups = granted_case_ids(user)
    return (
        Case.objects.filter(region__in=regions)
        .order_by()
        .values("pk")
        .union(own.order_by(), via_groups.order_by(), all=True)
    )


def households_visible_to(user):
    Household = apps.get_model("workflows", "Household")
    if user.is_superuser:
        return Household.objects.all()
    Case = apps.get_model("workflows", "Case")
    granted = Case.objects.filter(grant_q(user)).values("household_id")
    return Household.objects.filter(region_q(user, VIEW_HOUSEHOLD) | Q(pk__in=granted))


def tasks_visible_to(user):
    """Tasks of cases the user may see."""
    qs = Task.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(
        region_q(user, VIEW_CASE, path_field="process__case__region__path")
        | grant_q(user, field="process_id")
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
    return qs.filter(allowed | _granted_step(user))


def _granted_step(user):
    """Tasks whose case the user holds a grant on for exactly the task's step."""
    label = Concat(
        F("permission__content_type__app_label"),
        Value("."),
        F("permission__codename"),
        output_field=CharField(),
    )
    conditions = Q(pk__in=[])
    for model in ("CaseGrant", "CaseGroupGrant"):
        grants = apps.get_model("roles", model).objects.active()
        grants = (
            grants.filter(user=user)
            if model == "CaseGrant"
            else grants.filter(group__user=user)
        )
        conditions |= Exists(
            grants.annotate(label=label).filter(
                content_object_id=OuterRef("process_id"),
                label=OuterRef("owner_permission"),
            )
        )
    return conditions


def task_inbox(user):
    """Tasks assigned to the user, in cases still within their scope."""
    return tasks_visible_to(user).filter(
        owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED]
    )
