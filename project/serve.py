"""``make serve``: prepare the database, then run gunicorn, a Celery worker
and Celery beat side by side until Ctrl-C (or until one of them stops, which
stops the others). Settings: ``project.settings.serve``.

    python -m project.serve [--workers 4] [--bind 127.0.0.1:8000]

No demo data: its logins have a published password, and ``load_demo``
refuses to run with DEBUG off. Create an account with ``createsuperuser``.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def ensure_database(url):
    """Create the PostgreSQL database named in ``url`` if it is missing."""
    from urllib.parse import urlparse

    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def commands(workers, bind):
    py = sys.executable
    schedule = BASE_DIR / "var" / "celerybeat-schedule"
    return {
        "web": [
            py, "-m", "gunicorn", "project.wsgi", "--workers", str(workers),
            "--bind", bind, "--access-logfile", "-", "--graceful-timeout", "10",
        ],
        "worker": [
            py, "-m", "celery", "-A", "project", "worker", "--loglevel=INFO",
            "--concurrency", "2",
        ],
        "beat": [
            py, "-m", "celery", "-A", "project", "beat", "--loglevel=INFO",
            "--schedule", str(schedule),
        ],
    }  # fmt: skip


def prepare():
    import django

    from project.settings import serve  # noqa: F401  (the environment defaults)

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("bootstrap", "--no-demo")
    call_command("collectstatic", "--noinput", verbosity=0)


def run(processes):
    """Start each, wait; the first to stop (or a signal) stops them all."""
    children = {}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, command in processes.items():
        children[name] = subprocess.Popen(command, cwd=BASE_DIR)
    try:
        while not stopping:
            ended = [name for name, p in children.items() if p.poll() is not None]
            if ended:
                print(f"{', '.join(ended)} stopped; stopping the rest", flush=True)
                break
            time.sleep(0.5)
    finally:
        for p in children.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for p in children.values():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
    return max((p.returncode or 0) for p in children.values()) if not stopping else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--bind", default="127.0.0.1:8000")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings.serve"
    prepare()
    print(f"Serving on http://{args.bind}/  (Ctrl-C stops web, worker and beat)")
    sys.exit(run(commands(args.workers, args.bind)))


if __name__ == "__main__":
    main()
