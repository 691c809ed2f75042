"""Scoped lists vs the stock per-object path, for the busiest district user.

The stock path is what viewflow and django-guardian do when access is held as
per-object rows: one guardian row per case (and permission), tasks carrying
their permission object; viewflow's ``Task.objects.queue`` loads the user's
rows into Python and filters on them, guardian's ``get_objects_for_user``
scopes the case list. Ours is one region-path filter in SQL. The third column
is the same list with no permission filter at all.

Each measurement is the data of one page (the first 30 rows and the total
count), with a fresh user object per call, as in a new request.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.core.selectors import cases_visible_to, task_queue
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application
from workflows.models import Case

from .load import TableWriter, next_id
from .measure import time_calls

PAGE = 30
STOCK_REPEAT = 3
STOCK_PERMS = [
    "view_application",
    "crosscheck_application",
    "confirm_application",
]


@dataclass
class PermissionResult:
    page: str
    cases: int
    guardian_rows: int
    ours_p50: float
    ours_p95: float
    ours_queries: int
    stock_p50: float
    stock_p95: float
    stock_queries: int
    bare_p50: float
    bare_p95: float

    @property
    def stock_ratio(self):
        return self.stock_p50 / self.ours_p50

    @property
    def bare_ratio(self):
        return self.ours_p50 / self.bare_p50


def grant_per_object(user, region):
    """The stock model: a guardian row per case and permission, and each open
    task pointing at its case as the permission object."""
    cases = list(
        Case.objects.filter(region__path__startswith=region.path).values_list(
            "pk", flat=True
        )
    )
    ct = ContentType.objects.get_for_model(Application)
    perms = Permission.objects.filter(content_type=ct, codename__in=STOCK_PERMS)
    columns = ["id", "object_pk", "content_type_id", "permission_id", "user_id"]
    writer = TableWriter(UserObjectPermission._meta.db_table, columns)
    pk = next_id(UserObjectPermission._meta.db_table)
    with transaction.atomic():
        for case_id in cases:
            for perm in perms:
                writer.add([pk, str(case_id), ct.pk, perm.pk, user.pk])
                pk += 1
        writer.flush()
        Task.objects.filter(process_id__in=cases).update(
            owner_permission_content_type=ct, owner_permission_obj_pk=F("process_id")
        )
    return len(cases), writer.written


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def _page(queryset, *ordering):
    rows = list(queryset.order_by(*ordering)[:PAGE])
    return rows, queryset.count()


def stock_user(region):
    """The district user as the stock model has them: no post, the model-wide
    view permission (so viewflow opens its lists) and per-object rows."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"b_stock_{region.code}")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="workflows", codename="view_application"
        )
    )
    return user


def run(user, region, repeat=20):
    stock = stock_user(region)
    cases, rows = grant_per_object(stock, region)
    due = Coalesce(F("deadline__due_on"), F("process__case__due_on"))
    scoped_queue = {
        "ours": lambda: _page(
            task_queue(_fresh(user)).annotate(due_on=due),
            F("due_on").asc(nulls_last=True),
        ),
        "stock": lambda: _page(
            Task.objects.queue([DibaoFlow], _fresh(stock)), "-created"
        ),
        "bare": lambda: _page(
            Task.objects.filter(
                flow_task_type="HUMAN",
                status=STATUS.NEW,
                process__flow_class=DibaoFlow,
            ).annotate(due_on=due),
            F("due_on").asc(nulls_last=True),
        ),
    }
    case_list = {
        "ours": lambda: _page(cases_visible_to(_fresh(user), Application), "-created"),
        "stock": lambda: _page(
            get_objects_for_user(
                _fresh(stock),
                "workflows.view_application",
                klass=Application,
                accept_global_perms=False,
            ),
            "-created",
        ),
        "bare": lambda: _page(Application.objects.all(), "-created"),
    }
    results = []
    for page, calls in (("queue", scoped_queue), ("case list", case_list)):
        t = {
            "ours": time_calls(calls["ours"], repeat=repeat),
            "bare": time_calls(calls["bare"], repeat=repeat),
            # the stock path can take a minute a call at city scale: a few calls
            "stock": time_calls(calls["stock"], repeat=STOCK_REPEAT, warmup=0),
        }
        stock_queries = t["stock"].queries
        results.append(
            PermissionResult(
                page,
                cases,
                rows,
                t["ours"].p50,
                t["ours"].p95,
                t["ours"].queries,
                t["stock"].p50,
                t["stock"].p95,
                stock_queries,
                t["bare"].p50,
                t["bare"].p95,
            )
        )
    return results
