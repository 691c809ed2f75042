"""The bare SQL join that finds the monitoring run's hits, written from the
rules (docs/statutory-rules.md, DOMAIN §3) and the tables, not from the
product's code — the floor the run is measured against.

One statement: the current feed batches (the newest complete one per source
in the window), their rows on the sources a rule reads, matched to registry
members by ID number (the index) and to the household's open register entry;
then per rule:

- death / vehicle / real_estate / business: a row of that source about a
  member of a household in the register (any open entry);
- income_over_line: the household's pension and social-insurance rows
  summed ÷ the benefit's persons ≥ the district's standard in force for the
  household's area;
- single_candidate: a member of a marginal household (open marginal entry)
  certified grade 1/2 disabled or seriously ill;
- new_hardship: the same about a member of a registry household with no open
  entry at all.

Returns ``{(household pk, rule, id_number)}``.
"""

from .monitoring_data import DISABILITY_HIT, ILLNESS_HIT

EVENT_SOURCES = ("death", "vehicle", "real_estate", "business")
INCOME_SOURCES = ("pension", "social_insurance")
GRADES = (DISABILITY_HIT[1], "二级")


def hits_sql():
    from django.db import connection

    from roles.models import Region
    from workflows.benefits.models import Benefit, RegisterEntry
    from workflows.monitoring.models import FeedBatch, FeedRecord
    from workflows.registry.models import Household, Member
    from workflows.standards.models import AssistanceStandard

    entries = RegisterEntry._meta.db_table
    in_force = "s.valid_from <= %(on)s AND (s.valid_to IS NULL OR s.valid_to >= %(on)s)"
    current = (  # PostgreSQL: the batch ids as a constant array, not a join
        "= ANY (ARRAY(SELECT id FROM current))"
        if connection.vendor == "postgresql"
        else "IN (SELECT id FROM current)"
    )
    quoted = lambda values: ", ".join(f"'{v}'" for v in values)  # noqa: E731
    return f"""
    WITH current AS (
        SELECT id FROM (
            SELECT id, ROW_NUMBER() OVER (
                PARTITION BY source
                ORDER BY period DESC, completed_at DESC, id DESC) AS n
            FROM {FeedBatch._meta.db_table}
            WHERE completed_at IS NOT NULL AND period <= %(on)s
              AND period >= %(since)s) ranked
        WHERE n = 1
    ), facts AS MATERIALIZED (
        SELECT m.household_id, b.source, r.id_number, r.kind, r.detail, r.amount
        FROM {FeedRecord._meta.db_table} r
        JOIN {FeedBatch._meta.db_table} b ON b.id = r.batch_id
        JOIN {Member._meta.db_table} m ON m.id_number = r.id_number
        WHERE r.batch_id {current}
          AND (b.source IN ({quoted(EVENT_SOURCES + INCOME_SOURCES)})
           OR (b.source = 'disability' AND r.detail IN ({quoted(GRADES)}))
           OR (b.source = 'medical' AND r.kind = '{ILLNESS_HIT[0]}'))
    ), income AS MATERIALIZED (
        -- recipients' pension and insurance rows summed, kept where they
        -- reach the lowest standard in force (then the household's own)
        SELECT f.household_id, bf.household_size AS persons, SUM(f.amount) AS total
        FROM facts f
        JOIN {entries} e ON e.household_id = f.household_id
         AND e.ended_on IS NULL AND e.category = 'recipient'
        JOIN {Benefit._meta.db_table} bf ON bf.id = e.benefit_id
        WHERE f.source IN ({quoted(INCOME_SOURCES)})
        GROUP BY f.household_id, bf.household_size
        HAVING SUM(f.amount) >= bf.household_size * (
            SELECT MIN(monthly_standard)
            FROM {AssistanceStandard._meta.db_table} s WHERE {in_force})
    )
    SELECT f.household_id, f.source, f.id_number
    FROM facts f JOIN {entries} e ON e.household_id = f.household_id
    WHERE e.ended_on IS NULL AND f.source IN ({quoted(EVENT_SOURCES)})
    UNION
    SELECT i.household_id, 'income_over_line', NULL
    FROM income i
    JOIN {Household._meta.db_table} h ON h.id = i.household_id
    JOIN {Region._meta.db_table} v ON v.id = h.region_id
    JOIN {Region._meta.db_table} t ON t.id = v.parent_id
    JOIN {AssistanceStandard._meta.db_table} s
      ON s.district_id = t.parent_id AND s.area = h.area AND {in_force}
    WHERE i.total >= s.monthly_standard * i.persons
    UNION
    SELECT f.household_id, 'single_candidate', f.id_number
    FROM facts f JOIN {entries} e ON e.household_id = f.household_id
    WHERE e.ended_on IS NULL AND e.category = 'marginal'
      AND f.source IN ('disability', 'medical')
    UNION
    SELECT f.household_id, 'new_hardship', f.id_number
    FROM facts f
    WHERE f.source IN ('disability', 'medical')
      AND NOT EXISTS (
          SELECT 1 FROM {entries} e
          WHERE e.household_id = f.household_id AND e.ended_on IS NULL)
    """


def hits(on, since):
    """The hits, fetched: ``{(household pk, rule, id_number or None)}``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(hits_sql(), {"on": on, "since": since})
        return set(cursor.fetchall())
