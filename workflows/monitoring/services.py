"""Importing departmental feeds (部门数据), keyed by resident ID number.

Only rows of people in the registry — applicants, recipients and the members
of their households (``registry.Member``) — are stored: the rest are matched
and dropped in the same run (个人信息保护法 Art 6, minimisation). A file is
stored once per source (its SHA-256; a unique constraint backs it). The
import is recorded on its batch: who, file name, hash, rows received and
kept, duration.

``feed_import`` does it all in one transaction (a file of modest size, the
tests, the benchmark); the upload page's job does the same in chunks
(``feed_batch_open`` → ``feed_rows_write`` … → ``feed_batch_close``) so that a
large file shows its progress; the batch is read by the matching only once
closed (``completed_at``).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.scope import user_posts

from ..registry.models import Member
from .feedfile import FeedRow
from .models import FeedBatch, FeedRecord, FeedUpload

IMPORT_PERMISSION = "workflows.import_feed"
LOOKUP_CHUNK = 2000


@dataclass(frozen=True)
class FeedImport:
    """What an import did. ``duplicate``: the same file was imported before
    for this source, and nothing was written."""

    batch: FeedBatch
    duplicate: bool
    rows_received: int
    rows_kept: int

    @property
    def rows_discarded(self) -> int:
        return self.rows_received - self.rows_kept


def batched(items: Iterable, size: int):
    """``items`` in lists of ``size`` (the last shorter)."""
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk


def may_import_feeds(user) -> bool:
    """Feeds are imported by a role that holds the permission through a post
    (the city's or a district's data role). Feeds are city-wide, so any such
    post will do; a permission given to the account itself (the admin's
    model-wide permissions) does not count."""
    return any(IMPORT_PERMISSION in post.perms for post in user_posts(user))


def _check_permission(user):
    if user is None or not may_import_feeds(user):
        raise PermissionDenied(_("您无权导入部门数据。"))


def registered_numbers(numbers: Iterable[str]) -> set:
    """The ID numbers among ``numbers`` of persons in the registry, in a few
    queries (one per 2,000 distinct numbers)."""
    distinct = sorted(set(numbers))
    found = set()
    for start in range(0, len(distinct), LOOKUP_CHUNK):
        chunk = distinct[start : start + LOOKUP_CHUNK]
        found.update(
            Member.objects.filter(id_number__in=chunk).values_list(
                "id_number", flat=True
            )
        )
    return found


def previous_import(*, source: str, checksum: str):
    """The batch this very file already made for ``source``, if any."""
    return FeedBatch.objects.filter(source=source, checksum=checksum).first()


def _month(period: datetime.date) -> datetime.date:
    return period.replace(day=1)


@transaction.atomic
def feed_batch_open(
    *, user, source: str, period: datetime.date, file_name: str, checksum: str
) -> FeedImport:
    """Start the batch of a file, or say the file was imported before (and
    write nothing)."""
    _check_permission(user)
    if source not in FeedBatch.Source.values:
        raise ValidationError({"source": _("未知的数据来源。")})
    if not checksum:
        raise ValidationError(_("缺少文件校验值。"))
    existing = previous_import(source=source, checksum=checksum)
    if existing is not None:
        return FeedImport(
            batch=existing,
            duplicate=True,
            rows_received=existing.rows_received,
            rows_kept=existing.row_count,
        )
    batch = FeedBatch(
        source=source,
        period=_month(period),
        imported_by=user,
        checksum=checksum,
        file_name=file_name[:200],
    )
    batch.full_clean()
    batch.save()
    return FeedImport(batch=batch, duplicate=False, rows_received=0, rows_kept=0)


def feed_rows_write(*, batch: FeedBatch, rows: list[FeedRow]) -> int:
    """Store the rows of registered persons (one lookup per 2,000 numbers, one
    insert per 2,000 rows); the others are dropped here. Returns the rows kept.
    ``FeedRecord`` rows keep no history: the batch is the audited unit
    (workflows/audit/checks.py)."""
    if batch.completed_at is not None:
        raise ValidationError(_("该批次已导入完成。"))
    known = registered_numbers(r.id_number for r in rows)
    kept = [
        FeedRecord(
            batch=batch,
            id_number=r.id_number,
            kind=r.kind or batch.source,
            amount=r.amount,
            detail=r.detail,
        )
        for r in rows
        if r.id_number in known
    ]
    FeedRecord.objects.bulk_create(kept, batch_size=LOOKUP_CHUNK)
    return len(kept)


@transaction.atomic
def feed_batch_close(
    *, batch: FeedBatch, rows_received: int, rows_kept: int, started
) -> FeedBatch:
    """The batch is complete: its counts and duration recorded, the matching
    reads it from now on."""
    batch.rows_received = rows_received
    batch.row_count = rows_kept
    batch.completed_at = timezone.now()
    batch.duration = batch.completed_at - started
    batch.full_clean()
    batch.save()
    return batch


@transaction.atomic
def feed_import(
    *,
    user,
    source: str,
    period: datetime.date,
    rows: Iterable[FeedRow],
    file_name: str,
    checksum: str,
) -> FeedImport:
    """Import a feed in one transaction (see the module's docstring);
    ``rows`` may be a stream (``feedfile.iter_feed``): they are written
    ``LOOKUP_CHUNK`` at a time."""
    started = timezone.now()
    opened = feed_batch_open(
        user=user, source=source, period=period, file_name=file_name, checksum=checksum
    )
    if opened.duplicate:
        return opened
    received = kept = 0
    for chunk in batched(rows, LOOKUP_CHUNK):
        received += len(chunk)
        kept += feed_rows_write(batch=opened.batch, rows=chunk)
    batch = feed_batch_close(
        batch=opened.batch, rows_received=received, rows_kept=kept, started=started
    )
    return FeedImport(
        batch=batch, duplicate=False, rows_received=received, rows_kept=kept
    )


@transaction.atomic
def feed_upload_stage(
    *,
    user,
    source: str,
    period: datetime.date,
    file_name: str,
    data: bytes,
    checksum: str,
    encoding: str,
    rows_total: int,
) -> FeedUpload:
    """Keep a previewed file until its import job reads it (then deleted)."""
    _check_permission(user)
    upload = FeedUpload(
        source=source,
        period=_month(period),
        file_name=file_name[:200],
        checksum=checksum,
        encoding=encoding,
        data=data,
        rows_total=rows_total,
        uploaded_by=user,
    )
    upload.full_clean()
    upload.save()
    return upload


def stale_uploads_delete(*, older_than=datetime.timedelta(days=1)) -> int:
    """Files previewed and never imported: not kept (PIPL Art 6)."""
    cutoff = timezone.now() - older_than
    return FeedUpload.objects.filter(created__lt=cutoff).delete()[0]


@transaction.atomic
def feed_upload_commit(*, user, upload: FeedUpload):
    """Import a previewed file as a job (its progress on the job's page)."""
    from ..jobs.models import Job
    from ..jobs.services import job_start
    from .jobs import JOB_KIND

    _check_permission(user)
    if upload.uploaded_by_id != user.pk:
        raise PermissionDenied(_("只能导入本人上传的文件。"))
    # one job per upload: a second click (or a second tab) finds the first
    # job under the upload's row lock, never a second job that would find
    # the first one's half-written batch and start it again
    FeedUpload.objects.select_for_update().filter(pk=upload.pk).first()
    running = Job.objects.filter(
        kind=JOB_KIND,
        params__upload=upload.pk,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
    ).first()
    if running is not None:
        return running
    return job_start(kind=JOB_KIND, user=user, params={"upload": upload.pk})
