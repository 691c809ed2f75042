"""The registry import: member rows per second with history, and peak memory,
through the product's path and django-import-export's default row-by-row
path, in one run.

    python -m bench.imports --rows 200000 --sample 20000
    DATABASE_URL=postgres://…/zz_bench_imports python -m bench.imports

A fresh database (``DATABASE_URL``, default ``var/bench-imports.sqlite3``)
gets the reference data and a city administrator; then one file of ``--rows``
members in households of two or three (xlsx, or ``--format csv``) is
imported:

- product: ``import_preview`` (the whole file checked) and ``import_commit``
  (the job: checked again, then households and members written with
  ``bulk_create`` and their history rows, in one transaction), timed apart;
- stock: ``MemberResource.import_data`` (``workflows.dataio.resources``) on the
  first ``--sample`` rows of the same file, each row loaded, cleaned and
  saved with its history row by simple-history's signal; in a transaction
  rolled back afterwards, its households made beforehand and not timed.

Each side runs in a child process of its own; its peak memory is that
process's own high-water resident set (``VmHWM``), whatever it read or built.
Prints rows/s of each, peak MB and the ratio.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "sqlite:///{}".format(ROOT / "var" / "bench-imports.sqlite3")
GOAL_RATE, GOAL_MB, GOAL_RATIO = 5000, 300, 10


def _setup():
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.bench")
    import django

    django.setup()


def member_rows(count, offset=0):
    """``count`` member rows (the staff import's columns), households of
    three and two alternately, heads in 龚庄村 and its neighbour."""
    from workflows.registry.idnumber import make_id_number

    base = datetime.date(1931, 1, 1)
    n, household, count = offset, 0, count + offset
    while n < count:
        household += 1
        size = min(2 + household % 2, count - n)
        for position in range(size):
            born = base + datetime.timedelta(days=n // 1000)
            head = position == 0
            yield [
                f"H{household}",
                ("370402106201", "370402106202")[household % 2] if head else "",
                f"第{household}号" if head else "",
                "农村" if head else "",
                "13800000000" if head else "",
                "张" + "伟芳娜敏静丽强磊军洋"[n % 10],
                make_id_number("370402", born, n % 1000),
                "户主" if head else ("配偶" if position == 1 else "子女"),
                "",
                "",
                "0",
                "",
                "否",
                "",
                "务农",
                "",
            ]
            n += 1


def write_file(path: Path, rows: int, fmt: str, offset: int = 0):
    import csv

    from workflows.dataio.registry import HOUSEHOLDS

    headers = [c.header for c in HOUSEHOLDS.columns]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows(member_rows(rows, offset))
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in member_rows(rows, offset):
        sheet.append(row)
    book.save(path)


def prepare(rows: int, fmt: str, workdir: Path, keep: bool) -> Path:
    """A fresh database with the reference data and an administrator (or the
    last run's, ``--keep-db``: the file's people are then new ones), and the
    file."""
    from bench import db

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not keep:
        db.recreate()
    _setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from roles.models import Post, Region, Role
    from workflows.registry.models import Member

    User = get_user_model()
    if not keep or not User.objects.filter(username="bench-importer").exists():
        call_command("migrate", verbosity=0)
        call_command("load_reference", verbosity=0)
        user = User.objects.create(username="bench-importer")
        Post.objects.create(
            user=user,
            region=Region.objects.get(code="370400"),
            role=Role.objects.get(code="city_administrator"),
        )
    path = workdir / f"members.{fmt}"
    write_file(path, rows, fmt, offset=Member.objects.count())
    return path


def product(path: Path) -> dict:
    _setup()
    from django.contrib.auth import get_user_model

    from workflows.dataio.models import ImportRun
    from workflows.dataio.services import import_commit, import_preview
    from workflows.registry.models import Member

    user = get_user_model().objects.get(username="bench-importer")
    data = path.read_bytes()
    start = time.perf_counter()
    run = import_preview(
        user=user, kind="registry.households", data=data, filename=path.name
    )
    preview = time.perf_counter() - start
    assert run.status == ImportRun.Status.READY, run.errors[:5]
    start, cpu = time.perf_counter(), time.process_time()
    import_commit(user=user, run=run)  # the job runs inline (bench settings)
    commit, commit_cpu = time.perf_counter() - start, time.process_time() - cpu
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.status
    history = Member.history.filter(history_change_reason__contains=f"#{run.pk}")
    return {
        "rows": run.rows_written,
        "history_rows": history.count(),
        "preview_s": preview,
        "commit_s": commit,
        "commit_cpu_s": commit_cpu,
    }


def stock(path: Path, sample: int) -> dict:
    """django-import-export's default path on the first ``sample`` rows:
    the same people, their households made first (not timed)."""
    _setup()
    import tablib
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from roles.models import Region
    from workflows.base.context import on_behalf_of
    from workflows.dataio.files import iter_rows
    from workflows.dataio.resources import MemberResource
    from workflows.registry import idnumber
    from workflows.registry.models import Household, Member

    user = get_user_model().objects.get(username="bench-importer")
    village = Region.objects.get(code="370402106201")
    stream = iter_rows(path.read_bytes(), filename=path.name)
    rows = []
    for row in stream:
        rows.append(row)
        if len(rows) >= sample:
            break
    dataset = tablib.Dataset(
        headers=[
            "家庭ID",
            "姓名",
            "身份证号码",
            "与户主关系",
            "出生日期",
            "性别",
            "残疾等级",
            "就业状况",
        ]
    )
    with transaction.atomic():
        households = {}
        for row in rows:
            key = row["户编号"]
            if key not in households:
                households[key] = Household.objects.create(
                    region=village, address=key, area="rural"
                ).pk
            dataset.append(
                [
                    households[key],
                    row["姓名"],
                    row["身份证号码"],
                    row["与户主关系"],
                    # the stock path derives nothing: the file states them
                    idnumber.birth_date(row["身份证号码"]).isoformat(),
                    "男" if idnumber.sex(row["身份证号码"]) == "M" else "女",
                    row["残疾等级"],
                    row["就业状况"],
                ]
            )
        before = Member.history.count()
        start, cpu = time.perf_counter(), time.process_time()
        with on_behalf_of(user):
            result = MemberResource().import_data(dataset, raise_errors=True)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        written = result.totals["new"]
        history = Member.history.count() - before
        transaction.set_rollback(True)
    return {
        "rows": written,
        "history_rows": history,
        "commit_s": seconds,
        "commit_cpu_s": cpu,
    }


def peak_mb() -> float:
    """This process's peak resident memory. Linux's ``ru_maxrss`` of a child
    starts at its parent's size when it was forked (kept across ``exec``):
    ``VmHWM`` is the process's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(side: str, path: str, sample: int):
    result = product(Path(path)) if side == "product" else stock(Path(path), sample)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def run_side(side, path, sample):
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.imports",
            "--child",
            side,
            "--file",
            str(path),
            "--sample",
            str(sample),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
    )
    if output.returncode:
        sys.exit(f"the {side} side failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument(
        "--keep-db", action="store_true", help="reuse the last run's database"
    )
    parser.add_argument("--child", choices=["product", "stock"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.file, args.sample)
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        path = prepare(args.rows, args.format, Path(workdir), args.keep_db)
        size_mb = path.stat().st_size / 1e6
        print(
            f"database {os.environ['DATABASE_URL'].split('@')[-1]}; file: "
            f"{args.rows} member rows, {args.format}, {size_mb:.1f} MB "
            f"(prepared in {time.perf_counter() - start:.0f} s)"
        )
        # the stock side first: it rolls back, the product side writes
        stock_side = run_side("stock", path, min(args.sample, args.rows))
        product_side = run_side("product", path, args.sample)
    p_rate = product_side["rows"] / product_side["commit_s"]
    p_total = product_side["rows"] / (
        product_side["commit_s"] + product_side["preview_s"]
    )
    s_rate = stock_side["rows"] / stock_side["commit_s"]
    print(
        f"product  {product_side['rows']:>7} rows, {product_side['history_rows']} "
        f"history rows: commit {product_side['commit_s']:.1f} s = {p_rate:,.0f} rows/s "
        f"(check + write); with the preview {p_total:,.0f} rows/s; "
        f"peak {product_side['peak_mb']:.0f} MB"
    )
    print(
        f"stock    {stock_side['rows']:>7} rows, {stock_side['history_rows']} "
        f"history rows: {stock_side['commit_s']:.1f} s = {s_rate:,.0f} rows/s; "
        f"peak {stock_side['peak_mb']:.0f} MB"
    )
    p_cpu = product_side["rows"] / product_side["commit_cpu_s"]
    s_cpu = stock_side["rows"] / stock_side["commit_cpu_s"]
    print(
        f"per CPU second of the importing process (a shared machine's wall "
        f"clock waits for other work): product {p_cpu:,.0f} rows/s, stock "
        f"{s_cpu:,.0f} rows/s, ratio {p_cpu / s_cpu:.1f}x"
    )
    ratio = p_rate / s_rate
    print(
        f"ratio {ratio:.1f}x (goal >= {GOAL_RATIO}x); product "
        f"{'meets' if p_rate >= GOAL_RATE else 'misses'} {GOAL_RATE} rows/s, "
        f"{'within' if product_side['peak_mb'] <= GOAL_MB else 'over'} {GOAL_MB} MB"
    )
    return {"product": product_side, "stock": stock_side, "ratio": ratio}


if __name__ == "__main__":
    main()
