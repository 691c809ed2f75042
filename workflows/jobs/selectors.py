"""Reading jobs: a person sees the jobs they started, nobody else's."""

from dataclasses import dataclass

from .models import Job
from .progress import reported_progress


def jobs_of(user):
    """The jobs ``user`` started, newest first."""
    if not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(started_by=user).order_by("-created")


def job_of(*, user, pk) -> Job:
    """``user``'s own job ``pk``; ``Job.DoesNotExist`` for anyone else's and
    for an id that does not exist alike (superusers included: a result may
    hold personal data of any region)."""
    return jobs_of(user).get(pk=pk)


def job_counts():
    """``{state: count}`` of all jobs, for monitoring (no params, no results)."""
    from django.db.models import Count

    rows = Job.objects.order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None
    percent: int | None  # None while the total is unknown


def job_progress(job: Job) -> Progress:
    """How far ``job`` is: its row, or while it runs what it reported out of
    band (``progress.report_progress``) if that is further. A job not
    finished never shows 100%."""
    done, total = job.done, job.total
    if not job.finished:
        reported = reported_progress(job)
        if reported is not None and reported[0] >= done:
            done, total = reported[0], reported[1] or total
    if job.state == Job.State.DONE:
        percent = 100
    elif total:
        percent = min(99, done * 100 // total)
    else:
        percent = None
    return Progress(done=done, total=total, percent=percent)
