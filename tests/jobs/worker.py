"""A real Celery worker for a test: its own process on the test database and
the Redis broker, on a queue of its own, with a short visibility timeout."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


class Worker:
    """``Worker(queue, log_dir).start()`` … ``.kill()`` / ``.stop()``."""

    def __init__(self, queue, log_dir):
        self.queue, self.log_dir = queue, Path(log_dir)
        self.process = None
        self.log = None

    def start(self, timeout=60):
        self.log = self.log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "JOBS_QUEUE": self.queue,
            "JOBS_RUNNER": "celery",
            "JOBS_MODULES": "tests.jobs.kinds",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "project", "worker",
            "--pool=solo", "-Q", self.queue,
            "-n", f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel=INFO",
        ]  # fmt: skip
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: killed as one
            )
        deadline = time.monotonic() + timeout
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the worker did not start:\n{self.output()}")
            time.sleep(0.2)
        return self

    def output(self):
        return self.log.read_text() if self.log else ""

    def kill(self):
        """SIGKILL, the whole process group: nothing is acknowledged, nothing
        cleaned up (a power cut, the OOM killer)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        stop_group(self.process)


def stop_group(process, patience=20):
    """SIGTERM ``process``'s group (started with ``start_new_session``); SIGKILL
    after ``patience`` seconds."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(patience)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


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
