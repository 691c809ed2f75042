"""Scoped querysets: every list, queue, inbox and search starts here.

Filtering happens in SQL on the region path (one indexed prefix match per
post), never by loading a user's permission rows into Python.
"""

from django.apps import apps
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Concat
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from roles.scope import grant_q, granted_case_ids, region_q, user_posts

VIEW_HOUSEHOLD = "workflows.view_household"
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def view_perm(model):
    """``workflows.view_call`` for ``Call``: seeing a case of that kind."""
    return f"{model._meta.app_label}.view_{model._meta.model_name}"


def _kinds():
    """``{flow class: its view permission}`` for every kind of case."""
    from workflows.core.flow import project_flows

    return {flow: view_perm(flow.process_class) for flow in project_flows()}


def case_scope_q(user, path_field="region__path", flow_field="flow_class"):
    """SQL filter: cases (of any kind) under a post of ``user`` whose role may
    see that kind. A post that sees every kind filters on the region alone,
    so the common plan is unchanged; a post seeing some kinds only (a
    hotline operator sees calls, not 低保 files) adds the kinds."""
    kinds = _kinds()
    q = Q(pk__in=[])
    for post in user_posts(user):
        seen = [flow for flow, perm in kinds.items() if perm in post.perms]
        if not seen:
            continue
        where = Q(**{f"{path_field}__startswith": post.path})
        if len(seen) < len(kinds):
            where &= Q(**{f"{flow_field}__in": seen})
        q |= where
    return q


def cases_visible_to(user, model=None):
    """Cases (of ``model``, default every kind) the user may see: in the
    regions of posts whose role may see that kind, or granted to them."""
    Case = apps.get_model("workflows", "Case")
    model = model or Case
    qs = model.objects.all()
    if user.is_superuser:
        return qs
    if model is Case:
        scope = case_scope_q(user)
        perm = None
    else:
        perm = view_perm(model)
        scope = region_q(user, perm)
    posts = [p for p in user_posts(user) if p.perms & set(_kinds().values())]
    if posts and all(p.level == "village" for p in posts) and _sees_all(posts, perm):
        return qs.filter(pk__in=_village_case_ids(user, posts))
    return qs.filter(scope | grant_q(user))


def _sees_all(posts, perm):
    kinds = set(_kinds().values())
    return all((perm in p.perms) if perm else kinds <= p.perms for p in posts)


def _village_case_ids(user, posts):
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
    where = Q(pk__in=[])
    for post in posts:
        where |= Q(path__startswith=post.path)
    regions = Region.objects.filter(where)
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
        case_scope_q(
            user,
            path_field="process__case__region__path",
            flow_field="process__flow_class",
        )
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


AUDIT = "workflows.audit_case"


def cases_auditable_by(user):
    """Cases whose whole record the user may read: in the regions of posts
    whose role audits, or granted the audit permission on that case (a grant
    to view a case does not open its audit trail)."""
    Case = apps.get_model("workflows", "Case")
    qs = Case.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(region_q(user, AUDIT) | grant_q(user, AUDIT))
