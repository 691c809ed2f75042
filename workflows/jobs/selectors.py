"""Reading jobs: a person sees the jobs they started, nobody else's."""

from .models import Job


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
