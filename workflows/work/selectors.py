"""Reads for supervisors: the people, tasks and grants of the regions they manage."""

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from roles.models import Absence, CaseGrant
from roles.scope import user_posts
from roles.workspace import MANAGE, managed_paths, staff_of, under
from workflows.core.programmes import subject_joins

from .lateness import Ladder, overdue_q, with_due


def case_subject_joins():
    """Joins for ``case.subject`` (the person a case is about, whatever its
    kind), from a task."""
    return subject_joins("process__case__")


OPEN = [STATUS.ASSIGNED, STATUS.STARTED]


def managed_people(manager, with_task_holders=False):
    """Active staff with a post in the manager's regions (one query). With
    ``with_task_holders``, also anyone else holding an open task of a case
    there (a member unit's staff, a colleague covering one case through a
    grant): the workload must show their work too."""
    users = staff_of(manager)
    if with_task_holders and not manager.is_superuser:
        holding = managed_tasks(manager).filter(status__in=OPEN)
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(pk__in=users.values("pk")) | Q(pk__in=holding.values("owner")))
        )
    return users.distinct().order_by("first_name", "username")


def managed_tasks(manager):
    """Human tasks of cases in the manager's regions, with their due date
    (``due_on``; ``due_at`` for limits in hours: ``lateness.with_due``)."""
    tasks = Task.objects.filter(flow_task_type="HUMAN")
    if not manager.is_superuser:
        tasks = tasks.filter(
            under(managed_paths(manager), "process__case__region__path")
        )
    return with_due(tasks)


def workload(manager, soon_until, now=None):
    """Per person: open, due soon and overdue tasks; and the unassigned queue."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    late = overdue_q(now)
    counts = {
        "open": Count("pk"),
        "soon": Count(
            "pk", filter=Q(due_on__gte=today, due_on__lte=soon_until) & ~late
        ),
        "overdue": Count("pk", filter=late),
    }
    tasks = managed_tasks(manager)
    by_owner = {
        row["owner"]: row
        for row in tasks.filter(status__in=OPEN).values("owner").annotate(**counts)
    }
    queue = tasks.filter(status=STATUS.NEW).aggregate(**counts)
    away = dict(
        Absence.objects.on(today).values_list("user_id", "substitute__first_name")
    )
    people = []
    for person in managed_people(manager, with_task_holders=True).prefetch_related(
        "posts__region", "posts__role", "groups"
    ):
        row = by_owner.get(person.pk, {"open": 0, "soon": 0, "overdue": 0})
        people.append(
            {
                "user": person,
                "posts": [p for p in person.posts.all() if p.is_active],
                "groups": [g.name for g in person.groups.all()],
                "away_substitute": away.get(person.pk),
                **row,
            }
        )
    people.sort(key=lambda r: (-r["overdue"], -r["open"]))
    return people, queue


def due_years(manager):
    """The years the open tasks' deadlines in the manager's regions fall in
    (one query): the workload page warns of those whose calendar is not
    confirmed."""
    return list(
        managed_tasks(manager)
        .filter(status__in=[STATUS.NEW, *OPEN], due_on__isnull=False)
        .annotate(due_year=ExtractYear("due_on"))
        .order_by()
        .values_list("due_year", flat=True)
        .distinct()
    )


def open_tasks_of(manager, person=None):
    tasks = managed_tasks(manager).select_related(
        *case_subject_joins(),
        "process__case__region__parent",
        "owner",
    )
    if person is None:
        tasks = tasks.filter(status=STATUS.NEW)
    else:
        tasks = tasks.filter(owner=person, status__in=OPEN)
    return tasks.order_by(F("due_on").asc(nulls_last=True), "created")


def overdue_tasks(manager, ladder=None):
    """Open tasks overdue in the manager's regions that have reached a level
    the manager supervises there (``lateness``: a town step is on the town
    supervisor's list at once, on the district's after the bureau's delay),
    in SQL: per post, its region and the ladder's rule for its level."""
    ladder = ladder or Ladder.at()
    tasks = managed_tasks(manager).filter(
        overdue_q(ladder.now), status__in=[STATUS.NEW, *OPEN]
    )
    if not manager.is_superuser:
        reached = Q(pk__in=[])
        for post in user_posts(manager):
            if MANAGE in post.perms:
                reached |= Q(
                    process__case__region__path__startswith=post.path
                ) & ladder.reached_q(post.level)
        tasks = tasks.filter(reached)
    return tasks.select_related(
        *case_subject_joins(), "process__case__region__parent", "owner"
    ).order_by(F("due_on").asc(nulls_last=True), "created", "pk")


def grants_in_scope(manager):
    grants = CaseGrant.objects.select_related(
        "user", "permission", "granted_by", "content_object__region"
    )
    if not manager.is_superuser:
        grants = grants.filter(
            under(managed_paths(manager), "content_object__region__path")
        )
    return grants.order_by("-granted_at")


def absences_in_scope(manager):
    absences = Absence.objects.select_related("user", "substitute", "created_by")
    if not manager.is_superuser:
        absences = absences.filter(user__in=managed_people(manager).values("pk"))
    return absences.order_by("-starts_on")
