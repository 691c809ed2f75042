"""Every URL that takes an object id answers 404 outside the user's scope.

One guard for all pages, the viewflow ones included: before a view runs, each
id in the URL (``process_pk``, ``task_pk``, ``household_pk``, ``member_pk``,
``person_pk``, ``grant_pk``, ``lockout_pk``, ``job_pk``, ``run_pk``,
``raise_pk``)
must name an object the user may see, and a task must belong to the process
named beside it. An id keyword nobody registered here is refused too, so a
new URL cannot slip through unguarded.
"""

import logging
import uuid

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404

from roles.accounts.throttle import client_address
from workflows.base.edge import parse_id
from workflows.core.selectors import (
    cases_visible_to,
    households_visible_to,
    tasks_visible_to,
)

logger = logging.getLogger(__name__)


def _case_visible(user, pk, kwargs):
    return cases_visible_to(user).filter(pk=pk).exists()


def _task_visible(user, pk, kwargs):
    qs = tasks_visible_to(user).filter(pk=pk)
    if "process_pk" in kwargs:
        qs = qs.filter(process_id=kwargs["process_pk"])
    return qs.exists()


def _household_visible(user, pk, kwargs):
    return households_visible_to(user).filter(pk=pk).exists()


def _member_visible(user, pk, kwargs):
    Member = apps.get_model("workflows", "Member")
    household = Member.objects.filter(pk=pk).values_list("household_id", flat=True)
    return households_visible_to(user).filter(pk__in=household).exists()


def _person_managed(user, pk, kwargs):
    from django.contrib.auth import get_user_model

    from .services import may_see_work_of

    person = get_user_model().objects.filter(pk=pk, is_active=True).first()
    return person is not None and may_see_work_of(user, person)


def _grant_in_scope(user, pk, kwargs):
    from .selectors import grants_in_scope

    return grants_in_scope(user).filter(pk=pk).exists()


def _lockout_in_scope(user, pk, kwargs):
    from roles.accounts.selectors import lockouts_in_scope

    return lockouts_in_scope(user).filter(pk=pk).exists()


def _own_job(user, pk, kwargs):
    """A background job is its starter's alone (workflows.jobs.selectors)."""
    Job = apps.get_model("workflows", "Job")
    return Job.objects.filter(pk=pk, started_by=user).exists()


def _own_import_run(user, pk, kwargs):
    """An import is its starter's alone (workflows.dataio.selectors)."""
    ImportRun = apps.get_model("workflows", "ImportRun")
    return ImportRun.objects.filter(pk=pk, started_by=user).exists()


def _raise_visible(user, pk, kwargs):
    """A standard raise (提标) of a district where the user sees the register
    (workflows.benefits.selectors.raises_visible_to)."""
    from roles.scope import region_q

    StandardRaise = apps.get_model("workflows", "StandardRaise")
    qs = StandardRaise.objects.filter(pk=pk)
    if not user.is_superuser:
        qs = qs.filter(
            region_q(user, "workflows.view_register", "standard__district__path")
        )
    return qs.exists()


SCOPE_CHECKS = {
    "process_pk": _case_visible,
    "case_pk": _case_visible,
    "task_pk": _task_visible,
    "household_pk": _household_visible,
    "member_pk": _member_visible,
    "person_pk": _person_managed,
    "grant_pk": _grant_in_scope,
    "lockout_pk": _lockout_in_scope,
    "job_pk": _own_job,  # a random UUID, not a database key
    "run_pk": _own_import_run,
    "raise_pk": _raise_visible,
}

# URL namespaces guarded by their own rule (Django admin: staff permissions).
UNGUARDED_NAMESPACES = {"admin"}


CASE_KEYS = ("process_pk", "case_pk", "task_pk")


def record_refusal(request, view_kwargs):
    """An access event for the auditor: who tried to open which case page
    and was refused (403/404) — once per request, never the page's data."""
    if getattr(request, "_refusal_recorded", False):
        return
    request._refusal_recorded = True
    user = request.user
    if not user.is_authenticated:
        return
    Case = apps.get_model("workflows", "Case")
    Task = apps.get_model("viewflow", "Task")
    case_id = None
    for key in CASE_KEYS:
        pk = parse_id(view_kwargs.get(key))
        if pk is None:
            continue
        if key == "task_pk":
            pk = Task.objects.filter(pk=pk).values_list("process_id", flat=True).first()
        if pk and Case.objects.filter(pk=pk).exists():
            case_id = pk
            break
    SensitiveAccess = apps.get_model("workflows", "SensitiveAccess")
    SensitiveAccess.objects.create(
        user=user,
        action=SensitiveAccess.Action.REFUSED,
        case_id=case_id,
        record=f"{request.method} {request.path}"[:100],
        ip_address=client_address(request),
    )


class ObjectScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A case page refused deeper down (a view's PermissionDenied) is an
        access event too."""
        match = request.resolver_match
        if (
            isinstance(exception, (PermissionDenied, Http404))
            and match is not None
            and set(CASE_KEYS) & set(match.kwargs)
        ):
            record_refusal(request, match.kwargs)
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not view_kwargs or match is None:
            return None
        if UNGUARDED_NAMESPACES.intersection(match.namespaces):
            return None
        user = request.user
        for name, value in view_kwargs.items():
            if not (name.endswith("_pk") or name in ("pk", "object_id")):
                continue
            check = SCOPE_CHECKS.get(name)
            if check is None:
                logger.error("URL %s has an unguarded id keyword %r", match.route, name)
                raise Http404
            if not isinstance(value, uuid.UUID) and parse_id(value) is None:
                raise Http404
            if not user.is_authenticated or not check(user, value, view_kwargs):
                if name in CASE_KEYS:
                    record_refusal(request, view_kwargs)
                raise Http404
        return None
