"""Progress reported out of band, for a job whose one chunk is long.

A job's progress (``Job.done``) commits with its chunk: a kind whose work is
one transaction (an import, all or nothing) shows 0 until it ends. Such a
kind calls ``report_progress(job, done, total)`` now and then (every few
hundred rows, never per row); it goes to the shared cache (``CACHES``: Redis
in production, so a web process sees what a worker wrote), not the
database, and is visible at once, outside the job's transaction. The pages
read it through ``selectors.job_progress`` while the job runs; once the job
has finished its row is the truth again.

The cache is a hint: a cache that cannot be reached loses the hint, never
the job.
"""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)

# long enough for the longest job; a finished job's row wins anyway
TIMEOUT = 6 * 3600


def _key(job_id) -> str:
    return f"jobs:progress:{job_id}"


def report_progress(job, done: int, total: int | None = None) -> None:
    """Say that ``job`` has done ``done`` of ``total`` so far."""
    try:
        cache.set(_key(job.pk), (int(done), total), TIMEOUT)
    except Exception:  # the cache is a hint; the job goes on without it
        log.warning("job %s: progress not reported", job.pk, exc_info=True)


def forget_progress(job_id) -> None:
    """Drop what was reported for the job: a chunk rolled back, or a new
    delivery starting over, must not show the progress of an attempt whose
    work is gone."""
    try:
        cache.delete(_key(job_id))
    except Exception:
        log.warning("job %s: progress not dropped", job_id, exc_info=True)


def reported_progress(job) -> tuple[int, int | None] | None:
    """The last ``(done, total)`` reported for ``job``, or None."""
    try:
        value = cache.get(_key(job.pk))
    except Exception:
        log.warning("job %s: progress not read", job.pk, exc_info=True)
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        return None
    return int(value[0]), value[1]
