"""Jobs on any database, with the in-process runner the tests use: queued
after the commit only, run in chunks that commit with their progress,
continued (never repeated) after an interruption, readable by the person
who started them and nobody else."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from tests.factories import StaffFactory, login_with_second_factor
from workflows.jobs.dispatcher import dispatch
from workflows.jobs.exclusive import exclusive
from workflows.jobs.models import Job
from workflows.jobs.runner import execute, requeue_stale
from workflows.jobs.selectors import job_progress
from workflows.jobs.services import job_start

from .kinds import Interrupted, allow, effects

pytestmark = pytest.mark.django_db


@pytest.fixture
def starter(staff):
    return allow(staff("town_caseworker", "370402106"))


def test_a_job_queued_in_a_transaction_that_rolls_back_never_runs(starter):
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = job_start(kind="tests.notify", user=starter, params={"steps": 2})
        raise RuntimeError("the caller's transaction fails")
    kept = job_start(kind="tests.notify", user=starter, params={"steps": 2})
    assert not Job.objects.filter(pk=rolled_back.pk).exists()
    assert effects(rolled_back).count() == 0
    kept.refresh_from_db()
    assert kept.state == Job.State.DONE and effects(kept).count() == 2


def test_a_job_runs_chunk_by_chunk_to_its_result(starter):
    job = job_start(kind="tests.notify", user=starter, params={"steps": 3})
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, 3, 3)
    assert job.result == {"已写入": 3} and job.attempts == 1
    assert effects(job).count() == 3
    # the job's history: created, the delivery counted, then each chunk with
    # its progress
    assert [h.done for h in job.history.order_by("history_id")] == [0, 0, 1, 2, 3]
    assert [h.attempts for h in job.history.order_by("history_id")][:2] == [0, 1]


def test_a_job_delivered_again_after_it_finished_does_nothing(starter):
    job = job_start(kind="tests.notify", user=starter, params={"steps": 2})
    assert execute(job.pk) == Job.State.DONE
    job.refresh_from_db()
    assert job.attempts == 1 and effects(job).count() == 2


def test_an_interrupted_job_continues_after_its_last_committed_chunk(starter):
    params = {"steps": 4, "interrupt_at": 2}
    with pytest.raises(Interrupted):
        job_start(kind="tests.notify", user=starter, params=params)
    job = Job.objects.get(started_by=starter)
    # the interrupted chunk's notification was rolled back with it
    assert (job.state, job.done) == (Job.State.RUNNING, 2)
    assert effects(job).count() == 2
    assert execute(job.pk) == Job.State.DONE  # the message delivered again
    job.refresh_from_db()
    assert job.attempts == 2 and job.done == 4
    assert sorted(n.params["chunk"] for n in effects(job)) == [0, 1, 2, 3]


def test_a_failing_chunk_fails_the_job_and_leaves_no_effect(starter):
    job = job_start(kind="tests.fail", user=starter, params={"steps": 1})
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "bad row" in job.error
    assert effects(job).count() == 0


def test_starting_a_job_checks_the_kinds_permission(staff, starter):
    stranger = staff("town_caseworker", "370402106")
    with pytest.raises(PermissionDenied):
        job_start(kind="tests.notify", user=stranger, params={"steps": 1})
    with pytest.raises(PermissionDenied):  # a person's kind, without a person
        job_start(kind="tests.notify", params={"steps": 1})
    with pytest.raises(PermissionDenied):  # the system's kind, by a person
        job_start(kind="tests.system", user=starter)
    with pytest.raises(LookupError):
        job_start(kind="no.such.kind", user=starter)
    assert not Job.objects.exists()
    assert job_start(kind="tests.system").result is None  # queued, then run


def test_only_the_person_who_started_a_job_reads_it(staff, starter):
    job = job_start(kind="tests.notify", user=starter, params={"steps": 1})
    other = staff("town_caseworker", "370402106")
    root = StaffFactory(is_superuser=True)
    root.save()
    mine = Client()
    mine.force_login(starter)
    page = mine.get(job.get_absolute_url())
    assert page.status_code == 200 and "已写入" in page.content.decode()
    progress = mine.get(f"{job.get_absolute_url()}progress/").json()
    assert progress["state"] == "done" and progress["result"] == {"已写入": 1}
    assert job.get_absolute_url() in mine.get("/jobs/").content.decode()
    for user in (other, root):
        client = Client()
        if user.is_superuser:
            login_with_second_factor(client, user)
        else:
            client.force_login(user)
        for url in (job.get_absolute_url(), f"{job.get_absolute_url()}progress/"):
            assert client.get(url).status_code == 404
        assert job.get_absolute_url() not in client.get("/jobs/").content.decode()
    assert mine.get(f"/jobs/{uuid.uuid4()}/").status_code == 404
    assert mine.get("/jobs/1/").status_code == 404
    assert Client().get(job.get_absolute_url()).status_code == 302  # to login


def test_a_lost_job_is_queued_again_by_the_dispatcher(starter, settings):
    with transaction.atomic():
        job = job_start(kind="tests.notify", user=starter, params={"steps": 2})
        # its message never reached a worker (a broker restarted, say)
        transaction.get_connection().run_on_commit.clear()
    Job.objects.filter(pk=job.pk).update(
        updated=timezone.now() - datetime.timedelta(seconds=settings.JOBS_STALE_AFTER)
    )
    assert requeue_stale() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and effects(job).count() == 2
    assert requeue_stale() == 0


def test_one_dispatcher_at_a_time():
    """Another process (here a thread: its own connection) holds the
    dispatcher's lock: a second beat, cron or loop meanwhile does nothing."""
    held, release = threading.Event(), threading.Event()

    def other_dispatcher():
        try:
            with exclusive("timer-dispatcher") as got:
                assert got
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=other_dispatcher)
    other.start()
    assert held.wait(10)
    try:
        assert dispatch().skipped
    finally:
        release.set()
        other.join(10)
    assert not dispatch().skipped


def test_run_timers_reports_what_it_did(capsys):
    call_command("run_timers")
    assert "timer(s) fired" in capsys.readouterr().out


def test_a_delivery_counts_even_when_its_chunk_ends_the_worker(starter, settings):
    """The attempt is committed before the chunk: a chunk that kills its
    worker still counts, and past the limit the job fails instead of killing
    worker after worker."""
    settings.JOBS_MAX_ATTEMPTS = 2
    params = {"steps": 3, "interrupt_at": 0}
    with pytest.raises(Interrupted):
        job_start(kind="tests.notify", user=starter, params=params)
    job = Job.objects.get(started_by=starter)
    assert (job.attempts, job.done, job.state) == (1, 0, Job.State.RUNNING)
    assert execute(job.pk) == Job.State.DONE  # the second delivery runs it
    job.refresh_from_db()
    assert job.attempts == 2 and effects(job).count() == 3

    stuck = job_start(kind="tests.notify", user=starter, params={"steps": 1})
    Job.objects.filter(pk=stuck.pk).update(state=Job.State.RUNNING, attempts=2)
    assert execute(stuck.pk) == Job.State.FAILED
    stuck.refresh_from_db()
    assert stuck.attempts == 3 and "gave up after 2" in stuck.error


def test_a_passing_database_error_leaves_the_job_for_the_next_delivery(starter):
    job = job_start(kind="tests.deadlock", user=starter, params={"steps": 1})
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.error == ""
    assert effects(job).count() == 0  # the chunk's effect was rolled back
    # and so was its progress: the page shows none of the rolled-back work
    assert job_progress(job).done == 0
    assert execute(job.pk) == Job.State.DONE
    job.refresh_from_db()
    assert job.attempts == 2 and job.result == {"ok": 1}


def test_what_a_failed_step_set_on_the_job_is_not_kept(starter):
    job = job_start(kind="tests.scribble", user=starter, params={"steps": 1})
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "bad row" in job.error
    assert job.result is None and job.params == {"steps": 1}


def test_a_failed_job_calls_its_kinds_on_failure_after_the_rollback(starter):
    """The failed chunk's writes are gone; what ``on_failure`` writes, in its
    own transaction after the failure is committed, stays."""
    job = job_start(kind="tests.fail_hooked", user=starter, params={"steps": 1})
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    [failure] = effects(job)
    assert failure.key.endswith("failed") and failure.params == {"state": "failed"}
    assert execute(job.pk) == Job.State.FAILED  # delivered again: no second call
    assert effects(job).count() == 1


def test_a_job_given_up_after_its_deliveries_calls_on_failure(starter, settings):
    settings.JOBS_MAX_ATTEMPTS = 1
    params = {"steps": 1, "interrupt": True}
    with pytest.raises(Interrupted):
        job_start(kind="tests.fail_hooked", user=starter, params=params)
    job = Job.objects.get(started_by=starter)
    assert job.state == Job.State.RUNNING and effects(job).count() == 0
    assert execute(job.pk) == Job.State.FAILED
    assert [n.key.endswith("failed") for n in effects(job)] == [True]


def test_an_on_failure_that_raises_leaves_the_job_failed(starter):
    job = job_start(kind="tests.fail_broken_hook", user=starter, params={"steps": 1})
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "bad row" in job.error


def test_progress_reported_out_of_band_shows_while_the_job_runs(starter):
    """A job in one long transaction reports its progress to the cache
    (locmem in the tests); the progress JSON and the page read it while the
    job runs, the row once it has finished."""
    from workflows.jobs.progress import report_progress

    job = Job.objects.create(
        kind="tests.notify", started_by=starter, state=Job.State.RUNNING
    )
    client = Client()
    client.force_login(starter)
    url = f"{job.get_absolute_url()}progress/"
    assert client.get(url).json()["done"] == 0
    report_progress(job, 500, 2000)
    state = client.get(url).json()
    assert (state["done"], state["total"], state["percent"]) == (500, 2000, 25)
    assert "500 / 2000（25%）" in client.get(job.get_absolute_url()).content.decode()
    report_progress(job, 2000, 2000)
    assert client.get(url).json()["percent"] == 99  # not done until it is
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, done=7, total=7)
    state = client.get(url).json()
    assert (state["done"], state["total"], state["percent"]) == (7, 7, 100)


def test_a_new_delivery_drops_the_progress_of_the_one_before(starter):
    """A worker killed mid-chunk reported progress of work that rolled back;
    the next delivery starts from the job's row."""
    from workflows.jobs.progress import report_progress, reported_progress

    job = Job.objects.create(
        kind="tests.deadlock", started_by=starter, state=Job.State.RUNNING
    )
    Job.objects.filter(pk=job.pk).update(attempts=1)
    report_progress(job, 900, 1000)
    assert execute(job.pk) == Job.State.DONE
    assert reported_progress(job) is None
