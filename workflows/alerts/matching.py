"""The monitoring run's matching, in SQL (政策找人).

One statement finds every feed row of the current batches about a member of
a household in the register (or, for ``new_hardship``, of a registry
household outside it) that no alert has recorded yet; one more sums the
social-insurance and pension amounts per recipient household. Neither grows
with the number of households: the database joins, Python only reads the
hits. ``HITS_SQL`` is also the benchmark's bare join (bench/monitoring.py).
"""

from django.db import connection

from ..benefits.models import Benefit, RegisterEntry
from ..monitoring.models import FeedBatch, FeedRecord
from ..registry.models import Household, Member
from .models import Alert

S = FeedBatch.Source
# feed source → rule, for every household in the register
FACT_RULES = {
    S.DEATH: Alert.Rule.DEATH,
    S.VEHICLE: Alert.Rule.VEHICLE,
    S.REAL_ESTATE: Alert.Rule.REAL_ESTATE,
    S.BUSINESS: Alert.Rule.BUSINESS,
}
# disability certificates and serious illness: a possible 单人保 in a
# marginal household, or a household in difficulty not yet in the register
CARE_SOURCES = (S.DISABILITY, S.MEDICAL)
INCOME_SOURCES = (S.SOCIAL_INSURANCE, S.PENSION)
IN_FORCE = (Benefit.Status.ACTIVE, Benefit.Status.SUSPENDED, Benefit.Status.EXITING)


def _tables():
    q = connection.ops.quote_name
    return {
        "record": q(FeedRecord._meta.db_table),
        "batch": q(FeedBatch._meta.db_table),
        "member": q(Member._meta.db_table),
        "household": q(Household._meta.db_table),
        "entry": q(RegisterEntry._meta.db_table),
        "benefit": q(Benefit._meta.db_table),
        "alert": q(Alert._meta.db_table),
        "case": q(Alert._meta.get_field("household").model._meta.db_table),
        "region": q(Household._meta.get_field("region").related_model._meta.db_table),
    }


def _in(values):
    return ", ".join(["%s"] * len(values))


HITS_SQL = """
SELECT m.household_id, m.id, m.id_number, h.region_id, r.batch_id, b.source,
       b.period, r.kind, r.amount, r.detail,
       (SELECT MIN(e.category) FROM {entry} e
         WHERE e.household_id = m.household_id AND e.ended_on IS NULL) AS category,
       (SELECT MIN(e.category) FROM {entry} e
         WHERE e.household_id = m.household_id AND e.ended_on IS NULL
           AND e.category = 'marginal') AS marginal,
       (SELECT MIN(f.id) FROM {benefit} f
         WHERE f.household_id = m.household_id AND f.status IN ({in_force}))
         AS benefit_id
FROM {record} r
JOIN {batch} b ON b.id = r.batch_id
JOIN {member} m ON m.id_number = r.id_number
JOIN {household} h ON h.id = m.household_id
JOIN {region} g ON g.id = h.region_id
WHERE r.batch_id IN ({batches})
  AND b.source IN ({sources})
  AND g.path LIKE %s
  AND NOT EXISTS (
    SELECT 1 FROM {alert} a JOIN {case} c ON c.process_ptr_id = a.case_ptr_id
     WHERE c.household_id = m.household_id AND a.member_id = m.id
       AND a.source = b.source AND a.fact_kind = r.kind AND a.detail = r.detail
       AND (a.amount = r.amount OR (a.amount IS NULL AND r.amount IS NULL)))
ORDER BY m.household_id, r.id
"""

INCOME_SQL = """
SELECT m.household_id, h.region_id, h.area, SUM(r.amount),
       (SELECT COUNT(*) FROM {member} p WHERE p.household_id = m.household_id),
       (SELECT MIN(f.id) FROM {benefit} f
         WHERE f.household_id = m.household_id AND f.status IN ({in_force})),
       MAX(r.batch_id), MAX(b.period)
FROM {record} r
JOIN {batch} b ON b.id = r.batch_id
JOIN {member} m ON m.id_number = r.id_number
JOIN {household} h ON h.id = m.household_id
JOIN {region} g ON g.id = h.region_id
WHERE r.batch_id IN ({batches}) AND b.source IN ({sources})
  AND g.path LIKE %s AND r.amount IS NOT NULL
  AND EXISTS (SELECT 1 FROM {entry} e WHERE e.household_id = m.household_id
              AND e.ended_on IS NULL AND e.category = 'recipient')
GROUP BY m.household_id, h.region_id, h.area
"""


def hits(*, batches: dict, path_prefix: str) -> list[dict]:
    """Feed rows of the current ``batches`` (``{source: batch}``) about
    members of households under ``path_prefix`` and not yet alerted, each
    with the household's register class and benefit in force."""
    sources = [s for s in (*FACT_RULES, *CARE_SOURCES) if batches.get(s)]
    if not sources:
        return []
    batch_ids = [batches[s].pk for s in sources]
    sql = HITS_SQL.format(
        **_tables(),
        in_force=_in(IN_FORCE),
        batches=_in(batch_ids),
        sources=_in(sources),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*IN_FORCE, *batch_ids, *sources, path_prefix + "%"])
        columns = [
            "household",
            "member",
            "id_number",
            "region",
            "batch",
            "source",
            "period",
            "kind",
            "amount",
            "detail",
            "category",
            "marginal",
            "benefit",
        ]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def incomes(*, batches: dict, path_prefix: str) -> list[dict]:
    """Per recipient household under ``path_prefix``: the monthly social
    insurance and pension amounts of its members in the current batches."""
    sources = [s for s in INCOME_SOURCES if batches.get(s)]
    if not sources:
        return []
    batch_ids = [batches[s].pk for s in sources]
    sql = INCOME_SQL.format(
        **_tables(),
        in_force=_in(IN_FORCE),
        batches=_in(batch_ids),
        sources=_in(sources),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*IN_FORCE, *batch_ids, *sources, path_prefix + "%"])
        columns = [
            "household",
            "region",
            "area",
            "total",
            "persons",
            "benefit",
            "batch",
            "period",
        ]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
