"""The benchmark harness at its smallest size, so it cannot rot.

Generates a tiny city into a database of its own (SQLite file, or a separate
PostgreSQL database when the suite runs on PostgreSQL) and runs every
benchmark once, as `make bench` would.
"""

import os
import subprocess
import sys
from pathlib import Path

import environ
from django.conf import settings


def bench_database_url(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        config = environ.Env.db_url_config(url)
        return url.rsplit("/", 1)[0] + f"/{config['NAME']}_bench_smoke"
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}"


def test_generator_and_every_benchmark_run_at_the_smallest_size(tmp_path):
    report = tmp_path / "performance.md"
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(tmp_path),
        "AUDIT_HEAD_LOG": str(tmp_path / "audit-heads.log"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--sizes",
            "tiny",
            "--repeat",
            "2",
            "--lifecycle-cases",
            "1",
            "--report",
            str(report),
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    text = report.read_text(encoding="utf-8")
    for expected in (
        "### Generated cities",
        "| tiny |",
        "inbox",
        "queue",
        "case list",
        "overdue",
        "区（市）民政局负责人",
        "村（社区）协理员",
        "镇（街道）经办人员",
        "区（市）审核确认人员",
        "application to decision",
        "| decide |",
        "Sealing and verifying all audit records",
    ):
        assert expected in text, expected
    assert "generated in" in proc.stdout
    # the generated city writes history and row hashes like the application
    assert "[tiny] audit records: 0 finding(s)" in proc.stdout
