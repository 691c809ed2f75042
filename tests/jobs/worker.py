"""A real Celery worker for a test: its own process on the test database and
the Redis broker, on a queue of its own, with a short visibility timeout."""

import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import ServiceProcess, database_url

VISIBILITY_TIMEOUT = 3  # seconds: a killed worker's job comes back this soon


def redis_reachable(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        return str(error)
    return ""


def require_broker():
    """Skip when Redis is not there, unless ``REQUIRE_SERVICES`` is set (CI:
    .ci/run sets it, so the test can never be skipped there)."""
    problem = redis_reachable(settings.CELERY_BROKER_URL)
    if problem:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"Redis at {settings.CELERY_BROKER_URL}: {problem}")
        pytest.skip(f"needs Redis at {settings.CELERY_BROKER_URL}: {problem}")


class Worker(ServiceProcess):
    """``Worker(queue, log_dir).start()`` … ``.kill()`` / ``.stop()``."""

    def __init__(self, queue, log_dir):
        super().__init__(Path(log_dir) / f"worker-{uuid.uuid4().hex[:6]}.log")
        self.queue = queue

    def start(self, timeout=60):
        env = {
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "JOBS_QUEUE": self.queue,
            "JOBS_RUNNER": "celery",
            "JOBS_MODULES": "tests.jobs.kinds",
        }
        args = [
            "celery", "-A", "project", "worker",
            "--pool=solo", "-Q", self.queue,
            "-n", f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel=INFO",
        ]  # fmt: skip
        ready = lambda: " ready." in self.output()  # noqa: E731
        return super().start(args, env=env, ready=ready, timeout=timeout)


def queue_length(queue):
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
