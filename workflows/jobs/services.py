"""Starting a job."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .kinds import kind_of
from .models import Job
from .runner import enqueue


@transaction.atomic
def job_start(*, kind: str, user=None, params: dict | None = None) -> Job:
    """Record a job of ``kind`` and queue it once the caller's transaction
    commits (it never runs if that transaction rolls back).

    ``user``: the person starting it, who needs the kind's permission and is
    the only one who may read the job; None for a job of the system (a kind
    without a permission), which only the system starts."""
    declared = kind_of(kind)
    if user is None:
        if declared.permission is not None:
            raise PermissionDenied(f"job kind {kind!r} is started by a person")
    elif declared.permission is None or not user.has_perm(declared.permission):
        raise PermissionDenied(f"{user} may not start {kind!r}")
    job = Job(kind=kind, params=params or {}, started_by=user)
    job.full_clean()
    job.save()
    enqueue(job.pk)
    return job
