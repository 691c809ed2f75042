"""Lateness climbs (逾期督办): which supervisors answer for an overdue task.

A task is **overdue** when its deadline has passed: its own (``TaskDeadline``)
or, for a step without one, the case's overall limit. A deadline in hours is
overdue once its moment has passed (``due_at < now``), one in days once its
day is over (``due_on < today``, local date).

Who answers for it climbs the region tree:

- **The step's level** is the deepest level where a role holding the step's
  permission may hold a post (``ROLE_LEVELS``, read from the roles' live
  permissions): accepting an application is a town step, confirming it a
  district step. A step no role holds (a member unit's statement, given to
  the unit by grant) takes the level of the roles that may give it (the
  flow's grant map).
- **The ladder** is the levels whose supervisors (roles holding
  ``workflows.manage_case``) cover a case, from the step's level up: a town
  step is supervised by the town, then the district, then the city; a village
  step starts at the town, where the nearest supervisor sits.
- **The climb**: an overdue task is on the first rung's list at once; each
  ``late_to_next_level`` (a dated ``TimeLimit``, the bureau's own rule) after
  the day it fell overdue it reaches the next rung. Rungs below stay: the
  town supervisor still sees the town's task after the district does.

Both the supervisors' overdue list (in SQL, ``Ladder.reached_q``) and the
notifications the timer dispatcher sends (``Ladder.climbed``) read this one
rule, so the list and the notices agree.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Case, Exists, F, OuterRef, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from roles.models import LEVEL_DEPTH, ROLE_LEVELS, Post, Role
from workflows.clock.models import TimeLimit
from workflows.clock.services import MissingTimeLimit, time_limit, working_days_before

logger = logging.getLogger(__name__)

MANAGE = "workflows.manage_case"
LATE_TO_NEXT_LEVEL = TimeLimit.Code.LATE_TO_NEXT_LEVEL


def with_due(tasks):
    """Annotate ``due_on`` / ``due_at``: the task's own deadline, else the
    case's overall limit (``due_at`` only for limits in hours); and
    ``clock_paused``: the case's clocks stand still (waiting for the
    applicant) since a day the deadline was still running, so it will move
    on when they resume. A pause begun after the deadline passed stops
    nothing of it (``clock.services.due_after``): that task stays late."""
    ClockPause = apps.get_model("workflows", "ClockPause")
    tasks = tasks.annotate(
        due_on=Coalesce(F("deadline__due_on"), F("process__case__due_on")),
        due_at=Case(
            When(deadline__due_on__isnull=False, then=F("deadline__due_at")),
            default=F("process__case__due_at"),
        ),
    )
    return tasks.annotate(
        clock_paused=Exists(
            ClockPause.objects.filter(
                case_id=OuterRef("process_id"),
                ends_on__isnull=True,
                starts_on__lte=OuterRef("due_on"),
            )
        ),
    )


def overdue_q(now):
    """SQL filter (on ``with_due`` rows): the deadline has passed at ``now``
    and the case's clocks are running — or were when it passed (a pause
    stops a deadline in days that was still running when it began; a limit
    in hours is never paused)."""
    passed_at = Q(due_at__lt=now)
    passed_on = Q(
        due_at__isnull=True,
        due_on__lt=timezone.localdate(now),
        clock_paused=False,
    )
    return passed_at | passed_on


def overdue_day(due_on, due_at):
    """The first day a task is late: the day its moment passed, or the day
    after its last day."""
    if due_at is not None:
        return timezone.localtime(due_at).date()
    return due_on + datetime.timedelta(days=1)


def _deepest(levels):
    return max(levels, key=LEVEL_DEPTH.__getitem__) if levels else None


def _role_levels():
    """``{permission: step level}`` from the roles' live permissions, and the
    supervising levels (deepest first): one query."""
    by_perm, supervising = {}, set()
    rows = Role.objects.values_list(
        "code",
        "permissions__content_type__app_label",
        "permissions__codename",
    )
    for code, app_label, codename in rows:
        if not codename:
            continue
        perm = f"{app_label}.{codename}"
        levels = ROLE_LEVELS.get(code, [])
        by_perm.setdefault(perm, set()).update(levels)
        if perm == MANAGE:
            supervising.update(levels)
    steps = {perm: _deepest(levels) for perm, levels in by_perm.items()}
    for perm, levels in _granted_only_levels(steps).items():
        steps[perm] = _deepest(levels)
    order = sorted(supervising, key=LEVEL_DEPTH.__getitem__, reverse=True)
    return steps, order


def _granted_only_levels(known):
    """Steps no role holds: the levels of the roles that may give them."""
    from workflows.core.flow import project_flows

    found = {}
    for flow_class in project_flows():
        for rule in getattr(flow_class, "grant_rules", ()):
            for perm in rule.perms - set(known):
                for role in rule.by:
                    found.setdefault(perm, set()).update(ROLE_LEVELS.get(role, []))
    return found


@dataclass
class Ladder:
    """The climbing rule at one moment: step levels, supervising levels and
    the latest overdue day that has climbed each rung."""

    now: datetime.datetime
    steps: dict  # {permission: the step's level}
    levels: list  # supervising levels, deepest first ("town", "district", "city")
    limit: TimeLimit | None  # late_to_next_level in force (None: no climbing)
    cutoffs: list = field(default_factory=list)  # [latest overdue day of rung 1, …]

    @classmethod
    def at(cls, now=None):
        now = now or timezone.now()
        steps, levels = _role_levels()
        today = timezone.localdate(now)
        try:
            limit = time_limit(LATE_TO_NEXT_LEVEL, today)
        except MissingTimeLimit:
            logger.warning(
                "no %s in force on %s: overdue tasks do not climb",
                LATE_TO_NEXT_LEVEL,
                today,
            )
            limit = None
        ladder = cls(now, steps, levels, limit)
        if limit is not None:
            ladder.cutoffs = [
                ladder._cutoff(limit.amount * k) for k in range(1, len(levels))
            ]
        return ladder

    @property
    def today(self):
        return timezone.localdate(self.now)

    def _cutoff(self, amount):
        """The latest overdue day from which ``amount`` (the parameter's unit)
        has passed by now."""
        today = self.today
        unit = self.limit.unit
        if unit == TimeLimit.Unit.WORKING_DAYS:
            return working_days_before(today, amount)
        if unit == TimeLimit.Unit.DAYS:
            return today - datetime.timedelta(days=amount)
        # hours: counted from the start of the overdue day (a day's precision)
        return timezone.localdate(self.now - datetime.timedelta(hours=amount))

    # --- one task ----------------------------------------------------------
    def first_level(self, perm):
        """The first rung of a step: its level, or the nearest supervising
        level above it (a village step is supervised by the town)."""
        level = self.steps.get(perm)
        for rung in self.levels:
            if level is None or LEVEL_DEPTH[rung] <= LEVEL_DEPTH[level]:
                return rung
        return self.levels[-1] if self.levels else None

    def rungs_above(self, perm):
        """The rungs of a step's ladder, from its first."""
        first = self.first_level(perm)
        return self.levels[self.levels.index(first) :] if first else []

    def climbed(self, due_on, due_at):
        """How many rungs past the first an overdue task has climbed."""
        day = overdue_day(due_on, due_at)
        return sum(1 for cutoff in self.cutoffs if day <= cutoff)

    def reached(self, perm, due_on, due_at):
        """The level an overdue task has reached, and whether it climbed."""
        rungs = self.rungs_above(perm)
        if not rungs:
            return None, False
        k = min(self.climbed(due_on, due_at), len(rungs) - 1)
        return rungs[k], k > 0

    # --- lists, in SQL -------------------------------------------------------
    def perms_first_at(self, level):
        """The steps whose ladder starts at ``level``."""
        return sorted(p for p in self.steps if self.first_level(p) == level)

    def _climbed_q(self, k):
        """SQL (on ``with_due`` rows): climbed at least ``k`` rungs."""
        if k == 0:
            return Q()
        if k > len(self.cutoffs):
            return Q(pk__in=[])
        cutoff = self.cutoffs[k - 1]
        return Q(due_at__isnull=False, due_on__lte=cutoff) | Q(
            due_at__isnull=True, due_on__lte=cutoff - datetime.timedelta(days=1)
        )

    def reached_q(self, level):
        """SQL (on overdue ``with_due`` task rows): tasks whose ladder passes
        ``level`` and that have reached it."""
        if level not in self.levels:
            return Q(pk__in=[])
        q = Q(pk__in=[])
        index = self.levels.index(level)
        deepest = self.levels[0]
        for start in self.levels[: index + 1]:
            perms = Q(owner_permission__in=self.perms_first_at(start))
            if start == deepest:  # steps of no known level start at the bottom
                perms |= ~Q(owner_permission__in=sorted(self.steps)) | Q(
                    owner_permission__isnull=True
                )
            q |= perms & self._climbed_q(index - self.levels.index(start))
        return q


def supervisors(now=None):
    """``{(level, region path): [user ids]}`` of the active supervisors' posts
    (roles holding the manage permission): one query, a few hundred rows for
    a whole city."""
    app_label, codename = MANAGE.split(".")
    on = timezone.localdate(now or timezone.now())
    rows = (
        Post.objects.active(on)
        .filter(
            user__is_active=True,
            role__permissions__content_type__app_label=app_label,
            role__permissions__codename=codename,
        )
        .values_list("region__level", "region__path", "user_id")
        .distinct()
    )
    found = {}
    for level, path, user_id in rows:
        found.setdefault((level, path), []).append(user_id)
    return found
