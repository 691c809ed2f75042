"""The one-click cross-check (一键核对) of many applications against a large
feed, through the product's path, beside a bare SQL join finding the same rows.

    python -m bench.city --size tiny            # a generated city first
    python -m bench.crosscheck --applications 100 --feed-rows 100000
    python -m bench.crosscheck                  # 1,000 × 1,000,000 (PostgreSQL)
    python -m bench.crosscheck --again          # measure again, same data

Adds ``--applications`` accepted applications (two members each) to the
generated city and one new batch per feed source for this month holding
``--feed-rows`` rows: two rows per member of those applications, the rest of
people outside them. Then, each timed:

- matching: ``monitoring.selectors.feed_findings`` over every member's ID
  number (what the cross-check asks of the feeds);
- cross-check: ``dibao.services.crosscheck_run`` per chunk of applications —
  matching, the deposit limit, the reports and findings written with their
  history — rolled back afterwards, so a run leaves the feeds as it found them;
- floor: one SQL statement fetching the same rows — the applications'
  members looked up in the feed by ID number, kept if in the newest complete
  batch of their source in the period;
- the join as first written (it counts; PostgreSQL plans it as a read of
  every current feed row), for comparison with earlier figures.

All must find the same number of rows. Each measure is the median of
``--repeat`` runs; the load average is printed (the machine may be shared).
Prints the times and the ratios (goal: the cross-check within 5× the join).
"""

import argparse
import random
import statistics
import time
from decimal import Decimal

CHUNK = 200  # applications per crosscheck_run call (one job's worth at most)
REPEAT = 3  # each measure is the median of this many runs


def _setup():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.bench")
    import django

    django.setup()


def prepare(count, seed=13):
    """``count`` accepted applications in one village: their pks and the
    district reviewer who cross-checks them."""
    from django.contrib.auth import get_user_model

    from roles.models import Post

    from .lifecycle import accepted_cases

    village, _caseworker, cases = accepted_cases(
        count, seed=seed, first=70000, progress=True
    )
    district = village.parent.parent
    post = Post.objects.filter(role__code="district_reviewer", region=district).first()
    reviewer = get_user_model().objects.get(pk=post.user_id)
    return [case.pk for case in cases], reviewer


def feeds(pks, rows, seed=17):
    """One batch per source for this month, ``rows`` rows in all: two per
    member of the applications, the rest about other people."""
    from django.db import transaction
    from django.utils import timezone

    from workflows.monitoring.models import FeedBatch, FeedRecord
    from workflows.registry.models import Member

    from .load import TableWriter, next_id

    rng = random.Random(seed)
    now = timezone.now()
    period = timezone.localdate().replace(day=1)
    sources = FeedBatch.Source.values
    numbers = list(
        Member.objects.filter(household__cases__pk__in=pks).values_list(
            "id_number", flat=True
        )
    )
    with transaction.atomic():
        batch_pk = next_id("workflows_feedbatch")
        batches = []
        for n, source in enumerate(sources):
            batches.append(
                FeedBatch(
                    pk=batch_pk + n,
                    source=source,
                    period=period,
                    received_at=now,
                    completed_at=now,
                    checksum=f"bench-crosscheck-{now.timestamp()}-{source}",
                    file_name=f"{source}.csv",
                )
            )
        FeedBatch.objects.bulk_create(batches)
        columns = [f.column for f in FeedRecord._meta.local_concrete_fields]
        writer = TableWriter(FeedRecord._meta.db_table, columns)
        record_pk = next_id("workflows_feedrecord")
        hits = 0
        for number in numbers:
            for batch in rng.sample(batches, 2):
                writer.add(
                    [record_pk, batch.pk, number, batch.source, Decimal("1000.00"), ""]
                )
                record_pk += 1
                hits += 1
        for n in range(max(0, rows - hits)):
            batch = batches[n % len(batches)]
            other = f"1{n:016d}X"  # nobody's number: a row about someone else
            amount = Decimal(rng.randint(0, 500000)) / 100
            writer.add([record_pk, batch.pk, other, batch.source, amount, ""])
            record_pk += 1
        writer.flush()
        for batch in batches:
            batch.row_count = batch.rows_received = FeedRecord.objects.filter(
                batch=batch
            ).count()
        FeedBatch.objects.bulk_update(batches, ["row_count", "rows_received"])
    from .load import analyze

    analyze()
    return hits


def ranked_batches() -> str:
    """The feed batches of the period, numbered newest first per source
    (``n = 1``: the current batch; what the product's matching takes)."""
    from workflows.monitoring.models import FeedBatch

    return f"""
            SELECT id, ROW_NUMBER() OVER (
                PARTITION BY source
                ORDER BY period DESC, completed_at DESC, id DESC) AS n
            FROM {FeedBatch._meta.db_table}
            WHERE completed_at IS NOT NULL AND period <= %s AND period >= %s"""


def floor_sql(pks, on, since):
    """The same rows in one statement, fetched: the applications' members,
    each looked up in the feed by ID number (the index), kept if the row is
    in the newest complete batch of its source in the period."""
    from django.db import connection

    from workflows.core.models import Case
    from workflows.monitoring.models import FeedRecord
    from workflows.registry.models import Member

    placeholders = ", ".join(["%s"] * len(pks))
    current = (  # PostgreSQL: the batch ids as a constant array, not a join
        "= ANY (ARRAY(SELECT id FROM ranked WHERE n = 1))"
        if connection.vendor == "postgresql"
        else "IN (SELECT id FROM ranked WHERE n = 1)"
    )
    sql = f"""
        WITH ranked AS ({ranked_batches()}), people AS MATERIALIZED (
            SELECT m.id_number
            FROM {Member._meta.db_table} m
            JOIN {Case._meta.db_table} c ON c.household_id = m.household_id
            WHERE c.process_ptr_id IN ({placeholders})
        )
        SELECT r.id_number, r.batch_id, r.kind, r.amount, r.detail
        FROM people p
        JOIN {FeedRecord._meta.db_table} r ON r.id_number = p.id_number
        WHERE r.batch_id {current}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, since, *pks])
        return len(cursor.fetchall())


def write_floor(pks, on, since, user):
    """Bare SQL writing what the cross-check writes, PostgreSQL: one report per
    application (no text, no deposit limit), the findings from ``floor_sql``'s
    join, the '+' history rows of both copied from the live rows, and a SHA-256
    of each history row's JSON computed in the database. Rolled back by the
    caller. Returns the number of findings written."""
    from django.db import connection

    from workflows.audit.models import AuditRowHash
    from workflows.core.models import Case
    from workflows.dibao.models import CrossCheckFinding, CrossCheckReport
    from workflows.monitoring.models import FeedBatch, FeedRecord
    from workflows.registry.models import Member

    report, finding = CrossCheckReport._meta.db_table, CrossCheckFinding._meta.db_table
    history = {
        model: model.history.model._meta.db_table
        for model in (CrossCheckReport, CrossCheckFinding)
    }
    report_columns = [f.column for f in CrossCheckReport._meta.local_concrete_fields]
    finding_columns = [f.column for f in CrossCheckFinding._meta.local_concrete_fields]
    statements = [
        (
            f"""CREATE TEMP TABLE new_reports ON COMMIT DROP AS
            WITH written AS (
                INSERT INTO {report} (report_number, checked_on, result, findings,
                    recorded_at, recorded_by_id, application_id, coverage,
                    manual_reason, origin)
                SELECT 'HD' || a, %s, 'consistent', '', now(), %s, a, '{{}}'::jsonb,
                    '', 'feeds'
                FROM unnest(%s::bigint[]) AS a
                RETURNING id, application_id
            ) SELECT * FROM written""",
            [on, user.pk, pks],
        ),
        (
            f"""CREATE TEMP TABLE new_findings ON COMMIT DROP AS
            WITH ranked AS (
                SELECT id, source, period, ROW_NUMBER() OVER (
                    PARTITION BY source
                    ORDER BY period DESC, completed_at DESC, id DESC) AS n
                FROM {FeedBatch._meta.db_table}
                WHERE completed_at IS NOT NULL AND period <= %s AND period >= %s
            ), people AS MATERIALIZED (
                SELECT m.id AS member_id, m.id_number, n.id AS report_id,
                    n.application_id
                FROM new_reports n
                JOIN {Case._meta.db_table} c ON c.process_ptr_id = n.application_id
                JOIN {Member._meta.db_table} m ON m.household_id = c.household_id
            ), written AS (
                INSERT INTO {finding} (source, period, kind, amount, detail,
                    over_limit, status, explanation, application_id, member_id,
                    report_id)
                SELECT b.source, b.period, r.kind, r.amount, r.detail, false,
                    'pending', '', p.application_id, p.member_id, p.report_id
                FROM people p
                JOIN {FeedRecord._meta.db_table} r ON r.id_number = p.id_number
                JOIN ranked b ON b.id = r.batch_id
                WHERE r.batch_id = ANY (ARRAY(SELECT id FROM ranked WHERE n = 1))
                RETURNING id
            ) SELECT * FROM written""",
            [on, since],
        ),
    ]
    for model, table, live, columns in (
        (CrossCheckReport, "new_reports", report, report_columns),
        (CrossCheckFinding, "new_findings", finding, finding_columns),
    ):
        names = ", ".join(columns)
        statements.append(
            (
                f"""WITH written AS (
                    INSERT INTO {history[model]} ({names}, history_job,
                        history_date, history_change_reason, history_type,
                        history_user_id)
                    SELECT {", ".join("l." + c for c in columns)}, '', now(),
                        'bench', '+', %s
                    FROM {live} l WHERE l.id IN (SELECT id FROM {table})
                    RETURNING *
                )
                INSERT INTO {AuditRowHash._meta.db_table}
                    ("table", row_id, row_hash, columns, recorded_at, chain_hash)
                SELECT %s, w.history_id,
                    encode(sha256(convert_to(row_to_json(w)::text, 'UTF8')), 'hex'),
                    '', now(), ''
                FROM written w""",
                [user.pk, history[model]],
            )
        )
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SELECT COUNT(*) FROM new_findings")
        return cursor.fetchone()[0]


def floor_scan_sql(pks, on, since):
    """The join as first written (counts the rows): PostgreSQL plans it as a
    read of every row of the current batches (its estimate of the
    ``ROW_NUMBER() = 1`` batches is one row), so at a million feed rows it is
    no floor; kept beside ``floor_sql`` for comparison with earlier runs."""
    from django.db import connection

    from workflows.core.models import Case
    from workflows.monitoring.models import FeedRecord
    from workflows.registry.models import Member

    placeholders = ", ".join(["%s"] * len(pks))
    sql = f"""
        WITH ranked AS ({ranked_batches()})
        SELECT COUNT(*)
        FROM {FeedRecord._meta.db_table} r
        JOIN ranked b ON b.id = r.batch_id AND b.n = 1
        JOIN {Member._meta.db_table} m ON m.id_number = r.id_number
        JOIN {Case._meta.db_table} c ON c.household_id = m.household_id
        WHERE c.process_ptr_id IN ({placeholders})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, since, *pks])
        return cursor.fetchone()[0]


def _median_of(repeat, fn):
    """``(median seconds, last result)`` of ``repeat`` calls of ``fn``."""
    times, result = [], None
    for _n in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def previous(count):
    """The applications a previous run prepared (the newest ``count``) and
    their reviewer, to measure again on the same city and feed."""
    from django.contrib.auth import get_user_model

    from roles.models import Post
    from workflows.dibao.models import Application

    from .lifecycle import desk

    pks = list(
        Application.objects.filter(household__address__contains="基准7")
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    )
    village, _caseworker = desk()
    post = Post.objects.filter(
        role__code="district_reviewer", region=village.parent.parent
    ).first()
    return sorted(pks), get_user_model().objects.get(pk=post.user_id)


def run(applications=1000, feed_rows=1_000_000, repeat=REPEAT, again=False):
    import os

    from django.db import connection, transaction
    from django.utils import timezone

    from workflows.dibao.models import Application, CrossCheckFinding
    from workflows.dibao.services.crosscheck import crosscheck_run, feed_window
    from workflows.monitoring.models import FeedRecord
    from workflows.monitoring.selectors import feed_findings
    from workflows.registry.models import Member

    if again:
        pks, reviewer = previous(applications)
        hits = None
        print(f"applications: {len(pks)} from a previous run")
    else:
        t0 = time.perf_counter()
        pks, reviewer = prepare(applications)
        print(f"applications: {len(pks)} in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        hits = feeds(pks, feed_rows)
        print(
            f"feed rows: {feed_rows} ({hits} about the applicants) in "
            f"{time.perf_counter() - t0:.1f}s"
        )
    on = timezone.localdate()
    since = feed_window(on)
    load_before = os.getloadavg()

    # the floors
    floor, floor_count = _median_of(repeat, lambda: floor_sql(pks, on, since))
    scan, scan_count = _median_of(repeat, lambda: floor_scan_sql(pks, on, since))

    # matching through the product's selector
    def matching_run():
        numbers = Member.objects.filter(household__cases__pk__in=pks).values_list(
            "id_number", flat=True
        )
        return feed_findings(id_numbers=list(numbers), on=on, since=since)

    matching, match = _median_of(repeat, matching_run)

    # the whole cross-check, rolled back
    apps = list(
        Application.objects.select_related("region", "household").filter(pk__in=pks)
    )

    def crosscheck_all():
        with transaction.atomic():
            for start in range(0, len(apps), CHUNK):
                crosscheck_run(
                    applications=apps[start : start + CHUNK], user=reviewer, on=on
                )
            found = CrossCheckFinding.objects.filter(application_id__in=pks).count()
            transaction.set_rollback(True)
        return found

    full, found = _median_of(repeat, crosscheck_all)

    def write_all():
        with transaction.atomic():
            written = write_floor(pks, on, since, reviewer)
            transaction.set_rollback(True)
        return written

    if connection.vendor == "postgresql":
        written, written_count = _median_of(repeat, write_all)
    else:
        written, written_count = None, found
    load_after = os.getloadavg()

    hits = floor_count if hits is None else hits
    assert (
        floor_count == scan_count == len(match.rows) == found == written_count == hits
    ), (floor_count, scan_count, len(match.rows), found, written_count, hits)
    print(
        f"database: {connection.vendor}; "
        f"feed rows in all: {FeedRecord.objects.count():,}"
    )
    print(f"findings: {found}; median of {repeat} runs each")
    print(
        "load average (1, 5, 15 min) before / after: "
        f"{' '.join(f'{x:.2f}' for x in load_before)} / "
        f"{' '.join(f'{x:.2f}' for x in load_after)}"
    )
    print(f"floor (one SQL join, by ID number): {floor * 1000:9.1f} ms")
    print(
        f"join as first written (full scan):  {scan * 1000:9.1f} ms  "
        f"{scan / floor:6.1f}× the floor"
    )
    print(
        f"matching (feed_findings):           {matching * 1000:9.1f} ms  "
        f"{matching / floor:6.1f}× the floor"
    )
    print(
        f"cross-check (reports+history):      {full * 1000:9.1f} ms  "
        f"{full / floor:6.1f}× the floor, {full / scan:5.1f}× the first join "
        "(goal ≤ 5×)"
    )
    if written is not None:
        print(
            f"bare SQL writing the same rows:     {written * 1000:9.1f} ms  "
            f"{written / floor:6.1f}× the floor; the cross-check is "
            f"{full / written:5.1f}× it"
        )
    return {
        "written": written,
        "floor": floor,
        "scan": scan,
        "matching": matching,
        "crosscheck": full,
        "findings": found,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--feed-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument(
        "--again",
        action="store_true",
        help="measure again on the newest applications and feed of a previous run",
    )
    args = parser.parse_args()
    _setup()
    run(
        applications=args.applications,
        feed_rows=args.feed_rows,
        repeat=args.repeat,
        again=args.again,
    )


if __name__ == "__main__":
    main()
