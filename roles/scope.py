"""A user's scope: the regions their active posts cover and what each allows.

Loaded once per user object (one query) and cached on it, like Django's own
``_perm_cache``. Everything that asks "may this user … here?" goes through it:
the permission backend for single objects, the selectors for lists (in SQL).
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q


@dataclass(frozen=True)
class PostScope:
    path: str
    level: str
    role: str
    perms: frozenset


def user_posts(user) -> tuple[PostScope, ...]:
    """The user's active posts with their permission sets (cached on ``user``)."""
    if not user or not user.is_authenticated or not user.is_active:
        return ()
    cached = getattr(user, "_post_scope_cache", None)
    if cached is not None:
        return cached
    Post = apps.get_model("roles", "Post")
    rows = (
        Post.objects.active()
        .filter(user=user)
        .values_list(
            "pk",
            "region__path",
            "region__level",
            "role__code",
            "role__permissions__content_type__app_label",
            "role__permissions__codename",
        )
    )
    posts = {}
    for pk, path, level, role, app_label, codename in rows:
        entry = posts.setdefault(pk, (path, level, role, set()))
        if codename:
            entry[3].add(f"{app_label}.{codename}")
    result = tuple(
        PostScope(path, level, role, frozenset(perms))
        for path, level, role, perms in posts.values()
    )
    user._post_scope_cache = result
    return result


def user_grants(user) -> dict:
    """``{case_id: frozenset(perms)}`` of the user's active explicit grants,
    own and through groups (cached on ``user``). Grants are exceptions, so
    this is small; lists never use it — they filter by subquery in SQL."""
    if not user or not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, "_grant_cache", None)
    if cached is not None:
        return cached
    CaseGrant = apps.get_model("roles", "CaseGrant")
    CaseGroupGrant = apps.get_model("roles", "CaseGroupGrant")
    fields = (
        "content_object_id",
        "permission__content_type__app_label",
        "permission__codename",
    )
    own = CaseGrant.objects.active().filter(user=user).values_list(*fields)
    via_groups = (
        CaseGroupGrant.objects.active().filter(group__user=user).values_list(*fields)
    )
    rows = own.union(via_groups, all=True)  # one query
    grants = {}
    for case_id, app_label, codename in rows:
        grants.setdefault(case_id, set()).add(f"{app_label}.{codename}")
    result = {k: frozenset(v) for k, v in grants.items()}
    user._grant_cache = result
    return result


def clear_scope_cache(user):
    for attr in ("_post_scope_cache", "_grant_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def granted_case_ids(user, perm=None):
    """Subqueries of the case ids the user holds an active grant on (optionally
    for ``perm``): one for own grants, one through groups."""
    CaseGrant = apps.get_model("roles", "CaseGrant")
    CaseGroupGrant = apps.get_model("roles", "CaseGroupGrant")
    own = CaseGrant.objects.active().filter(user=user)
    via_groups = CaseGroupGrant.objects.active().filter(group__user=user)
    if perm is not None:
        app_label, codename = perm.split(".")
        match = {
            "permission__content_type__app_label": app_label,
            "permission__codename": codename,
        }
        own, via_groups = own.filter(**match), via_groups.filter(**match)
    return (
        own.values("content_object_id"),
        via_groups.values("content_object_id"),
    )


def grant_q(user, perm=None, field="pk"):
    """SQL filter: rows whose case (``field``) the user holds a grant on."""
    own, via_groups = granted_case_ids(user, perm)
    return Q(**{f"{field}__in": own}) | Q(**{f"{field}__in": via_groups})


def region_q(user, perm=None, path_field="region__path"):
    """SQL filter: rows whose region lies under a post of ``user`` granting ``perm``.

    Returns a ``Q`` that matches nothing when the user has no such post.
    """
    q = Q(pk__in=[])
    for post in user_posts(user):
        if perm is None or perm in post.perms:
            q |= Q(**{f"{path_field}__startswith": post.path})
    return q


def ancestor_paths(path):
    """``a/b/c/`` → ``["a/", "a/b/", "a/b/c/"]``: the region and those above it."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def case_ids_of(obj):
    """The case(s) an object belongs to, for explicit grants."""
    from viewflow.workflow.models import Process, Task

    Case = apps.get_model("workflows", "Case")
    if isinstance(obj, (Case, Process)):
        return [obj.pk]
    if isinstance(obj, Task):
        return [obj.process_id]
    household_id = getattr(obj, "household_id", None)
    if obj._meta.label == "workflows.Household":
        household_id = obj.pk
    if household_id is not None:
        return list(
            Case.objects.filter(household_id=household_id).values_list("pk", flat=True)
        )
    # a record of a case (a visit, a decision, …): its first foreign key to a
    # case of any kind (a decision belongs to its application, not to the
    # escalation it rests on)
    for field in obj._meta.concrete_fields:
        if field.is_relation and issubclass(field.related_model, Case):
            case_id = getattr(obj, field.attname)
            if case_id:
                return [case_id]
    return []


def region_path_of(obj):
    """The region path an object is scoped by, or None when it has none.

    Project models expose ``scope_region_path``. Viewflow's own Task and
    Process rows are resolved to the case they belong to.
    """
    path = getattr(obj, "scope_region_path", None)
    if path is not None:
        return path
    from viewflow.workflow.models import Process, Task

    if isinstance(obj, Task):
        obj = obj.process
    if isinstance(obj, Process):
        Case = apps.get_model("workflows", "Case")
        return (
            Case.objects.filter(pk=obj.pk)
            .values_list("region__path", flat=True)
            .first()
        )
    return None
