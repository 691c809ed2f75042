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
