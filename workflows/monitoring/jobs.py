"""The feed import as a background job, a chunk of rows at a time: each step
reads the file as a stream (``iter_feed``) and writes its rows as it goes,
``LOOKUP_CHUNK`` at a time, so no step holds more than that many rows."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from ..core.sweeps import sweep
from ..jobs.kinds import Step, register
from .feedfile import FeedScan, iter_feed
from .models import FeedBatch, FeedUpload
from .services import (
    IMPORT_PERMISSION,
    LOOKUP_CHUNK,
    feed_batch_close,
    feed_batch_open,
    feed_rows_write,
    may_import_feeds,
    stale_uploads_delete,
)

JOB_KIND = "monitoring.feed_import"
CHUNK = 50000


@register(JOB_KIND, title=_("导入部门数据"), permission=IMPORT_PERMISSION)
def feed_import_step(job):
    """One chunk of the previewed file ``params["upload"]``: its registered
    people's rows stored, progress counted in lines. The last chunk closes
    the batch (counts, duration) and deletes the file (PIPL Art 6). A file
    imported before for the source writes nothing and says so."""
    upload = FeedUpload.objects.filter(pk=job.params["upload"]).first()
    if upload is None:
        raise ValidationError("the previewed file is gone")
    user = job.started_by
    if user is None or not may_import_feeds(user):
        raise PermissionDenied("may not import feeds")
    batch = FeedBatch.objects.filter(
        source=upload.source, checksum=upload.checksum
    ).first()
    if job.done == 0:
        if batch is not None and batch.completed_at is not None:
            upload.delete()
            return Step(
                done=0,
                total=0,
                finished=True,
                result={"duplicate": True, "batch": str(batch)},
            )
        if batch is not None:  # an import of this file that did not finish
            batch.delete()
        batch = feed_batch_open(
            user=user,
            source=upload.source,
            period=upload.period,
            file_name=upload.file_name,
            checksum=upload.checksum,
        ).batch
    scan = FeedScan(keep=10)
    rows = []
    for row in iter_feed(
        bytes(upload.data),
        filename=upload.file_name,
        encoding=upload.encoding,
        start=job.done,
        stop=job.done + CHUNK,
        scan=scan,
    ):
        if scan.problem_count:
            continue  # the step fails: what it wrote is rolled back
        rows.append(row)
        if len(rows) >= LOOKUP_CHUNK:
            feed_rows_write(batch=batch, rows=rows)
            rows = []
    if scan.problems:
        raise ValidationError([p.reason for p in scan.problems])
    if rows:
        feed_rows_write(batch=batch, rows=rows)
    # the staged file validated whole at its preview: its rows are its lines
    lines = upload.rows_total
    done = min(job.done + CHUNK, lines)
    if done < lines:
        return Step(done=done, total=lines)
    kept = batch.records.count()
    received = upload.rows_total
    feed_batch_close(
        batch=batch, rows_received=received, rows_kept=kept, started=batch.received_at
    )
    upload.delete()
    return Step(
        done=done,
        total=lines,
        finished=True,
        result={
            "batch": str(batch),
            "rows_received": received,
            "rows_kept": kept,
            "rows_discarded": received - kept,
        },
    )


@sweep
def stale_feed_uploads():
    """Every sweep of the timer dispatcher: previewed files never imported
    are deleted after a day (PIPL Art 6)."""
    return stale_uploads_delete()
