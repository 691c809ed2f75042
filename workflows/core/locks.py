"""One lock order for every path that changes a task.

A case's ``viewflow_process`` row is its lock. Every path that changes a task
takes it first — viewflow's own task views and timers (through ``CaseLock``,
every flow's ``lock_impl``), and the project's services (``lock_tasks``):
the case's process row, then its task rows; when several cases are involved,
their process rows together in ascending pk order, then the task rows in
ascending pk order. Whatever a path decides, it decides on rows read after the
lock was granted (under READ COMMITTED a statement issued after the grant sees
every commit made before it).

The lock is ``SELECT … FOR UPDATE NOWAIT``, retried with a short growing pause
for up to ``settings.CASE_LOCK_WAIT`` seconds, then ``CaseBusy`` (a
``FlowLockFailed``: viewflow's timers skip the task until the next sweep; a
request gets the 409 page, see ``middleware``). Each attempt runs in its own
savepoint, so a refused attempt inside a larger transaction can be retried
(viewflow's ``SelectForUpdateLock`` swallows the error inside the savepoint and
then fails on PostgreSQL's aborted transaction instead of retrying).

On SQLite ``FOR UPDATE`` is ignored: IMMEDIATE transactions serialise writers.

``checkpoint(name, **context)`` marks the points a race test may pause at (see
docs/race-tests.md); in production it is one dictionary lookup.
"""

import random
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Process, Task

# PostgreSQL: lock_not_available (NOWAIT refused), deadlock_detected
BUSY_SQLSTATES = {"55P03", "40P01"}
DEFAULT_WAIT = 5.0  # seconds; viewflow's own lock gives up after 2–10 s


class CaseBusy(FlowLockFailed):
    """The case stayed locked by someone else for the whole wait."""

    message = _("案件正在由他人办理，请稍后重试。")

    def __init__(self, process_pks=()):
        super().__init__(f"Lock failed for processes {list(process_pks)}")
        self.process_pks = list(process_pks)


# --- checkpoints (test hooks) ---------------------------------------------------

_hooks = {}


def checkpoint(name, **context):
    """A named point on a locking path. Does nothing unless a test registered
    a callback for ``name`` with ``hooked``; the callback may block (to pause
    this path while another runs) or raise (to inject a failure)."""
    callbacks = _hooks.get(name)
    if callbacks:
        for callback in tuple(callbacks):
            callback(name, **context)


@contextmanager
def hooked(name, callback):
    """Call ``callback(name, **context)`` at every ``checkpoint(name)`` while
    the block runs (any thread). For tests."""
    _hooks.setdefault(name, []).append(callback)
    try:
        yield callback
    finally:
        _hooks[name].remove(callback)
        if not _hooks[name]:
            del _hooks[name]


# --- the lock -----------------------------------------------------------------


def _busy(error):
    return getattr(error.__cause__, "sqlstate", None) in BUSY_SQLSTATES


def lock_cases(process_pks, *, also=None):
    """Lock the process rows ``process_pks`` (and those of the queryset of
    process pks ``also``) in ascending pk order, in the current transaction;
    return the pks locked. Waits up to ``settings.CASE_LOCK_WAIT`` seconds,
    then raises ``CaseBusy``. The locks last until the transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_cases() must run inside transaction.atomic()")
    pks = sorted(set(process_pks))
    rows = Process.objects.filter(pk__in=pks)
    if also is not None:
        rows = rows | Process.objects.filter(pk__in=also)
    rows = rows.order_by("pk").select_for_update(nowait=True)
    wait = getattr(settings, "CASE_LOCK_WAIT", DEFAULT_WAIT)
    deadline = time.monotonic() + wait
    pause = 0.02
    checkpoint("case.locking", pks=pks)
    while True:
        try:
            with transaction.atomic():  # a refused attempt rolls back only itself
                locked = list(rows.values_list("pk", flat=True))
            break
        except OperationalError as error:
            if not _busy(error):
                raise
            checkpoint("case.busy", pks=pks)
            if time.monotonic() + pause > deadline:
                raise CaseBusy(pks) from error
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.4)
    checkpoint("case.locked", pks=locked)
    return locked


class CaseLock:
    """Every flow's ``lock_impl``: the case's process row, with the rows of
    the cases its steps report back to (``Flow.lock_also``), in pk order."""

    @contextmanager
    def __call__(self, flow_class, process_pk):
        with transaction.atomic():
            lock_cases([process_pk], also=flow_class.instance.lock_also(process_pk))
            yield


case_lock = CaseLock()


def lock_tasks(tasks):
    """Lock the cases of ``tasks`` (task pks, or a ``Task`` queryset), then the
    task rows; return the tasks re-read under the lock, in pk order, with
    their process and owner. A queryset is filtered again after the lock, so
    a task that no longer matches (completed, taken, moved a moment ago) is
    left out. Call inside ``transaction.atomic()``."""
    if isinstance(tasks, QuerySet):
        candidates = tasks
    else:
        candidates = Task.objects.filter(pk__in=list(tasks))
    rows = list(candidates.values_list("pk", "process_id"))
    ids = [pk for pk, _case in rows]
    lock_cases({case for _pk, case in rows})
    locked = list(
        candidates.filter(pk__in=ids)
        .select_for_update(of=("self",))
        .select_related("process", "owner")
        .order_by("pk")
    )
    checkpoint("tasks.locked", pks=[t.pk for t in locked])
    return locked


def lock_task(task):
    """Lock one task's row (its case must already be locked by this
    transaction, e.g. by ``flow_class.lock``) and refresh ``task`` from it."""
    task.refresh_from_db(
        from_queryset=type(task)._default_manager.select_for_update(of=("self",))
    )
    checkpoint("tasks.locked", pks=[task.pk])
    return task
