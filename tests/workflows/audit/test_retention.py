"""Retention: old audit records removed under the law's minimum, the chain
and the live-row check still whole, checkpoints chained and logged."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from roles.models import Region
from workflows.audit import headlog
from workflows.audit.chain import (
    CHECKPOINT_ALTERED,
    CHECKPOINT_CONFLICT,
    ROW_CHANGED,
    ROW_DELETED,
    check_chain,
    seal,
)
from workflows.audit.models import AuditCheckpoint, AuditRowHash
from workflows.audit.record import record_unrecorded
from workflows.audit.retention import RetentionRefused, purge
from workflows.audit.rows import CHECKPOINT_TABLE, history_models
from workflows.audit.verify import verify

from ..dibao.desk import Desk, accept, submit

pytestmark = pytest.mark.django_db


def as_if_written(days_ago, since=None):
    """Every audit row written (since ``since``) dated ``days_ago`` days
    back, with its hash recorded and sealed as if written then."""
    old = timezone.now() - datetime.timedelta(days=days_ago)
    with connection.cursor() as cursor:
        for model in history_models():
            if "history_date" not in {f.name for f in model._meta.concrete_fields}:
                continue  # a many-to-many history row is dated by its parent
            table = model._meta.db_table
            where, params = (
                ("", [])
                if since is None
                else (
                    ' WHERE "history_date" >= %s',
                    [since],
                )
            )
            cursor.execute(
                f'UPDATE "{table}" SET "history_date" = %s{where}', [old, *params]
            )
        where = "" if since is None else ' WHERE "at" >= %s'
        cursor.execute(
            f'UPDATE "workflows_sensitiveaccess" SET "at" = %s{where}',
            [old] if since is None else [old, since],
        )
    AuditRowHash.objects.filter(seq__isnull=True).delete()
    record_unrecorded()
    seal()


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def test_retention_refuses_anything_younger_than_180_days(cast):
    submit(Desk(cast.caseworker), cast)
    today = timezone.localdate()
    with pytest.raises(RetentionRefused):
        purge(before=today - datetime.timedelta(days=179), reason="清理", today=today)
    with pytest.raises(CommandError, match="refused"):
        call_command("purge_audit", before=days_ago(10).isoformat(), reason="清理")
    assert not AuditCheckpoint.objects.exists()


def test_retention_refuses_a_chain_that_does_not_verify(cast):
    case = submit(Desk(cast.caseworker), cast)
    as_if_written(400)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflows_historicalapplication SET reason = %s "
            "WHERE history_id = %s",
            ["篡改", case.history.first().history_id],
        )
    with pytest.raises(RetentionRefused, match="does not verify"):
        purge(before=days_ago(300), reason="超过保存期限")


def test_retention_removes_old_records_keeps_each_objects_latest_and_verifies(cast):
    case = submit(Desk(cast.caseworker), cast)
    as_if_written(500)  # the reference data, the staff, the application
    since = timezone.now()
    accept(cast, case)
    as_if_written(350, since=since)  # the acceptance
    later = submit(Desk(cast.caseworker), cast, members=None)  # young records
    seal()
    links_before = AuditRowHash.objects.count()

    removed = purge(before=days_ago(400), reason="超过保存期限")

    first = AuditCheckpoint.objects.get()
    assert removed == first.rows_removed > 0
    assert AuditRowHash.objects.count() == links_before - removed + 1
    # only the oldest part went: the latest row of each object stays, so every
    # live row still has the history it is compared with
    assert all(region.history.exists() for region in Region.objects.all())
    cutoff = timezone.now() - datetime.timedelta(days=400)
    assert case.history.filter(history_date__gt=cutoff).exists()  # acceptance
    assert not case.history.filter(history_date__lt=cutoff).exists()  # submission
    assert later.history.exists()
    assert verify().intact
    # the checkpoint is a link of the chain, and purge_audit logged it
    link = AuditRowHash.objects.get(table=CHECKPOINT_TABLE, row_id=first.pk)
    assert (headlog.read()[-1].event, headlog.read()[-1].seq) == ("purge", link.seq)

    second_removed = purge(before=days_ago(300), reason="超过保存期限")
    second = AuditCheckpoint.objects.order_by("-last_seq").first()
    assert second_removed > 0 and second.last_seq > first.last_seq
    assert verify().intact
    call_command("verify_audit")

    # a checkpoint altered: its link, and the next checkpoint's back-reference
    AuditCheckpoint.objects.filter(pk=first.pk).update(reason="另一个理由")
    problems = {(b.problem, b.table, b.row_id) for b in check_chain()}
    assert problems == {
        (ROW_CHANGED, CHECKPOINT_TABLE, first.pk),
        (CHECKPOINT_ALTERED, CHECKPOINT_TABLE, second.pk),
    }
    AuditCheckpoint.objects.filter(pk=first.pk).update(reason="超过保存期限")
    assert check_chain() == []
    # the latest checkpoint deleted: the chain starts where no checkpoint says
    AuditCheckpoint.objects.filter(pk=second.pk).delete()
    problems = {(b.problem, b.table, b.row_id) for b in check_chain()}
    assert problems == {
        (CHECKPOINT_CONFLICT, CHECKPOINT_TABLE, first.pk),
        (ROW_DELETED, CHECKPOINT_TABLE, second.pk),
    }
    with pytest.raises(CommandError):
        call_command("verify_audit")
