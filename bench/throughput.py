"""Completed workflow steps per second: over HTTP against make serve's
layout, and through the service layer (the ceiling), in one run.

    DATABASE_URL=postgres://…/zz_bench python -m bench.throughput --steps 400

On a generated city (``python -m bench.city --size city`` into the same
database first; this benchmark adds its own cases to it and leaves them).
The step is the 低保 home visit (入户调查) of freshly accepted cases:

- HTTP: gunicorn with ``--workers`` processes (``project.settings.serve``),
  ``--clients`` concurrent clients (forked processes, one session each)
  posting the home-visit form. Every tenth post a client also posts its
  neighbour's next task — the double click of a colleague — so that
  double completions (must be 0) are looked for under contention.
- Ceiling: the same step through ``run_task`` and the step's service, in one
  process per core, no HTTP, no page, no session.

Prints and returns steps/s, p50/p95 per step and SQL per step of each.
"""

import argparse
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode

FORM = {
    "method": "in_person",
    "family_present": "户主本人",
    "household_signed": "on",
    "living_conditions": "住房简陋",
    "findings": "情况属实",
}


@dataclass
class Side:
    name: str
    steps: int
    seconds: float
    latencies: list
    sql: int
    refused: int = 0

    @property
    def per_second(self):
        return self.steps / self.seconds

    def p(self, q):
        ordered = sorted(self.latencies)
        return ordered[max(0, round(q * len(ordered)) - 1)] * 1000


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.bench")
    import django

    django.setup()
    from django.urls import get_resolver

    assert get_resolver().url_patterns


def prepare(count):
    """``count`` accepted cases in one village, each with its home visit
    waiting for the town caseworker: ``[(task, second investigator)]``."""
    from workflows import demo
    from workflows.dibao.flows import DibaoFlow

    from .lifecycle import accepted_cases

    _village, caseworker, cases = accepted_cases(count, seed=11, first=90000)
    tasks = []
    for case in cases:
        task = demo.open_task(case, DibaoFlow.home_visit)
        tasks.append((task, demo.second_investigator(case, caseworker)))
    return caseworker, tasks


def _service_step(task, caseworker, second):
    from django.utils import timezone

    from workflows.core.services import run_task
    from workflows.dibao import services

    run_task(
        task=task,
        user=caseworker,
        step=lambda a: services.home_visit_record(
            application=a.process,
            user=caseworker,
            visited_on=timezone.localdate(),
            method="in_person",
            remote_reason="",
            investigator_1=caseworker,
            investigator_2=second,
            family_present="户主本人",
            household_signed=True,
            living_conditions="住房简陋",
            findings="情况属实",
        ),
    )


def _post_data(task, caseworker, second):
    from django.utils import timezone

    return {
        **FORM,
        "visited_on": timezone.localdate().isoformat(),
        "investigator_1": caseworker.pk,
        "investigator_2": second.pk,
    }


# --- the ceiling: the service layer, one process per core --------------------------


def _service_worker(jobs, barrier, out):
    from django.db import connections

    latencies = []
    barrier.wait()
    for task, caseworker, second in jobs:
        start = time.perf_counter()
        _service_step(task, caseworker, second)
        latencies.append(time.perf_counter() - start)
    connections.close_all()
    out.put(latencies)


def _in_processes(target, shares):
    from django.db import connections

    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(len(shares) + 1), context.Queue()
    connections.close_all()
    children = [context.Process(target=target, args=(s, barrier, out)) for s in shares]
    for child in children:
        child.start()
    barrier.wait()
    start = time.perf_counter()
    results = [out.get() for _ in children]
    seconds = time.perf_counter() - start
    for child in children:
        child.join()
    return results, seconds


def ceiling(caseworker, tasks, processes):
    from .measure import counted

    (task, second), *rest = tasks
    _, sql = counted(lambda: _service_step(task, caseworker, second))
    shares = [
        [(t, caseworker, s) for t, s in rest[i::processes]] for i in range(processes)
    ]
    results, seconds = _in_processes(_service_worker, shares)
    latencies = [x for r in results for x in r]
    return Side("service layer", len(latencies), seconds, latencies, sql)


# --- HTTP against gunicorn ------------------------------------------------------------


def _http_worker(jobs, barrier, out):
    from tests.race.served import HttpClient

    client = HttpClient(jobs["base"], jobs["session"])
    latencies, done, refused = [], 0, 0
    for _ in range(3):  # warm every gunicorn worker (imports, URLconf) first
        client.get("/")
    barrier.wait()
    for url, data in jobs["posts"]:
        start = time.perf_counter()
        status, _location, _body = client._request("POST", url, urlencode(data))
        elapsed = time.perf_counter() - start
        if status == 302:
            done += 1
            latencies.append(elapsed)
        elif status in (403, 409):
            refused += 1
        else:
            raise AssertionError(f"HTTP {status} for {url}")
    out.put((latencies, done, refused))


def over_http(caseworker, tasks, clients, workers, log_dir):
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from viewflow.workflow.status import STATUS

    from tests.race.served import Gunicorn
    from tests.workflows.dibao.desk import task_url

    # SQL of one step: the same view in this process
    (task, second), *rest = tasks
    client = Client()
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        reply = client.post(
            task_url(task, "execute"), _post_data(task, caseworker, second)
        )
    assert reply.status_code == 302, reply.status_code
    sql = len(queries)

    posts = [(task_url(t, "execute"), _post_data(t, caseworker, s)) for t, s in rest]
    own = [posts[i::clients] for i in range(clients)]
    shares = []
    for i in range(clients):
        neighbour = own[(i + 1) % clients]
        mine = []
        for j, post in enumerate(own[i]):
            mine.append(post)
            if j % 10 == 9 and j < len(neighbour):
                mine.append(neighbour[j])  # a colleague's task, at the same moment
        session = Client()
        session.force_login(caseworker)
        shares.append({"posts": mine, "session": session})
    server = Gunicorn(log_dir, workers=workers).start()
    try:
        for share in shares:
            share["base"] = f"http://127.0.0.1:{server.port}"
        results, seconds = _in_processes(_http_worker, shares)
    finally:
        server.stop()
    latencies = [x for r in results for x in r[0]]
    done = sum(r[1] for r in results)
    refused = sum(r[2] for r in results)
    ids = [t.pk for t, _ in rest]
    from viewflow.workflow.models import Task

    doubles = (
        Task.history.model.objects.filter(id__in=ids, status=STATUS.DONE)
        .values("id")
        .annotate(n=Count("history_id"))
        .filter(n__gt=1)
        .count()
    )
    side = Side("HTTP (gunicorn)", done, seconds, latencies, sql, refused)
    side.doubles = doubles
    side.unfinished = (
        Task.objects.filter(id__in=ids).exclude(status=STATUS.DONE).count()
    )
    return side


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="steps per side")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--processes", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    _setup()
    import logging
    import tempfile

    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench.throughput needs PostgreSQL (DATABASE_URL=postgres://…)")
    from workflows.models import Case

    cases_before = Case.objects.count()
    started = time.perf_counter()
    caseworker, tasks = prepare(2 * (args.steps + 1))
    print(
        f"{len(tasks)} cases prepared in {time.perf_counter() - started:.0f}s "
        f"(database: {cases_before:,} cases)",
        flush=True,
    )
    http = over_http(
        caseworker,
        tasks[: args.steps + 1],
        args.clients,
        args.workers,
        tempfile.mkdtemp(prefix="bench-http-"),
    )
    service = ceiling(caseworker, tasks[args.steps + 1 :], args.processes)
    rows = [
        "| side | concurrency | steps | steps/s | p50 ms | p95 ms | SQL/step |",
        "|---|---|---|---|---|---|---|",
        f"| HTTP, gunicorn {args.workers} workers | {args.clients} clients | "
        f"{http.steps} | {http.per_second:.1f} | {http.p(0.5):.0f} | "
        f"{http.p(0.95):.0f} | {http.sql} |",
        f"| service layer | {args.processes} processes | {service.steps} | "
        f"{service.per_second:.1f} | {service.p(0.5):.0f} | {service.p(0.95):.0f} "
        f"| {service.sql} |",
    ]
    ratio = http.per_second / service.per_second
    summary = (
        f"HTTP / ceiling: **{ratio:.0%}** (goal ≥ 70 %: "
        f"{'met' if ratio >= 0.7 else 'not met'}); double completions: "
        f"**{http.doubles}**; refused (a colleague's task already done): "
        f"{http.refused}; tasks left open: {http.unfinished}; database: "
        f"{cases_before:,} cases before the run."
    )
    print("\n".join(rows))
    print(summary)
    return rows, summary, http, service


if __name__ == "__main__":
    main()
