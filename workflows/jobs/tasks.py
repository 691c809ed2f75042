"""The Celery tasks: a job's message, and the dispatcher beat calls.

Both are acknowledged late and rejected (back to the queue) when their
worker dies, by the project-wide settings (``CELERY_TASK_ACKS_LATE``,
``CELERY_TASK_REJECT_ON_WORKER_LOST``); ``execute`` and ``dispatch`` make a
second delivery harmless.
"""

from celery import shared_task

from .dispatcher import dispatch
from .runner import execute


@shared_task(name="jobs.run")
def run_job(job_id):
    return execute(job_id)


@shared_task(name="jobs.dispatch_timers")
def dispatch_timers():
    done = dispatch()
    return {
        "fired": done.fired,
        "moved": done.moved,
        "requeued": done.requeued,
        "skipped": done.skipped,
    }
