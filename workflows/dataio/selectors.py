"""Reading imports: a person sees the imports they started, nobody else's
(a problem list names people of the file)."""

from .models import ImportRun


def runs_of(user):
    """``user``'s imports, newest first."""
    if not user.is_authenticated:
        return ImportRun.objects.none()
    return (
        ImportRun.objects.filter(started_by=user)
        .defer("data", "errors")
        .select_related("job")
        .order_by("-created")
    )


def run_of(*, user, pk) -> ImportRun:
    """``user``'s own import ``pk``; ``ImportRun.DoesNotExist`` for anyone
    else's (superusers included) and for an id that does not exist alike."""
    return ImportRun.objects.filter(started_by=user).select_related("job").get(pk=pk)


def run_state(run: ImportRun) -> str:
    """The run's status, with a commit whose job failed shown as failed (the
    job's transaction rolled back, the run could not record it)."""
    from ..jobs.models import Job

    if (
        run.status == ImportRun.Status.QUEUED
        and run.job
        and run.job.state == Job.State.FAILED
    ):
        return ImportRun.Status.FAILED
    return run.status
