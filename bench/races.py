"""Soak the lock order: many rounds of two processes racing on one task.

    DATABASE_URL=postgres://…/zz_bench_races python -m bench.races --rounds 500
    make bench-races ROUNDS=500

The same pairs and checks as tests/race/test_processes.py (complete/unassign,
complete/reassign, complete/complete, assign/assign), each round on a fresh
task, both requests released together by a barrier through Django's test
client in two forked processes. Prints per pair the rounds, the wins of each
side, the anomalies (must be 0: the exit status is 1 otherwise) and the time
per round. The database named by DATABASE_URL is dropped and created afresh:
never point it at data you keep. Needs the test extras (``make install-test``).
"""

import argparse
import logging
import os
import statistics
import sys


def _setup(url):
    import environ

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        raise SystemExit(
            "bench.races needs PostgreSQL (DATABASE_URL=postgres://…): on SQLite "
            "IMMEDIATE transactions serialise every writer, there is no race."
        )
    from . import db

    db.recreate()
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings.bench"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.urls import get_resolver

    setup_test_environment()  # the test client records what the pages said
    # refusals are the expected outcome of half the requests; a 500 still logs
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    assert get_resolver().url_patterns  # viewflow names its URLs when built


def _crew():
    from tests.factories import StaffFactory
    from tests.race.cases import make_crew
    from tests.workflows.dibao.desk import make_cast

    staff = StaffFactory.with_post
    return make_crew(make_cast(staff), staff)


def _row(result):
    wins = ", ".join(f"{side} {n}" for side, n in sorted(result.wins.items()))
    race_ms = statistics.median(result.race_seconds) * 1000
    round_ms = result.seconds / max(result.rounds, 1) * 1000
    return (
        f"| {result.pair} | {result.rounds} | {wins} | {len(result.failures)} "
        f"| {race_ms:.0f} | {round_ms:.0f} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="rounds per pair")
    parser.add_argument(
        "--pairs", default="", help="comma separated names (default: every pair)"
    )
    args = parser.parse_args(argv)
    from .db import url

    _setup(url())
    from tests.race.harness import Racers
    from tests.race.pairs import PAIRS, run_rounds

    chosen = [p for p in PAIRS if not args.pairs or p.name in args.pairs.split(",")]
    crew = _crew()
    results = []
    with Racers(crew.clients) as racers:
        for pair in chosen:
            print(f"{pair.name}: {args.rounds} rounds…", flush=True)
            results.append(run_rounds(racers, crew, pair, args.rounds))
    print()
    print("| pair | rounds | wins | anomalies | race ms (median) | ms per round |")
    print("|---|---:|---|---:|---:|---:|")
    for result in results:
        print(_row(result))
    anomalies = [(r.pair, f) for r in results for f in r.failures]
    for pair, failure in anomalies[:10]:
        print(f"ANOMALY {pair} round {failure[0]}: {failure[1:]}")
    return 1 if anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
