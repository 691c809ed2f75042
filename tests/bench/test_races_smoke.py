"""The race soak (``make bench-races``) at its smallest, so it cannot rot:
one round of one pair into a PostgreSQL database of its own; on SQLite it
refuses and says why."""

import os
import subprocess
import sys
from pathlib import Path

import environ
from django.conf import settings

from tests.race.harness import postgres_only


def run(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "bench.races", *args],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@postgres_only
def test_one_round_of_the_soak_runs_and_reports():
    url = os.environ["DATABASE_URL"]
    name = environ.Env.db_url_config(url)["NAME"]
    proc = run(url.rsplit("/", 1)[0] + f"/{name}_races_smoke", "--rounds", "1")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    for pair in ("complete/unassign", "complete/reassign", "assign/assign"):
        assert f"| {pair} | 1 |" in proc.stdout, proc.stdout


def test_on_sqlite_the_soak_refuses_and_says_why(tmp_path):
    proc = run(f"sqlite:///{tmp_path / 'races.sqlite3'}", "--rounds", "1")
    assert proc.returncode != 0
    assert "needs PostgreSQL" in proc.stderr
