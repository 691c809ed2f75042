"""The feed upload pages: preview of every problem (nothing kept), a clean
file imported by a job, the same file again stored once."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from workflows.monitoring.models import FeedBatch, FeedRecord, FeedUpload
from workflows.registry.idnumber import make_id_number

from .test_feeds import _member

pytestmark = pytest.mark.django_db


def _csv(*lines):
    text = "身份证号码,项目,金额（元）,说明\n" + "".join(f"{x}\n" for x in lines)
    return SimpleUploadedFile("vehicles.csv", text.encode("gb18030"))


def _upload(client, file):
    return client.post(
        "/feeds/upload/",
        {"source": "vehicle", "period": "2026-10", "encoding": "auto", "file": file},
    )


def test_upload_preview_commit_and_the_same_file_again(staff):
    reviewer = staff("district_reviewer", "370402")
    client = Client()
    client.force_login(reviewer)
    assert client.get("/feeds/").status_code == 200
    assert (
        client.get("/feeds/template/")
        .content.decode("utf-8-sig")
        .startswith("身份证号码")
    )
    member = _member()
    stranger = make_id_number("370402", datetime.date(1980, 5, 5), 201)
    bad = member.id_number[:17] + ("0" if member.id_number[17] != "0" else "1")
    page = _upload(client, _csv(f"{member.id_number},轿车,5万,", f"{bad},轿车,1,"))
    text = page.content.decode()
    assert "2 处问题" in text and "金额不是有效的数字" in text
    assert not FeedUpload.objects.exists() and not FeedBatch.objects.exists()
    lines = (f"{member.id_number},小型轿车,50000,鲁D", f"{stranger},轿车,1,")
    page = _upload(client, _csv(*lines))
    upload = page.context["upload"]
    response = client.post("/feeds/commit/", {"upload": upload.pk})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    batch = FeedBatch.objects.get()
    assert (batch.rows_received, batch.row_count, batch.completed_at is not None) == (
        2,
        1,
        True,
    )
    assert (
        batch.period == datetime.date(2026, 10, 1) and batch.file_name == "vehicles.csv"
    )
    assert list(FeedRecord.objects.values_list("id_number", flat=True)) == [
        member.id_number
    ]
    assert not FeedUpload.objects.exists()  # the file is not kept (PIPL Art 6)
    job_page = client.get(response["Location"]).content.decode()
    assert "已完成" in job_page
    again = _upload(client, _csv(*lines))
    assert again.context["duplicate"] == batch
    assert "不再重复保存" in again.content.decode()
    assert FeedBatch.objects.count() == 1


def test_only_the_data_roles_open_the_feed_pages(staff):
    caseworker = staff("town_caseworker", "370402106")
    client = Client()
    client.force_login(caseworker)
    for url in ("/feeds/", "/feeds/upload/", "/feeds/template/"):
        assert client.get(url).status_code == 403
    assert client.post("/feeds/commit/", {"upload": "1"}).status_code == 403


def test_one_cannot_commit_anothers_upload(staff):
    first = staff("district_reviewer", "370402")
    other = staff("district_reviewer", "370404")
    client = Client()
    client.force_login(first)
    member = _member()
    page = _upload(client, _csv(f"{member.id_number},轿车,1,"))
    upload = page.context["upload"]
    intruder = Client()
    intruder.force_login(other)
    assert intruder.post("/feeds/commit/", {"upload": upload.pk}).status_code == 404
    assert intruder.post("/feeds/commit/", {"upload": "x"}).status_code == 404


def test_a_second_click_on_import_finds_the_first_job(staff, settings, monkeypatch):
    """Two posts of one upload (a double click, a second tab) start one job:
    a second would find the first one's half-written batch and start over."""
    from workflows.jobs import runner
    from workflows.jobs.models import Job
    from workflows.monitoring.services import feed_upload_commit

    # no worker picks the job up: it stays queued, as while a worker is busy
    monkeypatch.setitem(runner.RUNNERS, settings.JOBS_RUNNER, lambda job_id: None)

    reviewer = staff("district_reviewer", "370402")
    client = Client()
    client.force_login(reviewer)
    member = _member()
    upload = _upload(client, _csv(f"{member.id_number},小型轿车,50000,")).context[
        "upload"
    ]
    first = feed_upload_commit(user=reviewer, upload=upload)
    second = feed_upload_commit(user=reviewer, upload=upload)
    assert first.pk == second.pk
    assert Job.objects.filter(params__upload=upload.pk).count() == 1


def _numbers(count):
    base = datetime.date(1950, 1, 1)
    return [
        make_id_number("370402", base + datetime.timedelta(days=n // 1000), n)
        for n in range(count)
    ]


def test_the_preview_keeps_no_more_than_a_sample_of_the_rows(staff):
    """A feed may have a million rows: the preview counts them, checks each
    and keeps a few to show (ID numbers masked), never all of them."""
    import tracemalloc

    from workflows.base.masking import mask_id_number
    from workflows.monitoring.feedfile import scan_feed

    client = Client()
    client.force_login(staff("district_reviewer", "370402"))
    numbers = _numbers(20000)
    file = _csv(*(f"{n},养老金,1000.50,第{i}行" for i, n in enumerate(numbers)))
    data = file.read()
    file.seek(0)
    tracemalloc.start()
    try:
        scan = scan_feed(data, filename="f.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # a copy of the file as the reader decodes it, not its 20,000 rows
    # (about 10 MB as FeedRow objects)
    assert peak < 2 * len(data) + 1_000_000, (peak, len(data))
    assert (scan.lines, scan.rows, len(scan.sample)) == (20000, 20000, 5)
    page = _upload(client, file)
    assert page.context["rows"] == 20000 and page.context["lines"] == 20000
    assert page.context["upload"].rows_total == 20000
    sample = page.context["sample"]
    assert [r["line"] for r in sample] == [2, 3, 4, 5, 6]
    assert mask_id_number(numbers[0]) in page.content.decode()
    assert numbers[0] not in page.content.decode()


def test_the_preview_counts_every_problem_and_keeps_the_first(staff):
    from workflows.dataio.cells import KEEP_PROBLEMS

    client = Client()
    client.force_login(staff("district_reviewer", "370402"))
    good = _numbers(1)[0]
    count = KEEP_PROBLEMS + 500
    page = _upload(client, _csv(*(f"{good},养老金,-1," for _ in range(count))))
    assert page.context["problem_count"] == count
    assert len(page.context["problems"]) == 200  # the page shows the first 200
    assert f"{count} 处问题" in page.content.decode()
    assert not FeedUpload.objects.exists()


def test_the_import_job_writes_as_it_reads(staff, monkeypatch):
    """The job reads the file as a stream and writes a few rows at a time:
    no write gets more than ``LOOKUP_CHUNK`` rows, whatever its step; the
    batch is the same as the one-transaction import's."""
    from workflows.monitoring import jobs

    writes = []
    write = jobs.feed_rows_write

    def counted(*, batch, rows):
        writes.append(len(rows))
        return write(batch=batch, rows=rows)

    monkeypatch.setattr(jobs, "feed_rows_write", counted)
    monkeypatch.setattr(jobs, "LOOKUP_CHUNK", 3, raising=False)
    monkeypatch.setattr(jobs, "CHUNK", 7)
    reviewer = staff("district_reviewer", "370402")
    client = Client()
    client.force_login(reviewer)
    members = [_member(101 + n) for n in range(4)]
    strangers = _numbers(16)
    lines = [f"{m.id_number},养老金,{n}.25," for n, m in enumerate(members)]
    lines += [f"{s},养老金,1," for s in strangers]
    upload = _upload(client, _csv(*lines)).context["upload"]
    response = client.post("/feeds/commit/", {"upload": upload.pk})
    assert response.status_code == 302
    batch = FeedBatch.objects.get()
    assert (batch.rows_received, batch.row_count) == (20, 4)
    assert batch.completed_at is not None
    assert sorted(FeedRecord.objects.values_list("id_number", flat=True)) == sorted(
        m.id_number for m in members
    )
    assert writes and max(writes) <= 3 and sum(writes) == 20
    assert not FeedUpload.objects.exists()
