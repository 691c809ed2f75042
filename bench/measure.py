"""Timing and query-count helpers shared by the benchmarks."""

import statistics
import time
from dataclasses import dataclass, field

from django.db import connection


@dataclass
class Timing:
    samples: list = field(default_factory=list)
    queries: int = 0

    @property
    def p50(self):
        return statistics.median(self.samples) * 1000

    @property
    def p95(self):
        ordered = sorted(self.samples)
        index = max(0, round(0.95 * len(ordered)) - 1)
        return ordered[index] * 1000


def counted(fn):
    """``(result, number of SQL statements fn executed)``.

    Counts through an execute wrapper, not the debug query log (whose bounded
    deque silently stops growing once full).
    """
    count = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        result = fn()
    return result, count


def time_calls(fn, repeat=30, warmup=3):
    """Run ``fn`` repeatedly; milliseconds and the SQL count of one call."""
    for _ in range(warmup):
        fn()
    timing = Timing()
    for i in range(repeat):
        start = time.perf_counter()
        if i == 0:  # the first timed call also counts the statements
            _, timing.queries = counted(fn)
        else:
            fn()
        timing.samples.append(time.perf_counter() - start)
    return timing


def run_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
