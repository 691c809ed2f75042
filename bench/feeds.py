"""Peak memory of the departmental feed preview and of one import-job step's
reading, on a generated csv feed (no database is touched).

    python -m bench.feeds preview [--rows 200000] [--trace]
    python -m bench.feeds job [--rows 200000] [--trace]

``preview`` is what the upload page does (``scan_feed``: every row checked,
counted, the first problems and rows kept); ``job`` reads one step of the
import job (``iter_feed`` over its 50,000 rows, in lists of ``LOOKUP_CHUNK``
as the job hands them to ``feed_rows_write``). Prints the maximum resident
set of the process (``ru_maxrss``) before and after, and with ``--trace``
the peak of ``tracemalloc`` (slower; the resident set then includes its
bookkeeping). Run each in a process of its own.
"""

import argparse
import datetime
import os
import resource
import time
import tracemalloc


def feed(rows: int) -> bytes:
    from workflows.registry.idnumber import make_id_number

    lines = ["身份证号码,项目,金额（元）,说明"]
    base = datetime.date(1940, 1, 1)
    for n in range(rows):
        born = base + datetime.timedelta(days=n // 1000)
        lines.append(
            f"{make_id_number('370402', born, n)},养老金,{1000 + n % 5000}.50,第{n}行"
        )
    return ("\n".join(lines) + "\n").encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["preview", "job"])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.bench")
    import django

    django.setup()
    from workflows.monitoring.feedfile import FeedScan, iter_feed, scan_feed
    from workflows.monitoring.jobs import CHUNK
    from workflows.monitoring.services import LOOKUP_CHUNK, batched

    path = f"var/bench-feed-{args.rows}.csv"
    if not os.path.exists(path):
        os.makedirs("var", exist_ok=True)
        with open(path, "wb") as out:
            out.write(feed(args.rows))
    with open(path, "rb") as source:
        data = source.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.trace:
        tracemalloc.start()
    started = time.monotonic()
    if args.mode == "preview":
        rows = scan_feed(data, filename="feed.csv").rows
    else:
        scan, rows = FeedScan(keep=10), 0
        stream = iter_feed(data, filename="feed.csv", start=0, stop=CHUNK, scan=scan)
        for chunk in batched(stream, LOOKUP_CHUNK):
            rows += len(chunk)
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6 if args.trace else None
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.mode}: {rows} rows of a {len(data) / 1e6:.1f} MB file"
        f" in {seconds:.1f} s;"
        f" max RSS {before:.0f} MB before, {after:.0f} MB after"
        + (f"; tracemalloc peak {peak:.1f} MB" if peak is not None else "")
    )


if __name__ == "__main__":
    main()
