"""Running a job: the one ``execute``, and the runners that call it.

``execute(job_id)`` is what every runner does, whatever carries the message:
lock the job's row, stop if it is finished, else run the kind's steps, each
chunk and its progress in one transaction. It is safe to call twice for one
job, at once or one after the other: the second call waits for the row, then
finds the job finished or continues after the first's last commit.

Runners (``settings.JOBS_RUNNER``):

- ``celery``: a Celery task (``workflows.jobs.tasks``), acknowledged late and
  re-queued when its worker is lost: production and ``make serve``.
- ``thread``: one background thread of the process that committed the job:
  ``make run`` (SQLite, no broker). A job of a process that stops is picked
  up by the dispatcher's ``requeue_stale``.
- ``inline``: right after the commit, in the committing thread: the tests.

A job that fails (its step raised, or it was delivered too often) is marked
``FAILED`` in the runner's transaction; once that has committed, the kind's
``on_failure`` hook runs in a transaction of its own (``kinds.Kind``).

Every runner is called from ``transaction.on_commit``: a job queued in a
transaction that rolls back is never run, and no worker sees a job before
its row is committed.
"""

import datetime
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone

from ..base.context import acting
from .kinds import kind_of
from .models import ERROR_MAX, Job
from .progress import forget_progress

log = logging.getLogger(__name__)


def execute(job_id):
    """Run job ``job_id`` to its end, or continue it; its final state (or
    None if no such job was committed)."""
    go, state = _count_attempt(job_id)
    if not go:
        return state
    forget_progress(job_id)  # an earlier delivery's progress is gone with it
    while True:
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=job_id).first()
            if job is None:
                log.warning("job %s does not exist (rolled back?)", job_id)
                return None
            if job.finished:
                return job.state
            retry_later = _advance(job)
        if job.state == Job.State.FAILED:
            _after_failure(job)
        if job.finished or retry_later:
            return job.state


def _after_failure(job):
    """The kind's ``on_failure(job)``, in a transaction of its own, after the
    job's failure has committed; its exception is logged, never raised."""
    try:
        hook = kind_of(job.kind).on_failure
    except LookupError:
        return
    if hook is None:
        return
    try:
        with acting(job=f"job:{job.kind}", user=job.started_by):
            with transaction.atomic():
                hook(job)
    except Exception:
        log.exception("job %s (%s): on_failure failed", job.pk, job.kind)


def _count_attempt(job_id):
    """Count this delivery in a transaction of its own, before any chunk: a
    chunk that kills its worker rolls back, its delivery still counts. Past
    ``JOBS_MAX_ATTEMPTS`` the job fails instead of killing worker after worker
    (and the kind's ``on_failure`` runs once that is committed).
    Returns (run it?, the job's state or None for no such job)."""
    gave_up = False
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            log.warning("job %s does not exist (rolled back?)", job_id)
            return False, None
        if job.finished:
            return False, job.state
        job.attempts += 1
        if job.state == Job.State.QUEUED:  # a worker has it
            job.state, job.started_at = Job.State.RUNNING, timezone.now()
        if job.attempts > settings.JOBS_MAX_ATTEMPTS:
            job.state, job.finished_at = Job.State.FAILED, timezone.now()
            job.error = (
                f"gave up after {settings.JOBS_MAX_ATTEMPTS} deliveries "
                "(a chunk that ends its worker, or one that keeps failing)"
            )[:ERROR_MAX]
            gave_up = True
        job.updated = timezone.now()
        job.save()
    if gave_up:
        _after_failure(job)
    return not job.finished, job.state


def _advance(job):
    """One chunk of ``job`` (its row locked, inside the caller's transaction).
    True when the chunk met a passing database error (a deadlock, a
    serialization failure): nothing of it stays, the job stays as it was, and
    a later delivery (``requeue_stale``) runs the chunk again."""
    now = timezone.now()
    try:
        kind = kind_of(job.kind)
        with acting(job=f"job:{job.kind}", user=job.started_by):
            with transaction.atomic():  # a failed chunk leaves no effect
                step = kind.step(job)
    except OperationalError:
        log.warning(
            "job %s (%s): passing database error", job.pk, job.kind, exc_info=True
        )
        forget_progress(job.pk)  # the chunk's work was rolled back
        return True
    except Exception as error:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        job.refresh_from_db()  # nothing the failed step set on the job stays
        job.state, job.finished_at = Job.State.FAILED, now
        job.started_at = job.started_at or now
        job.error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    else:
        job.done, job.total = step.done, step.total
        if step.finished:
            job.state, job.result, job.finished_at = Job.State.DONE, step.result, now
    job.updated = timezone.now()
    job.save()
    return False


def runner():
    return RUNNERS[settings.JOBS_RUNNER]


def enqueue(job_id):
    """Hand ``job_id`` to the configured runner once the current transaction
    commits (at once outside one). A broker that cannot be reached leaves the
    job queued, for ``requeue_stale``; the commit stands."""
    transaction.on_commit(functools.partial(runner(), job_id), robust=True)


def _celery(job_id):
    from .tasks import run_job

    run_job.apply_async(args=[str(job_id)], queue=settings.JOBS_QUEUE)


_pool = None
_pool_lock = threading.Lock()


def _in_thread(job_id):
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")
    _pool.submit(_execute_closing, job_id)


def _execute_closing(job_id):
    try:
        execute(job_id)
    except Exception:
        log.exception("job %s stopped", job_id)
    finally:
        close_old_connections()


RUNNERS = {"celery": _celery, "thread": _in_thread, "inline": execute}


def requeue_stale():
    """Queue again every job queued or running whose record has not moved for
    ``JOBS_STALE_AFTER`` seconds: its message was lost (a broker restarted
    without persistence, a dev server stopped) or its worker died where the
    broker cannot tell. Safe even if the job is only slow (``execute``)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.JOBS_STALE_AFTER)
    stale = Job.objects.filter(
        state__in=[Job.State.QUEUED, Job.State.RUNNING], updated__lt=cutoff
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(stale):
        with transaction.atomic():
            job = Job.objects.select_for_update(skip_locked=True).filter(pk=pk)
            job = job.first()
            if job is None or job.finished:
                continue  # a worker holds it right now, or it just finished
            job.updated = timezone.now()
            job.save(update_fields=["updated"])
            enqueue(job.pk)
            count += 1
    return count
