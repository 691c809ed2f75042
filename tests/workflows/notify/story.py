"""An accepted 低保 case of 龚庄村 whose deadlines a test sets, and moments
in a plain week (no holiday, no make-up workday) to look at it from."""

import datetime

from django.utils import timezone

from tests.workflows.dibao.desk import Desk, accept, open_task, submit
from workflows.core.models import TaskDeadline
from workflows.dibao.flows import DibaoFlow

FAR = datetime.date(2027, 6, 30)  # a deadline no test reaches


def day(d, hour=10, minute=0):
    """A local moment on 2026-12-``d`` (7 Mon … 11 Fri, 14 Mon … 18 Fri)."""
    return timezone.make_aware(datetime.datetime(2026, 12, d, hour, minute))


def accepted_case(cast):
    """A case whose home visit and neighbour visit the caseworker holds and
    whose cross-check waits in the district's queue; every deadline far."""
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    TaskDeadline.objects.filter(task__process_id=case.pk).update(due_on=FAR)
    case.due_on = FAR
    case.save(update_fields=["due_on"])
    return case


def tasks(case):
    return (
        open_task(case, DibaoFlow.home_visit),
        open_task(case, DibaoFlow.cross_check),
    )


def set_due(task, due_on, due_at=None):
    TaskDeadline.objects.filter(task=task).update(due_on=due_on, due_at=due_at)
