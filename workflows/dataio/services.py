"""Imports: the preview of an uploaded file, and its commit.

``import_preview`` reads the whole file and names every problem; a file with
none is kept until the user confirms it. ``import_commit`` queues the job
that reads the file again, checking each row as before (the registry may
have changed since) and writing it, and undoes every write if a problem is
found: one transaction, all or nothing (``workflows.dataio.jobs``).

``imports_sweep`` (every sweep of the timer dispatcher) drops the file of a
preview never confirmed within ``IMPORT_READY_KEEP_HOURS`` (the run ends
``EXPIRED``) and ends ``FAILED`` a run still queued whose job is over or
gone (its ``on_failure`` could not record it).
"""

import datetime
import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..base.context import on_behalf_of
from ..core.sweeps import sweep
from ..jobs.models import Job
from ..jobs.services import job_start
from .cells import Problems
from .files import XLSX, FileProblem, RowStream, iter_rows
from .jobs import fail_run
from .kinds import ImportKind, kind_of, may_import
from .models import ImportRun


class Counted:
    """A row stream that counts the rows read through it, and tells
    ``progress(count)`` every ``PROGRESS_EVERY`` rows (never per row)."""

    PROGRESS_EVERY = 500

    def __init__(self, stream: RowStream, progress=None):
        self.stream = stream
        self.headers = stream.headers
        self.encoding = stream.encoding
        self.count = 0
        self.progress = progress

    def __iter__(self) -> Iterator:
        every, progress = self.PROGRESS_EVERY, self.progress
        for row in self.stream:
            self.count += 1
            if progress is not None and self.count % every == 0:
                progress(self.count)
            yield row


def open_file(
    kind: ImportKind, data: bytes, *, filename: str, encoding: str, progress=None
):
    """The file as a counted row stream, its columns checked against the
    kind's: a required column missing is a problem of the whole file.
    ``progress(rows read)`` is called every ``Counted.PROGRESS_EVERY`` rows."""
    stream = iter_rows(
        data,
        filename=filename,
        encoding="auto" if encoding == XLSX else encoding,
        text_columns=kind.text_columns,
    )
    missing = [c.header for c in kind.columns if c.required]
    missing = [h for h in missing if h not in stream.headers]
    if missing:
        raise FileProblem(
            _("缺少必填的列：%(columns)s。请使用本导入的模板。")
            % {"columns": "、".join(missing)}
        )
    return Counted(stream, progress)


class _Rejected(Exception):
    pass


def process_file(kind, data, *, filename, encoding, user, reason=None, progress=None):
    """Check (and with a ``reason``, write) the file in a savepoint undone
    if any problem is found: (rows written, problems, rows read, encoding).
    ``progress(rows read so far)`` is called every few hundred rows."""
    problems = Problems()
    stream = None
    try:
        with transaction.atomic():
            stream = open_file(
                kind, data, filename=filename, encoding=encoding, progress=progress
            )
            written = kind.process(stream, user=user, problems=problems, reason=reason)
            if problems:
                raise _Rejected
    except FileProblem as problem:
        problems.add(0, "", problem.message)
        written = 0
    except _Rejected:
        written = 0
    if stream is None:
        return 0, problems, 0, ""
    return written, problems, stream.count, stream.encoding


@transaction.atomic
def import_preview(
    *, user, kind: str, data: bytes, filename: str, encoding: str = "auto"
) -> ImportRun:
    """Check an uploaded file of import ``kind`` as ``user`` and record the
    run: ``READY`` (the file kept for ``import_commit``) or ``REJECTED`` with
    every problem (row, column, reason). Writes nothing else."""
    declared = kind_of(kind)
    if not may_import(user, declared):
        raise PermissionDenied(_("您无权进行此项导入。"))
    _written, problems, rows, read_as = process_file(
        declared, data, filename=filename, encoding=encoding, user=user
    )
    if not problems and rows == 0:
        problems.add(0, "", _("文件中除表头外没有数据行。"))
    run = ImportRun(
        kind=declared.name,
        started_by=user,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        encoding=read_as or ("" if encoding == "auto" else encoding),
        status=ImportRun.Status.REJECTED if problems else ImportRun.Status.READY,
        rows_read=rows,
        error_count=problems.count,
        errors=problems.as_json(),
        data=b"" if problems else data,
    )
    run.full_clean(exclude=["data"])
    with on_behalf_of(user):
        run.save()
    return run


@transaction.atomic
def import_commit(*, user, run: ImportRun) -> ImportRun:
    """Queue the import of a checked file (``READY``) of ``user``'s own."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.started_by_id != user.pk:
        raise PermissionDenied(_("只能确认您本人上传的文件。"))
    if run.status != ImportRun.Status.READY:
        raise ValidationError(
            _("该文件当前不能导入（%(status)s）。")
            % {"status": run.get_status_display()}
        )
    job = job_start(kind=kind_of(run.kind).job_kind, user=user, params={"run": run.pk})
    run.status, run.job = ImportRun.Status.QUEUED, job
    with on_behalf_of(user):
        run.save(update_fields=["status", "job"])
    return run


@sweep
def imports_sweep() -> int:
    """Drop the files nobody will import: a preview (``READY``) older than
    ``IMPORT_READY_KEEP_HOURS`` ends ``EXPIRED``; a run still ``QUEUED`` whose
    job finished, failed or is gone ends ``FAILED``. Each run under its row
    lock (one being confirmed right now is skipped, for the next sweep).
    Returns the runs it ended."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.IMPORT_READY_KEEP_HOURS)
    ready = ImportRun.objects.filter(status=ImportRun.Status.READY, created__lt=cutoff)
    orphaned = ImportRun.objects.filter(status=ImportRun.Status.QUEUED).filter(
        Q(job__isnull=True) | Q(job__state__in=[Job.State.DONE, Job.State.FAILED])
    )
    ended = 0
    for pk in list(ready.values_list("pk", flat=True)):
        with transaction.atomic():
            run = ready.select_for_update(skip_locked=True).filter(pk=pk).first()
            if run is None:
                continue
            run.status, run.data, run.finished_at = ImportRun.Status.EXPIRED, b"", now
            run.save(update_fields=["status", "data", "finished_at"])
            ended += 1
    for pk in list(orphaned.values_list("pk", flat=True)):
        with transaction.atomic():
            run = ImportRun.objects.select_for_update(skip_locked=True).filter(pk=pk)
            run = run.first()
            # a job done with its run still queued cannot happen (one
            # transaction); a job gone, or failed, leaves the run behind
            if run is not None and orphaned.filter(pk=pk).exists():
                ended += fail_run(run)
    return ended
