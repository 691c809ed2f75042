"""Run every benchmark on generated cities and write docs/performance.md.

    python -m bench.run                  # 1k-case city, then the full city
    python -m bench.run --sizes tiny     # seconds (the smoke test)

DATABASE_URL picks the database (default: var/bench.sqlite3); each size is
generated afresh into it.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"


def machine():
    from django.db import connection

    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = "PostgreSQL " + cursor.fetchone()[0].split()[0]
        else:
            cursor.execute("select sqlite_version()")
            db = "SQLite " + cursor.fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "memory": mem,
        "database": db,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }


def measure(size, repeat, lifecycle_cases):
    """Generate ``size`` and run the benchmarks, in a child process (a fresh
    Django per database). Returns the results as plain data."""
    call = f"_measure_here({size!r}, {repeat}, {lifecycle_cases})"
    code = (
        "import json, sys; from bench.run import _measure_here; "
        f"print('RESULT' + json.dumps({call}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    sys.stdout.write(
        "".join(
            line + "\n"
            for line in proc.stdout.splitlines()
            if not line.startswith("RESULT")
        )
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark at size {size} failed")
    import json

    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


def _measure_here(size, repeat, lifecycle_cases):
    from dataclasses import asdict

    from .city import generate

    load_seconds = generate(size, out=lambda msg: print(f"[{size}] {msg}", flush=True))
    from django.db import connection

    from workflows.models import Case, Household, Member

    from . import audit, lifecycle, pages, permissions

    counts = {
        "cases": Case.objects.count(),
        "households": Household.objects.count(),
        "members": Member.objects.count(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM viewflow_task")
        counts["tasks"] = cursor.fetchone()[0]
    print(f"[{size}] sealing and verifying the audit records…", flush=True)
    verified = asdict(audit.verify_cost())
    print(f"[{size}] audit records: {verified['findings']} finding(s)", flush=True)
    print(f"[{size}] measuring pages…", flush=True)
    page_results = [dict(asdict(r), ratio=r.ratio) for r in pages.run(repeat=repeat)]
    print(f"[{size}] measuring the lifecycle…", flush=True)
    life = asdict(lifecycle.run(cases=lifecycle_cases))
    print(
        f"[{size}] measuring scoped lists against the per-object stock path…",
        flush=True,
    )
    user, region, _ = pages.busiest_user("district_reviewer", "district")
    perms = [
        dict(asdict(r), stock_ratio=r.stock_ratio, bare_ratio=r.bare_ratio)
        for r in permissions.run(user, region, repeat=repeat)
    ]
    print(f"[{size}] measuring the audit trail…", flush=True)
    save, record, timeline = audit.run(
        repeat=repeat, cases=max(2, lifecycle_cases // 2)
    )
    return {
        "audit": {
            "save": dict(asdict(save), ratio=save.ratio, case_ratio=save.case_ratio),
            "record": dict(asdict(record), added=record.added),
            "verify": verified,
            "timeline": asdict(timeline),
        },
        "size": size,
        "machine": machine(),
        "load_seconds": load_seconds,
        "counts": counts,
        "pages": page_results,
        "lifecycle": life,
        "permissions": perms,
    }


def report(runs, path=REPORT):
    """Write this database's section of the report, keeping the others."""
    from .report import merge, render

    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(merge(existing, runs), encoding="utf-8")
    print(render(runs))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the benchmarks and write the report."
    )
    parser.add_argument(
        "--sizes", default="1k,city", help="comma separated (tiny, 1k, small, city)"
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--lifecycle-cases", type=int, default=20)
    parser.add_argument("--report", default=str(REPORT), help="'-' to only print")
    args = parser.parse_args(argv)
    runs = [
        measure(s, args.repeat, args.lifecycle_cases) for s in args.sizes.split(",")
    ]
    if args.report == "-":
        from .report import render

        print(render(runs))
    else:
        report(runs, Path(args.report))


if __name__ == "__main__":
    main()
