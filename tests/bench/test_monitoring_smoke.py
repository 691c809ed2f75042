"""The monitoring benchmark at its smallest, so it cannot rot: the generated
register and feeds, the bare join finding exactly the hits the generator
planted, and (once the monitoring run exists) the whole benchmark in a
database of its own, as ``python -m bench.monitoring`` runs it."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.bench.test_smoke import bench_database_url


@pytest.mark.django_db
def test_the_bare_join_finds_exactly_the_planted_hits_and_no_stale_row():
    from bench.monitoring_data import Register
    from bench.monitoring_join import hits
    from workflows.benefits.models import Benefit, RegisterEntry
    from workflows.dibao.services.crosscheck import feed_window
    from workflows.monitoring.models import FeedBatch, FeedRecord

    register = Register(600, 4000, seed=7, out=lambda _m: None)
    counts = register.build()

    assert counts["feed_rows"] == FeedRecord.objects.count() == 4000
    open_entries = RegisterEntry.objects.filter(ended_on__isnull=True)
    assert open_entries.count() == 600 - counts["stopped"]
    assert Benefit.objects.exclude(status="stopped").count() == counts["recipients"]
    # an older complete batch per source and one still being written
    assert FeedBatch.objects.filter(completed_at__isnull=True).count() == 1
    on = datetime.date.today()
    found = hits(on, feed_window(on))
    assert found == register.expected
    assert {rule for _h, rule, _n in found} == {
        "death",
        "vehicle",
        "real_estate",
        "business",
        "income_over_line",
        "single_candidate",
        "new_hardship",
    }


def test_the_benchmark_runs_on_two_sizes_and_the_run_finds_the_joins_hits(tmp_path):
    pytest.importorskip("workflows.alerts.services")
    report = tmp_path / "performance.md"
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(tmp_path).replace(
            "_bench_smoke", "_monitoring_smoke"
        ),
        "AUDIT_HEAD_LOG": str(tmp_path / "audit-heads.log"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.monitoring", "--sizes", "300:2000,600:4000"]
        + ["--repeat", "1", "--report", str(report)],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-4000:]
    text = report.read_text(encoding="utf-8")
    assert "## Monitoring run" in text
    rows = [line for line in text.splitlines() if line.startswith("| 300 |")]
    assert rows and rows[0].endswith("| yes |"), text
