"""Reminders and lateness notices, made by the timer dispatcher's sweep.

Each sweep plans the notifications the present moment calls for and creates
those nobody has received yet (``services.notifications_create``: one per
person and event key, whatever the number of sweeps), then sends pending
deliveries. Every function takes ``now`` so tests and catch-up runs can say
when "now" is.

**Reminders** (``remind_before``, a dated ``TimeLimit``, the bureau's rule):
a task due on a day is reminded from ``remind_before`` before that day (2
working days: a task due Friday is reminded on Wednesday); a task due at a
moment (limits in hours) when a quarter of its span, and at least 2 hours,
is left (a 24-hour limit: 6 hours before). The key carries the deadline, so
a deadline moved later reminds again. Who is reminded: the holder of an
assigned task; for a task still in the queue, everyone who could take it
(``workflows.work.services.eligible_assignees``: posts covering the case with the
step's permission, grants, minus duty conflicts) — once per task and
deadline, so a person given a post later is not reminded of old work.

**Lateness** (``workflows.work.lateness``): an overdue task is notified to the
supervisors of its first rung (and to its holder), then to each next rung's
supervisors when it climbs there. A sweep that finds a task already several
rungs up (the dispatcher was stopped) tells the rung it has reached, not
the ones it passed meanwhile: their lists show it.

A case whose clocks are paused (waiting for the applicant) reminds and
reports nobody until it resumes and its deadlines move on.
"""

import datetime
import logging

from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from roles.scope import ancestor_paths
from workflows.work.lateness import Ladder, overdue_q, supervisors, with_due

from ..clock.models import TimeLimit
from ..clock.services import MissingTimeLimit, add_working_days, time_limit
from ..core.sweeps import sweep
from .models import Notification
from .services import Planned, deliveries_send, notifications_create

logger = logging.getLogger(__name__)

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
HELD = [STATUS.ASSIGNED, STATUS.STARTED]
# limits in hours: remind when this share of the span is left, at least MIN_AHEAD
SHARE_AHEAD = 0.25
MIN_AHEAD = datetime.timedelta(hours=2)
# the longest limit in hours is 365 h (TimeLimit.amount): a quarter is < 4 days
LONGEST_AHEAD = datetime.timedelta(days=4)
Kind = Notification.Kind


def _open_tasks():
    return with_due(Task.objects.filter(flow_task_type="HUMAN", status__in=OPEN))


def _due_key(due_on, due_at):
    if due_at is not None:
        return due_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    return due_on.isoformat()


def _due_params(due_on, due_at):
    return {
        "due_on": due_on.isoformat(),
        "due_at": due_at.isoformat() if due_at is not None else None,
    }


def _remind_until(limit, now):
    """The last due day a reminder is sent for today."""
    today = timezone.localdate(now)
    if limit.unit == TimeLimit.Unit.WORKING_DAYS:
        return add_working_days(today, limit.amount)
    if limit.unit == TimeLimit.Unit.DAYS:
        return today + datetime.timedelta(days=limit.amount)
    return timezone.localdate(now + datetime.timedelta(hours=limit.amount))


def _moment_is_near(row, now):
    """A deadline in hours: a quarter of its span left (at least 2 hours)."""
    start = (
        row["deadline__starts_at"]
        if row["deadline__due_on"] is not None
        else row["process__case__clock_started_at"]
    )
    ahead = MIN_AHEAD
    if start is not None and row["due_at"] > start:
        ahead = max(ahead, (row["due_at"] - start) * SHARE_AHEAD)
    return row["due_at"] - now <= ahead


def plan_reminders(now) -> list[Planned]:
    today = timezone.localdate(now)
    try:
        limit = time_limit(TimeLimit.Code.REMIND_BEFORE, today)
    except MissingTimeLimit:
        logger.warning("no remind_before in force on %s: no reminders", today)
        return []
    near = Q(due_at__isnull=True, due_on__gte=today) & Q(
        due_on__lte=_remind_until(limit, now)
    )
    near |= Q(due_at__gt=now, due_at__lte=now + LONGEST_AHEAD)
    rows = (
        _open_tasks()
        .filter(near, clock_paused=False)
        .values(
            "pk",
            "process_id",
            "status",
            "owner_id",
            "owner__is_active",
            "due_on",
            "due_at",
            "deadline__due_on",
            "deadline__starts_at",
            "process__case__clock_started_at",
        )
    )
    planned, queued = [], []
    for row in rows:
        if row["due_at"] is not None and not _moment_is_near(row, now):
            continue
        key = f"remind:{row['pk']}:{_due_key(row['due_on'], row['due_at'])}"
        params = _due_params(row["due_on"], row["due_at"])
        if row["status"] in HELD and row["owner_id"]:
            if row["owner__is_active"]:
                planned.append(
                    Planned(
                        row["owner_id"],
                        Kind.REMINDER,
                        key,
                        row["process_id"],
                        row["pk"],
                        params,
                    )
                )
        elif row["status"] == STATUS.NEW:
            queued.append((row, key, params))
    planned += _queue_reminders(queued)
    return planned


def _queue_reminders(queued):
    """Everyone who could take a queued task, once per task and deadline."""
    from workflows.work.services import eligible_assignees

    if not queued:
        return []
    keys = [key for _, key, _ in queued]
    told = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    todo = [(row, key, params) for row, key, params in queued if key not in told]
    tasks = Task.objects.in_bulk([row["pk"] for row, _, _ in todo])
    planned = []
    for row, key, params in todo:
        for user in eligible_assignees(tasks[row["pk"]]):
            planned.append(
                Planned(
                    user.pk, Kind.REMINDER, key, row["process_id"], row["pk"], params
                )
            )
    return planned


def plan_lateness(now) -> list[Planned]:
    ladder = Ladder.at(now)
    staff = supervisors(now)
    rows = (
        _open_tasks()
        .filter(overdue_q(now))
        .values_list(
            "pk",
            "process_id",
            "status",
            "owner_id",
            "owner__is_active",
            "owner_permission",
            "due_on",
            "due_at",
            "process__case__region__path",
        )
    )
    planned = []
    for pk, case_id, status, owner_id, active, perm, due_on, due_at, path in rows:
        rungs = ladder.rungs_above(perm)
        if not rungs:
            continue
        climbed = min(ladder.climbed(due_on, due_at), len(rungs) - 1)
        level = rungs[climbed]
        due = _due_key(due_on, due_at)
        params = {**_due_params(due_on, due_at), "level": level}
        if climbed:
            params["days"] = ladder.limit.amount * climbed
            params["unit"] = ladder.limit.unit
        kind = Kind.OVERDUE_ESCALATED if climbed else Kind.OVERDUE
        key = f"late:{pk}:{due}:{level}"
        for path_above in ancestor_paths(path):
            for user_id in staff.get((level, path_above), []):
                planned.append(Planned(user_id, kind, key, case_id, pk, params))
        if status in HELD and owner_id and active:
            first = {**_due_params(due_on, due_at), "level": rungs[0]}
            planned.append(
                Planned(
                    owner_id,
                    Kind.OVERDUE,
                    f"late:{pk}:{due}:{rungs[0]}",
                    case_id,
                    pk,
                    first,
                )
            )
    return planned


def remind(*, now=None) -> int:
    """Create the reminders due at ``now``; returns how many."""
    now = now or timezone.now()
    return len(notifications_create(planned=plan_reminders(now), now=now))


def report_lateness(*, now=None) -> int:
    """Create the lateness notices due at ``now``; returns how many."""
    now = now or timezone.now()
    return len(notifications_create(planned=plan_lateness(now), now=now))


@sweep
def reminders():
    return remind()


@sweep
def lateness():
    return report_lateness()


@sweep
def deliveries():
    return deliveries_send()
