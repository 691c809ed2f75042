"""The commit of an import, as a background job (one per import kind,
``import:<name>``, declared by ``kinds.register``).

The job reads the file again as the person who confirmed it, checking every
row as the preview did (the registry, their posts may have changed since)
and writing as it goes, in the one transaction of its single step (its
progress, rows read of the preview's count, reported out of band every few
hundred rows: ``workflows.jobs.progress``); a problem
found undoes every write (``services.process_file``): a file is written
whole or not at all. A job
delivered twice finds its run finished and does nothing.

A job that fails otherwise (a bug, the database gone: an exception, not a
row problem) rolls back with its step, the run's record included; the jobs
runner then calls ``commit_failed`` in a transaction of its own, which
marks the run ``FAILED`` and drops the file's bytes. Should that too fail,
``services.imports_sweep`` does the same on the dispatcher's next sweep.
"""

import datetime
import time

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..jobs.kinds import Step
from ..jobs.progress import report_progress
from .models import ImportRun


def commit_step(job) -> Step:
    from .kinds import kind_of
    from .services import process_file

    run = ImportRun.objects.select_for_update().get(pk=job.params["run"])
    if run.status != ImportRun.Status.QUEUED:
        return Step(done=run.rows_written, total=run.rows_read, finished=True)
    kind = kind_of(run.kind)
    user = job.started_by
    began, clock = timezone.now(), time.monotonic()
    reason = _("数据导入：%(file)s（导入批次 #%(run)s）") % {
        "file": run.filename,
        "run": run.pk,
    }
    written, problems, rows, _encoding = process_file(
        kind,
        bytes(run.data),
        filename=run.filename,
        encoding=run.encoding,
        user=user,
        reason=reason,
        # the one transaction hides the rows written until it commits: the
        # page learns how far it got from the cache (rows_read: the preview's)
        progress=lambda count: report_progress(job, count, run.rows_read or None),
    )
    run.started_at, run.rows_read, run.rows_written = began, rows, written
    if problems:
        run.status = ImportRun.Status.REJECTED
        run.error_count, run.errors = problems.count, problems.as_json()
    else:
        run.status = ImportRun.Status.DONE
    run.data = b""
    run.finished_at = timezone.now()
    run.duration = datetime.timedelta(seconds=time.monotonic() - clock)
    run.save()
    return Step(
        done=rows,
        total=rows,
        finished=True,
        result={
            str(_("读取行数")): run.rows_read,
            str(_("写入行数")): run.rows_written,
            str(_("问题数")): run.error_count,
        },
    )


def commit_failed(job) -> None:
    """The job's ``on_failure``: its run, if still queued, ends ``FAILED``
    with the file's bytes dropped (the job's own transaction rolled back)."""
    run = ImportRun.objects.select_for_update().filter(pk=job.params.get("run"))
    run = run.filter(Q(job=job) | Q(job__isnull=True)).first()
    if run is not None:
        fail_run(run)


def fail_run(run: ImportRun) -> bool:
    """Mark ``run`` (locked by the caller) ``FAILED`` if it is still queued,
    and drop its file. True if it did."""
    if run.status != ImportRun.Status.QUEUED:
        return False
    run.status, run.data = ImportRun.Status.FAILED, b""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "data", "finished_at"])
    return True
