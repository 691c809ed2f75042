"""The monitoring run (低收入人口动态监测) at city scale, beside the bare SQL
join finding the same hits.

    python -m bench.monitoring                       # 40,000 then 400,000 households
    python -m bench.monitoring --sizes 400000:1000000
    python -m bench.monitoring --sizes 300:2000 --report -   # seconds

Each size (households:feed rows) gets a database of its own at DATABASE_URL
(``bench.monitoring_data``: generated, or copied from the template of its
shape on PostgreSQL), in a child process. Then, each measured:

- the join (``bench.monitoring_join``): one statement fetching every hit as
  (household, rule, ID number); the median of ``--repeat`` runs;
- the run: ``alerts.services.monitoring_run`` over the whole city, as the
  scheduled job runs it: once in a transaction rolled back under
  ``tracemalloc`` (peak Python memory), then for real (time, SQL statements,
  alerts opened, the growth of the process's maximum resident set);
- the hits it opened, checked equal to the join's;
- a second run right after, on the same facts: opens nothing.

Prints the figures and the ratio run ÷ join per size, and the statements
side by side across sizes (goal: within 5× the join, statements not growing
with the households); writes the "Monitoring run" section of
docs/performance.md (``--report -`` only prints).
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
SIZES = "40000:100000,400000:1000000"
GOAL = 5


def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def opened_hits(since_pk):
    """The hits the run opened (alerts with a pk above ``since_pk``), as the
    join states them: (household, rule, ID number; none for income)."""
    from workflows.alerts.models import Alert

    rows = Alert.objects.filter(pk__gt=since_pk).values_list(
        "household_id", "rule", "member__id_number"
    )
    return {
        (h, rule, None if rule == "income_over_line" else number)
        for h, rule, number in rows
    }


def _last_alert_pk():
    from django.db.models import Max

    from workflows.alerts.models import Alert

    return Alert.objects.aggregate(m=Max("pk"))["m"] or 0


def task_links_workaround():
    """PostgreSQL: give ``viewflow_task_previous`` rows inserted with a NULL
    id (``core.bulkstart`` inserts the link rows with every column, the
    identity included) their id from the sequence, by a trigger. SQLite
    numbers such rows itself. Fixed since (c9bdb6b); harmless, to be removed."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE OR REPLACE FUNCTION bench_task_previous_id() RETURNS trigger AS $$
            BEGIN
                IF NEW.id IS NULL THEN
                    NEW.id := nextval(
                        pg_get_serial_sequence('viewflow_task_previous', 'id'));
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS bench_task_previous_id ON viewflow_task_previous;
            CREATE TRIGGER bench_task_previous_id BEFORE INSERT
                ON viewflow_task_previous
                FOR EACH ROW EXECUTE FUNCTION bench_task_previous_id();
            """
        )
    return True


def measure_here(households, feed_rows, repeat=3, seed=2026):
    """Prepare one size and measure it (call in a fresh process)."""
    from .monitoring_data import prepare

    t0 = time.perf_counter()
    counts = prepare(households, feed_rows, seed, out=lambda m: print(m, flush=True))
    prepared = time.perf_counter() - t0
    from django.db import connection, transaction

    from workflows.alerts.services import LOOKBACK_DAYS, monitoring_run
    from workflows.monitoring.models import FeedRecord
    from workflows.registry.models import Member

    from .measure import counted
    from .monitoring_join import hits
    from .run import machine

    if task_links_workaround():
        print("workaround: NULL ids of task links numbered by a trigger", flush=True)
    on = datetime.date.today()
    since = on - datetime.timedelta(LOOKBACK_DAYS)  # the run's window
    load_before = os.getloadavg()

    joins, found = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        found = hits(on, since)
        joins.append(time.perf_counter() - start)
    join = statistics.median(joins)
    print(f"join: {len(found)} hits in {join:.2f}s", flush=True)

    tracemalloc.start()
    with transaction.atomic():
        monitoring_run(user=None, district=None)
        transaction.set_rollback(True)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"run (rolled back, traced): peak {peak:.0f} MB", flush=True)

    before_pk, rss_before = _last_alert_pk(), _maxrss_mb()
    start = time.perf_counter()
    _, statements = counted(lambda: monitoring_run(user=None, district=None))
    run = time.perf_counter() - start
    rss_after = _maxrss_mb()
    opened = opened_hits(before_pk)
    print(f"run: {len(opened)} alerts in {run:.2f}s, {statements} statements")

    start = time.perf_counter()
    _, again_statements = counted(lambda: monitoring_run(user=None, district=None))
    again = time.perf_counter() - start
    again_opened = len(opened_hits(before_pk)) - len(opened)
    load_after = os.getloadavg()

    missing, extra = found - opened, opened - found
    result = {
        "households": households,
        "feed_rows": FeedRecord.objects.count(),
        "members": Member.objects.count(),
        "prepared": prepared,
        "generated": counts is not None,
        "join": join,
        "hits": len(found),
        "by_rule": _by_rule(found),
        "run": run,
        "statements": statements,
        "opened": len(opened),
        "peak_mb": peak,
        "rss_growth_mb": max(0.0, rss_after - rss_before),
        "again": again,
        "again_statements": again_statements,
        "again_opened": again_opened,
        "same_hits": not missing and not extra,
        "missing": sorted(map(str, missing))[:5],
        "extra": sorted(map(str, extra))[:5],
        "load": [load_before[0], load_after[0]],
        "machine": machine(),
        "expected_hits": counts and counts.get("hit_rows"),
        "vendor": connection.vendor,
    }
    return result


def _by_rule(found):
    by = {}
    for _h, rule, _n in found:
        by[rule] = by.get(rule, 0) + 1
    return dict(sorted(by.items()))


def measure(households, feed_rows, repeat):
    """``measure_here`` in a child process (a fresh Django per database)."""
    call = f"measure_here({households}, {feed_rows}, {repeat})"
    code = (
        "import json; from bench.monitoring import measure_here; "
        f"print('RESULT' + json.dumps({call}))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    result = None
    for line in proc.stdout:
        if line.startswith("RESULT"):
            result = json.loads(line[len("RESULT") :])
        else:
            sys.stdout.write(f"[{households}] {line}")
            sys.stdout.flush()
    if proc.wait() != 0 or result is None:
        raise SystemExit(f"the monitoring benchmark at {households} failed")
    return result


def render(results):
    m = results[-1]["machine"]
    lines = [
        "## Monitoring run (bench/monitoring.py)",
        "",
        f"Measured {m['date']} on {m['cores']} cores, {m['memory']} memory, "
        f"{m['database']}, Python {m['python']}; load average "
        + ", ".join(f"{r['load'][0]:.1f}→{r['load'][1]:.1f}" for r in results)
        + " (the machine is shared). `python -m bench.monitoring`: the register "
        "and feeds generated (bench/monitoring_data.py), the whole city's run "
        "(`alerts.services.monitoring_run`) beside one bare SQL join finding "
        "the same hits (bench/monitoring_join.py); the run's hits are checked "
        "equal to the join's. Goal: the run within "
        f"{GOAL}× the join, no statement per household.",
        "",
        "| households | members | feed rows | hits | join | run | run ÷ join "
        "| statements | peak memory (traced) | max RSS growth | second run "
        "(opens) | same hits |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['households']:,} | {r['members']:,} | {r['feed_rows']:,} "
            f"| {r['hits']:,} | {r['join']:.2f} s | {r['run']:.2f} s "
            f"| {r['run'] / r['join']:.1f}× | {r['statements']} "
            f"| {r['peak_mb']:.0f} MB | {r['rss_growth_mb']:.0f} MB "
            f"| {r['again']:.2f} s, {r['again_statements']} statements "
            f"({r['again_opened']}) | {'yes' if r['same_hits'] else 'NO'} |"
        )
    lines += [
        "",
        "Hits per rule: "
        + "; ".join(
            f"{r['households']:,}: "
            + ", ".join(f"{k} {v:,}" for k, v in r["by_rule"].items())
            for r in results
        )
        + ".",
    ]
    return "\n".join(lines)


def merge(existing, block):
    start, end = "<!-- bench:monitoring -->", "<!-- /bench:monitoring -->"
    block = f"{start}\n{block}\n{end}"
    if start in existing and end in existing:
        before, rest = existing.split(start, 1)
        return before + block + rest.split(end, 1)[1]
    return existing.rstrip() + "\n\n" + block + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES, help="households:feed rows,…")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report", default=str(REPORT), help="'-' to only print")
    args = parser.parse_args(argv)
    results = []
    for size in args.sizes.split(","):
        households, feed_rows = (int(x) for x in size.split(":"))
        results.append(measure(households, feed_rows, args.repeat))
    text = render(results)
    print(text)
    if args.report != "-":
        path = Path(args.report)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(merge(existing, text), encoding="utf-8")
    failed = [r for r in results if not r["same_hits"] or r["again_opened"]]
    for r in failed:
        print(
            f"{r['households']}: the run's hits differ from the join's "
            f"(missing {r['missing']}, extra {r['extra']}) or the second run "
            f"opened {r['again_opened']}",
            file=sys.stderr,
        )
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
