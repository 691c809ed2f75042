"""Server processes a test starts beside itself (a Celery worker, gunicorn):
each in its own process group, on the test database, its output in a log
file, ready when the caller's check says so."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url():
    """The test database as a URL, for a process that reads ``DATABASE_URL``."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


class ServiceProcess:
    """``start(args, env, ready=…)`` runs ``python -m <args>`` from the
    project's directory and waits until ``ready()`` is true (the process
    ending first, or ``timeout``, fails the test with its output); ``stop``
    ends its whole group, ``kill`` does it without warning."""

    def __init__(self, log):
        self.log = Path(log)
        self.process = None

    def start(self, args, *, env, ready, timeout=60):
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=BASE_DIR,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: ended as one
            )
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{args[0]} did not start:\n{self.output()}")
            time.sleep(0.2)
        return self

    def output(self):
        return self.log.read_text() if self.log.exists() else ""

    def kill(self):
        """SIGKILL, the whole group: nothing acknowledged, nothing cleaned up
        (a power cut, the OOM killer)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self, patience=20):
        """SIGTERM the group; SIGKILL after ``patience`` seconds."""
        process = self.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(patience)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
