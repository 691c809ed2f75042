"""The restore drill of docs/operations.md, timed: dump the database named by
DATABASE_URL (``pg_dump -Fc``), restore it into a new database
(``pg_restore -j``), check that the restored schema needs no migration and
that its audit chain verifies against the head log, then drop it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_bench python -m bench.restore

Prints the size of the database and of the dump and the time of each stage
(the figures docs/operations.md quotes). ``--no-verify`` skips the audit
verification (it reads every history row: the longest stage on a city).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent


def _connection_args(config):
    return [
        "-h",
        config.get("HOST") or "127.0.0.1",
        "-p",
        str(config.get("PORT") or 5432),
        "-U",
        config.get("USER") or "postgres",
    ]


def _psql_value(config, sql, dbname):
    out = subprocess.run(
        ["psql", *_connection_args(config), "-d", dbname, "-At", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _timed(label, command, env=None, stages=None):
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(
            f"{label} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    stages.append((label, seconds, result.stdout.strip().splitlines()[-1:]))
    print(f"{label}: {seconds:.1f} s", flush=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    config = environ.Env.db_url_config(url) if url else {}
    if not config.get("ENGINE", "").endswith("postgresql"):
        sys.exit("bench.restore needs PostgreSQL (DATABASE_URL=postgres://…)")
    for tool in ("pg_dump", "pg_restore", "psql"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (Debian: postgresql-client)")
    source = config["NAME"]
    drill = f"{source}_restore_drill"
    conn = _connection_args(config)
    size = _psql_value(
        config, f"SELECT pg_size_pretty(pg_database_size('{source}'))", source
    )
    cases = _psql_value(config, "SELECT count(*) FROM workflows_case", source)
    print(f"database {source}: {size}, {int(cases):,} cases", flush=True)
    stages = []
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as tmp:
        dump = Path(tmp) / f"{source}.dump"
        _timed(
            "pg_dump -Fc",
            ["pg_dump", *conn, "-Fc", "-d", source, "-f", str(dump)],
            stages=stages,
        )
        print(f"dump: {dump.stat().st_size / 2**20:,.0f} MiB", flush=True)
        subprocess.run(["dropdb", *conn, "--if-exists", "--force", drill], check=True)
        subprocess.run(["createdb", *conn, drill], check=True)
        try:
            _timed(
                f"pg_restore -j {args.jobs}",
                [
                    "pg_restore",
                    *conn,
                    "-j",
                    str(args.jobs),
                    "--no-owner",
                    "-d",
                    drill,
                    str(dump),
                ],
                stages=stages,
            )
            env = {
                **os.environ,
                "DATABASE_URL": url.rsplit("/", 1)[0] + "/" + drill,
                "DJANGO_SETTINGS_MODULE": "project.settings.bench",
                # the source's head log: the restored chain must carry its heads
                "AUDIT_HEAD_LOG": os.environ.get("AUDIT_HEAD_LOG")
                or str(ROOT / "var" / f"audit-heads-{source}.log"),
            }
            manage = [sys.executable, str(ROOT / "manage.py")]
            _timed("migrate --check", [*manage, "migrate", "--check"], env, stages)
            if not args.no_verify:
                _timed("verify_audit", [*manage, "verify_audit"], env, stages)
        finally:
            subprocess.run(["dropdb", *conn, "--if-exists", "--force", drill])
    print("| stage | seconds |\n|---|---:|")
    for label, seconds, _tail in stages:
        print(f"| {label} | {seconds:.1f} |")
    return stages


if __name__ == "__main__":
    main()
