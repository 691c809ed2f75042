"""Jobs on a real Celery worker over Redis (PostgreSQL: the worker is
another process on the test database).

The worker is killed with SIGKILL mid-job: its message was never
acknowledged, so Redis hands it to the next worker once the visibility
timeout passes, and that worker continues the job after its last committed
chunk. The job ends with each chunk's effect exactly once."""

import time
import uuid

import pytest
from django.db import transaction
from django.test import override_settings

from tests.race.harness import postgres_only
from workflows.jobs.models import Job
from workflows.jobs.services import job_start

from .kinds import allow, effects
from .worker import VISIBILITY_TIMEOUT, Worker, queue_length, require_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


@pytest.fixture
def queue(tmp_path):
    require_broker()
    name = f"zz-test-jobs-{uuid.uuid4().hex[:8]}"
    workers = []

    def worker():
        workers.append(Worker(name, tmp_path).start())
        return workers[-1]

    with override_settings(JOBS_RUNNER="celery", JOBS_QUEUE=name):
        yield worker
    for w in workers:
        w.stop()


def _job(pk):
    return Job.objects.get(pk=pk)


def test_a_job_whose_worker_is_killed_completes_exactly_once(queue, staff):
    starter = allow(staff("town_caseworker", "370402106"))
    first = queue()
    steps = 8
    with transaction.atomic():
        job = job_start(
            kind="tests.notify", user=starter, params={"steps": steps, "pause": 0.4}
        )
    wait_for(lambda: _job(job.pk).done >= 3, 60, "three chunks committed")
    first.kill()
    killed = _job(job.pk)
    assert killed.state == Job.State.RUNNING and killed.done < steps
    # what the killed worker had not committed is gone with its connection
    assert effects(job).count() == killed.done

    second = queue()
    wait_for(lambda: _job(job.pk).finished, 30 + VISIBILITY_TIMEOUT, "the job")
    done = _job(job.pk)
    assert done.state == Job.State.DONE, second.output()
    assert done.attempts == 2 and done.result == {"已写入": steps}
    assert sorted(n.params["chunk"] for n in effects(job)) == list(range(steps))
    # acknowledged: nothing comes back after another visibility timeout
    wait_for(lambda: queue_length(second.queue) == 0, 5, "an empty queue")
    time.sleep(VISIBILITY_TIMEOUT + 2)
    assert _job(job.pk).attempts == 2 and effects(job).count() == steps


def test_a_job_queued_in_a_rolled_back_transaction_never_reaches_a_worker(queue, staff):
    starter = allow(staff("town_caseworker", "370402106"))
    worker = queue()
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = job_start(kind="tests.notify", user=starter, params={"steps": 1})
        raise RuntimeError("rolled back")
    with transaction.atomic():
        kept = job_start(kind="tests.notify", user=starter, params={"steps": 1})
    wait_for(lambda: _job(kept.pk).finished, 30, "the committed job")
    assert _job(kept.pk).state == Job.State.DONE
    assert not Job.objects.filter(pk=lost.pk).exists()
    assert effects(lost).count() == 0
    # one message reached the worker: the committed job's
    received = [line for line in worker.output().splitlines() if "received" in line]
    assert len(received) == 1 and "jobs.run" in received[0]
