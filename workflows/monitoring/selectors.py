"""Matching people against the departmental feeds (信息核对), in SQL.

``feed_findings`` takes the ID numbers of any set of people and returns, per
source, the newest complete batch within the period asked for (or None: no
data for that period — never "nothing found") and every row of those batches
about those people. Two queries whatever the number of people and sources
(plus one per 2,000 numbers beyond the first 2,000). It names no programme:
whoever asks decides what a row means for its case.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import FeedBatch, FeedRecord

MATCH_CHUNK = 2000


@dataclass
class FeedMatch:
    """The batch used per source (None: no data for the period) and the rows
    found, each ``{"id_number", "batch", "source", "period", "kind",
    "amount", "detail"}``."""

    batches: dict
    rows: list = field(default_factory=list)

    def rows_of(self, id_number):
        return [r for r in self.rows if r["id_number"] == id_number]


def current_batches(*, on: datetime.date, since: datetime.date) -> dict:
    """``{source: newest complete batch whose period lies in [since, on], or
    None}`` for every source, in one query."""
    batches = {code: None for code in FeedBatch.Source.values}
    rows = (
        FeedBatch.objects.filter(
            completed_at__isnull=False, period__lte=on, period__gte=since
        )
        .order_by("source", "-period", "-completed_at", "-pk")
        .only("pk", "source", "period", "row_count", "completed_at")
    )
    for batch in rows:
        if batch.source in batches and batches[batch.source] is None:
            batches[batch.source] = batch
    return batches


def feed_findings(
    *, id_numbers: Iterable[str], on: datetime.date, since: datetime.date
) -> FeedMatch:
    """Every row of the current batches (``current_batches``) about the
    people of ``id_numbers`` (normalised numbers, as the registry stores
    them)."""
    batches = current_batches(on=on, since=since)
    by_pk = {b.pk: b for b in batches.values() if b is not None}
    match = FeedMatch(batches=batches)
    numbers = sorted(set(id_numbers))
    if not by_pk or not numbers:
        return match
    for start in range(0, len(numbers), MATCH_CHUNK):
        chunk = numbers[start : start + MATCH_CHUNK]
        records = (
            FeedRecord.objects.filter(batch_id__in=list(by_pk), id_number__in=chunk)
            .order_by("id_number", "batch_id", "pk")
            .values_list("id_number", "batch_id", "kind", "amount", "detail")
        )
        for number, batch_id, kind, amount, detail in records:
            batch = by_pk[batch_id]
            match.rows.append(
                {
                    "id_number": number,
                    "batch": batch_id,
                    "source": batch.source,
                    "period": batch.period,
                    "kind": kind,
                    "amount": amount,
                    "detail": detail,
                }
            )
    return match
