"""Inbox, queue and case list of three kinds of staff, and the supervisors'
overdue list (逾期督办), next to the floor.

Each page is requested through the whole Django stack in-process (middleware,
permission checks, selectors, templates): that is the server time. The floor
is one hand-written SQL query returning the same rows of the same page.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client

from roles.models import Post, Region
from roles.scope import user_posts
from workflows.dibao.flows import DibaoFlow

from .measure import run_sql, time_calls

PAGE_SIZE = 30

ROLES = [
    ("village_coordinator", "village", "村（社区）协理员"),
    ("town_caseworker", "town", "镇（街道）经办人员"),
    ("district_reviewer", "district", "区（市）审核确认人员"),
]

# supervisors: the overdue list of their level (roles/lateness.py)
SUPERVISORS = [
    ("town_supervisor", "town", "镇（街道）分管负责人"),
    ("district_supervisor", "district", "区（市）民政局负责人"),
]
OVERDUE_PAGE_SIZE = 50  # workflows.work.views.OverdueView.paginate_by

TASK_COLUMNS = """
    t.id, t.process_id, t.flow_task, c.process_ptr_id, r.name, rp.name, m.name,
    COALESCE(d.due_on, c.due_on) AS due
FROM viewflow_task t
JOIN viewflow_process p ON p.id = t.process_id
JOIN workflows_case c ON c.process_ptr_id = t.process_id
JOIN roles_region r ON r.id = c.region_id
JOIN roles_region rp ON rp.id = r.parent_id
JOIN workflows_application a ON a.case_ptr_id = c.process_ptr_id
JOIN workflows_member m ON m.id = a.applicant_id
LEFT JOIN workflows_taskdeadline d ON d.task_id = t.id
"""
TASK_ORDER = " ORDER BY due ASC NULLS LAST, t.created ASC LIMIT %s"


def overdue_floor_sql(user, ladder):
    """The overdue list's rows in one query: open human tasks under the
    user's supervisor posts, past their deadline (the task's own, else the
    case's), whose step has reached the post's level (the ladder's cutoffs)."""
    from django.db import connection

    from workflows.work.lateness import MANAGE

    day = connection.ops.adapt_datefield_value
    due_at = "(CASE WHEN d.task_id IS NOT NULL THEN d.due_at ELSE c.due_at END)"
    due_on = "COALESCE(d.due_on, c.due_on)"
    clauses, params = [], []
    for post in user_posts(user):
        if MANAGE not in post.perms or post.level not in ladder.levels:
            continue
        index = ladder.levels.index(post.level)
        reached, post_params = [], [post.path + "%"]
        for start in ladder.levels[: index + 1]:
            climbed = index - ladder.levels.index(start)
            if climbed > len(ladder.cutoffs):
                continue
            perms = ladder.perms_first_at(start) or [""]
            where = f"t.owner_permission IN ({', '.join(['%s'] * len(perms))})"
            post_params += perms
            if climbed:
                cutoff = ladder.cutoffs[climbed - 1]
                where += (
                    f" AND (({due_at} IS NOT NULL AND {due_on} <= %s)"
                    f" OR ({due_at} IS NULL AND {due_on} <= %s))"
                )
                post_params += [day(cutoff), day(cutoff - datetime.timedelta(days=1))]
            reached.append(f"({where})")
        clauses.append(f"(r.path LIKE %s AND ({' OR '.join(reached)}))")
        params += post_params
    now = connection.ops.adapt_datetimefield_value(ladder.now)
    sql = (
        "SELECT" + TASK_COLUMNS + "WHERE t.flow_task_type = 'HUMAN'"
        " AND t.status IN ('NEW', 'ASSIGNED', 'STARTED')"
        f" AND ({due_at} < %s OR ({due_at} IS NULL AND {due_on} < %s))"
        f" AND ({' OR '.join(clauses)})"
        " ORDER BY due ASC NULLS LAST, t.created ASC, t.id ASC LIMIT %s"
    )
    return sql, [now, day(ladder.today), *params, OVERDUE_PAGE_SIZE]


def floor_sql(page, user):
    """The one query that returns the rows of ``page`` for ``user``."""
    posts = user_posts(user)
    if page == "inbox":
        scope = " OR ".join(["r.path LIKE %s"] * len(posts))
        sql = (
            "SELECT"
            + TASK_COLUMNS
            + "WHERE t.owner_id = %s AND t.status IN ('ASSIGNED',"
            f" 'STARTED') AND ({scope})" + TASK_ORDER
        )
        return sql, [user.pk, *[p.path + "%" for p in posts], PAGE_SIZE]
    if page == "queue":
        clauses, params = [], []
        for post in posts:
            marks = ", ".join(["%s"] * len(post.perms))
            clauses.append(f"(t.owner_permission IN ({marks}) AND r.path LIKE %s)")
            params += sorted(post.perms) + [post.path + "%"]
        sql = (
            "SELECT"
            + TASK_COLUMNS
            + "WHERE t.flow_task_type = 'HUMAN' AND t.status = 'NEW'"
            f" AND ({' OR '.join(clauses)})" + TASK_ORDER
        )
        return sql, params + [PAGE_SIZE]
    scope = " OR ".join(["r.path LIKE %s"] * len(posts))
    sql = (
        "SELECT c.process_ptr_id, m.name, r.name, rp.name, a.stage, c.opened_on,"
        " c.due_on FROM workflows_application a"
        " JOIN workflows_case c ON c.process_ptr_id = a.case_ptr_id"
        " JOIN viewflow_process p ON p.id = c.process_ptr_id"
        " JOIN roles_region r ON r.id = c.region_id"
        " JOIN roles_region rp ON rp.id = r.parent_id"
        " JOIN workflows_member m ON m.id = a.applicant_id"
        f" WHERE {scope} ORDER BY p.created DESC LIMIT %s"
    )
    return sql, [p.path + "%" for p in posts] + [PAGE_SIZE]


PAGES = {
    "inbox": lambda: DibaoFlow.instance.reverse("inbox"),
    "queue": lambda: DibaoFlow.instance.reverse("queue"),
    "case list": lambda: DibaoFlow.instance.reverse("process_list"),
}


@dataclass
class PageResult:
    role: str
    label: str
    page: str
    region: str
    cases_in_scope: int
    page_p50: float
    page_p95: float
    page_queries: int
    floor_p50: float
    floor_p95: float

    @property
    def ratio(self):
        return self.page_p95 / self.floor_p95 if self.floor_p95 else float("inf")


LEVEL_KEY = {
    "village": "region",
    "town": "region__parent",
    "district": "region__parent__parent",
}


def busiest_user(role, level):
    """The holder of ``role`` with the most assigned tasks, in the region of
    ``level`` that has the most cases: the heaviest page there is."""
    from workflows.models import Case

    key = LEVEL_KEY[level]
    staffed = Post.objects.filter(role__code=role, region__level=level).values("region")
    top = (
        Case.objects.filter(**{f"{key}__in": staffed})
        .values(key)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    region = Region.objects.get(pk=top[key])
    user = (
        get_user_model()
        .objects.filter(posts__role__code=role, posts__region=region)
        .annotate(n=Count("task"))
        .order_by("-n", "pk")
        .first()
    )
    return user, region, top["n"]


def run(repeat=30):
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    results = []
    for role, level, label in ROLES:
        user, region, cases = busiest_user(role, level)
        client = Client()
        client.force_login(user)
        for page, url in PAGES.items():
            path = url()

            def request(client=client, path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            timing = time_calls(request, repeat=repeat)
            user = get_user_model().objects.get(pk=user.pk)
            sql, params = floor_sql(page, user)
            floor = time_calls(lambda s=sql, p=params: run_sql(s, p), repeat=repeat)
            results.append(
                PageResult(
                    role,
                    label,
                    page,
                    region.name,
                    cases,
                    timing.p50,
                    timing.p95,
                    timing.queries,
                    floor.p50,
                    floor.p95,
                )
            )
    for role, level, label in SUPERVISORS:
        results.append(_overdue_page(role, level, label, repeat))
    return results


def _overdue_page(role, level, label, repeat):
    """The supervisors' overdue list, next to its floor."""
    from django.db import connection

    from workflows.work.lateness import Ladder
    from workflows.work.selectors import overdue_tasks

    user, region, cases = busiest_user(role, level)
    client = Client()
    client.force_login(user)

    def request():
        response = client.get("/work/overdue/")
        assert response.status_code == 200, response.status_code

    timing = time_calls(request, repeat=repeat)
    user = get_user_model().objects.get(pk=user.pk)
    ladder = Ladder.at()
    sql, params = overdue_floor_sql(user, ladder)
    # the floor is the same list: the same tasks as the selector's first page
    page = overdue_tasks(user, ladder)[:OVERDUE_PAGE_SIZE]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert {row[0] for row in cursor.fetchall()} == {t.pk for t in page}
    floor = time_calls(lambda: run_sql(sql, params), repeat=repeat)
    return PageResult(
        role,
        label,
        "overdue",
        region.name,
        cases,
        timing.p50,
        timing.p95,
        timing.queries,
        floor.p50,
        floor.p95,
    )
