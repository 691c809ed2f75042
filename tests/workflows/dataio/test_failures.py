"""An import whose job fails for a reason that is not a row problem, and
the files nobody will import: the run ends FAILED or EXPIRED, its file
dropped, and its page says so."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from workflows.core.sweeps import SWEEPS
from workflows.dataio import services
from workflows.dataio.models import ImportRun
from workflows.dataio.services import import_commit, import_preview
from workflows.jobs.models import Job
from workflows.registry.models import Member

from .conftest import in_format, member_file

pytestmark = pytest.mark.django_db


def _ready(user, members=3):
    rows, _ = member_file(members)
    data, filename = in_format(rows, "xlsx")
    run = import_preview(
        user=user, kind="registry.households", data=data, filename=filename
    )
    assert run.status == ImportRun.Status.READY and bytes(run.data)
    return run


def test_a_commit_that_raises_ends_the_run_failed_without_its_file(staff, monkeypatch):
    caseworker = staff("town_caseworker", "370402106")
    run = _ready(caseworker)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not a row problem")

    monkeypatch.setattr(services, "process_file", broken)
    import_commit(user=caseworker, run=run)
    run.refresh_from_db()
    assert run.job.state == Job.State.FAILED
    assert run.status == ImportRun.Status.FAILED
    assert bytes(run.data) == b"" and run.finished_at is not None
    assert Member.objects.count() == 0
    assert run.history.latest().status == ImportRun.Status.FAILED
    client = Client()
    client.force_login(caseworker)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "导入失败，没有写入任何数据" in page


def test_the_sweep_expires_old_previews_and_fails_orphaned_runs(staff, settings):
    settings.IMPORT_READY_KEEP_HOURS = 24
    caseworker = staff("town_caseworker", "370402106")
    old, fresh, orphan = (_ready(caseworker) for _ in range(3))
    ImportRun.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(hours=25)
    )
    # a run left queued by a job that failed where on_failure could not help
    job = Job.objects.create(kind="import:registry.households", state="failed")
    ImportRun.objects.filter(pk=orphan.pk).update(
        status=ImportRun.Status.QUEUED, job=job
    )
    # the timer dispatcher runs it on every sweep
    assert services.imports_sweep in SWEEPS
    assert services.imports_sweep() == 2
    old.refresh_from_db()
    fresh.refresh_from_db()
    orphan.refresh_from_db()
    assert old.status == ImportRun.Status.EXPIRED and bytes(old.data) == b""
    assert fresh.status == ImportRun.Status.READY and bytes(fresh.data)
    assert orphan.status == ImportRun.Status.FAILED and bytes(orphan.data) == b""
    assert services.imports_sweep() == 0  # nothing left to do
    client = Client()
    client.force_login(caseworker)
    page = client.get(old.get_absolute_url()).content.decode()
    assert "已被删除" in page and f"/imports/{old.pk}/commit/" not in page
    assert client.post(f"/imports/{old.pk}/commit/").status_code == 302
    old.refresh_from_db()
    assert old.status == ImportRun.Status.EXPIRED and old.job is None


def test_the_commit_reports_rows_read_every_500_rows(staff, monkeypatch):
    """The commit is one transaction: its job reports rows read out of
    band (the cache), every 500 rows, of the preview's count."""
    from workflows.dataio import jobs

    caseworker = staff("town_caseworker", "370402106")
    run = _ready(caseworker, members=1200)
    reported = []
    real = jobs.report_progress

    def spy(job, done, total=None):
        reported.append((done, total))
        real(job, done, total)

    monkeypatch.setattr(jobs, "report_progress", spy)
    import_commit(user=caseworker, run=run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.rows_read == 1200
    assert reported == [(500, 1200), (1000, 1200)]
    from workflows.jobs.progress import reported_progress

    assert reported_progress(run.job) == (1000, 1200)
