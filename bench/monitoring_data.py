"""The monitoring run's data set: a low-income register at city scale and
departmental feeds over it, generated straight into the tables (COPY on
PostgreSQL, batched inserts on SQLite; no ORM call per row), seeded.

- the register: ``households`` households, most of them recipients (a 低保
  case, a ``Benefit`` in force with its first ``BenefitAmount`` and an open
  ``RegisterEntry``), the rest marginal (低保边缘, an open entry); a few
  recipients stopped with their entry closed (left the register); and a
  tenth as many registry households outside the register; ~2.5 members each.
- the feeds: one complete batch per source for this month holding 90% of
  ``feed_rows``, an older complete batch per source (8%) and an incomplete
  batch (2%) — neither is current, whatever they hold. Every row is about a
  registry person (the import keeps no other, PIPL Art 6). A small share are
  hits (``HIT_SHARE``: deaths, vehicles, real estate, business, pension
  income over the line for recipients; disability grade 1/2 or serious
  illness in marginal households; the same for households outside the
  register); the rest match no rule (sources no rule reads, small pensions,
  lower disability grades and ordinary medical costs in recipient
  households, deaths, vehicles… of people outside the register, stale or
  unfinished batches). Lower grades and ordinary medical costs are not
  generated for marginal households or people outside the register: the
  product's run reads every disability or medical row there as a hit
  (docs/performance-notes.md, "Monitoring run").

On PostgreSQL the generated database is kept as a template per data shape
(``zz_…_tpl_<shape>``): the next run with the same shape copies it
(``CREATE DATABASE … TEMPLATE``) in seconds instead of generating again.
"""

import datetime
import random
import time
from decimal import Decimal

# Share of households (per class) that get a hit row in the current batches.
HIT_SHARE = {
    "death": 0.005,  # recipients: a member's death row
    "vehicle": 0.005,
    "real_estate": 0.003,
    "business": 0.002,
    "income_over_line": 0.005,  # recipients: a pension far above the line
    "single_candidate": 0.02,  # marginal: grade 1/2 or a serious illness
    "new_hardship": 0.05,  # outside the register: the same
}
# how the feed rows say what they are (kind / detail columns)
DISABILITY_HIT = ("残疾人证", "一级")  # grade 1 (or "二级")
DISABILITY_OTHER = ("残疾人证", "三级")  # grades 3, 4: no rule
ILLNESS_HIT = ("重特大疾病", "")
MEDICAL_OTHER = ("医疗费用", "")
# sources no rule reads
NEUTRAL = (
    "hukou",
    "tax",
    "housing_fund",
    "deposit",
    "marriage",
    "custody",
    "schooling",
)
STOPPED_SHARE = 0.02  # recipients whose benefit stopped (entry closed)
MARGINAL_SHARE = 0.15  # of the register
OUTSIDE_SHARE = 0.10  # registry households outside the register, per register one


def shape(households, feed_rows, seed):
    return f"h{households}_f{feed_rows}_s{seed}"


class Register:
    """Writes the data set into the (migrated, reference-loaded) database."""

    def __init__(self, households, feed_rows, seed=2026, out=print):
        from .city import City, Size

        self.households, self.feed_rows = households, feed_rows
        self.rng = random.Random(seed)
        self.city = City(
            Size(
                towns=64,
                villages_per_town=(34, 48),
                households=households,
                cases=0,
                feed=0,
            ),
            seed,
            out=out,
        )
        self.out = out
        self.today = datetime.date.today()
        self.month = self.today.replace(day=1)
        self.counts = {}

    # -- households and members --------------------------------------------

    def people(self):
        """Registry households (register first, then outside), members with
        valid ID numbers. Returns ``[(household pk, village, area, [numbers])]``."""
        from workflows.models import Household, Member

        from .city import born_between, person_name
        from .load import next_id

        rng, city = self.rng, self.city
        total = self.households + int(self.households * OUTSIDE_SHARE)
        h_pk, m_pk = next_id("workflows_household"), next_id("workflows_member")
        homes, houses, members = [], [], []
        for _ in range(total):
            village = rng.choice(city.villages)
            district = village.parent.parent.code
            area = "urban" if rng.random() < 0.35 else "rural"
            houses.append(
                dict(
                    id=h_pk,
                    region_id=village.pk,
                    address=f"{village.name}{rng.randint(1, 300)}号",
                    area=area,
                    phone="",
                    created=city.now,
                )
            )
            size = rng.choices((1, 2, 3, 4, 5), weights=(20, 30, 30, 15, 5))[0]
            numbers = []
            for j in range(size):
                born = born_between(rng, *((1940, 1985) if j < 2 else (1995, 2020)))
                number = city.ids.new(district, born)
                numbers.append(number)
                members.append(
                    dict(
                        id=m_pk,
                        household_id=h_pk,
                        name=person_name(rng),
                        id_number=number,
                        relation="head"
                        if j == 0
                        else ("spouse" if j == 1 else "child"),
                        birth_date=born,
                        sex="M" if int(number[16]) % 2 else "F",
                        disability_grade=0,
                        disability_kind="",
                        major_illness=False,
                        illness_note="",
                        employment="unemployed" if j < 2 else "student",
                        exclusion="",
                    )
                )
                m_pk += 1
            homes.append((h_pk, village, area, numbers))
            h_pk += 1
        city.write(Household, houses, history=False)
        city.write(Member, members, history=False)
        self.counts["households"] = len(houses)
        self.counts["members"] = len(members)
        return homes

    # -- the register ----------------------------------------------------------

    def register(self, homes):
        """Cases, benefits, amounts and register entries. Returns the homes
        split by class: ``recipients, marginal, outside`` (stopped recipients
        count as outside: their entry is closed)."""
        from viewflow.workflow.models import Process

        from workflows.benefits.models import Benefit, BenefitAmount, RegisterEntry
        from workflows.core.models import Case
        from workflows.dibao.flows import DibaoFlow

        from .load import next_id

        rng, city = self.rng, self.city
        flow_class = Process._meta.get_field("flow_class").get_prep_value(DibaoFlow)
        inside = homes[: self.households]
        outside = homes[self.households :]
        n_marginal = int(len(inside) * MARGINAL_SHARE)
        marginal, recipients_all = inside[:n_marginal], inside[n_marginal:]
        p_pk = next_id("viewflow_process")
        b_pk = next_id("workflows_rosterentry")
        a_pk = next_id("workflows_benefitamount")
        e_pk = next_id("workflows_registerentry")
        processes, cases, benefits, amounts, entries = [], [], [], [], []
        recipients, stopped = [], []
        start = (self.month - datetime.timedelta(days=400)).replace(day=1)
        for home in recipients_all:
            h_pk, village, area, numbers = home
            persons = len(numbers)
            amount = Decimal(rng.randint(200, 800) * persons)
            is_stopped = rng.random() < STOPPED_SHARE
            status = (
                "stopped"
                if is_stopped
                else rng.choices(
                    ("active", "suspended", "exiting"), weights=(94, 3, 3)
                )[0]
            )
            processes.append(
                dict(
                    id=p_pk,
                    flow_class=flow_class,
                    status="DONE",
                    created=city.now,
                    finished=city.now,
                    data={},
                )
            )
            cases.append(
                dict(
                    process_ptr_id=p_pk,
                    kind="dibao",
                    region_id=village.pk,
                    household_id=h_pk,
                    opened_on=start,
                    limit_code="",
                )
            )
            benefits.append(
                dict(
                    id=b_pk,
                    application_id=p_pk,
                    kind="dibao",
                    household_id=h_pk,
                    region_id=village.pk,
                    household_size=persons,
                    monthly_amount=amount,
                    start_month=start,
                    end_month=self.month if is_stopped else None,
                    status=status,
                    legal_basis="",
                    review_class="stable",
                    next_review_on=start.replace(year=start.year + 1),
                    suspended_on=self.month if status == "suspended" else None,
                    suspension_reason="未按期报告" if status == "suspended" else "",
                    exit_until=self.month.replace(year=self.month.year + 1)
                    if status == "exiting"
                    else None,
                    stopped_on=self.today if is_stopped else None,
                    stop_reason="income" if is_stopped else "",
                    stop_note="",
                )
            )
            amounts.append(
                dict(
                    id=a_pk,
                    benefit_id=b_pk,
                    from_month=start,
                    monthly_amount=amount,
                    persons=persons,
                    reason="审批确定",
                    case_id=p_pk,
                    created=city.now,
                )
            )
            entries.append(
                dict(
                    id=e_pk,
                    household_id=h_pk,
                    region_id=village.pk,
                    category="recipient",
                    kind="dibao",
                    since=start,
                    ended_on=self.today if is_stopped else None,
                    case_id=p_pk,
                    benefit_id=b_pk,
                    note="",
                )
            )
            (stopped if is_stopped else recipients).append(home)
            p_pk, b_pk, a_pk, e_pk = p_pk + 1, b_pk + 1, a_pk + 1, e_pk + 1
        for h_pk, village, _area, _numbers in marginal:
            entries.append(
                dict(
                    id=e_pk,
                    household_id=h_pk,
                    region_id=village.pk,
                    category="marginal",
                    kind="",
                    since=start,
                    note="",
                )
            )
            e_pk += 1
        city.write(Process, processes, history=False)
        city.write(Case, cases, history=False)
        city.write(Benefit, benefits, history=False)
        city.write(BenefitAmount, amounts, history=False)
        city.write(RegisterEntry, entries, history=False)
        self.counts.update(
            recipients=len(recipients), marginal=len(marginal), stopped=len(stopped)
        )
        return recipients, marginal, outside + stopped

    # -- feeds -----------------------------------------------------------------

    def feeds(self, recipients, marginal, outside):
        from workflows.monitoring.models import FeedBatch, FeedRecord

        from .load import TableWriter, next_id

        rng, city = self.rng, self.city
        sources = FeedBatch.Source.values
        previous = (self.month - datetime.timedelta(days=1)).replace(day=1)
        batch_pk = next_id("workflows_feedbatch")
        batches = {}  # (source, which) -> row
        for which, period, done in (
            ("old", previous, True),
            ("current", self.month, True),
            ("open", self.month, False),
        ):
            for source in sources if which != "open" else ["vehicle"]:
                batches[source, which] = dict(
                    id=batch_pk,
                    source=source,
                    period=period,
                    received_at=city.now,
                    row_count=0,
                    checksum=f"bench-monitoring-{batch_pk}",
                    file_name=f"{source}-{period:%Y%m}.csv",
                    rows_received=0,
                    completed_at=city.now if done else None,
                )
                batch_pk += 1
        columns = [f.column for f in FeedRecord._meta.local_concrete_fields]
        writer = TableWriter(FeedRecord._meta.db_table, columns)
        record_pk = next_id("workflows_feedrecord")
        written = 0

        def add(source, number, kind="", amount=None, detail="", which="current"):
            nonlocal record_pk, written
            batch = batches[source, which]
            writer.add([record_pk, batch["id"], number, kind or source, amount, detail])
            batch["row_count"] += 1
            record_pk += 1
            written += 1

        def some(homes, share):
            return rng.sample(homes, int(len(homes) * share))

        # the hits, in the current batches; what the run should find
        expected = self.expected = set()
        for home in some(recipients, HIT_SHARE["death"]):
            number = rng.choice(home[3])
            add("death", number, detail="死亡")
            expected.add((home[0], "death", number))
        for source in ("vehicle", "real_estate", "business"):
            for home in some(recipients, HIT_SHARE[source]):
                number = rng.choice(home[3])
                add(source, number, amount=Decimal(rng.randint(1, 50) * 10000))
                expected.add((home[0], source, number))
        for home in some(recipients, HIT_SHARE["income_over_line"]):
            line = Decimal(1000 * len(home[3]) + 500)
            add(rng.choice(("pension", "social_insurance")), home[3][0], amount=line)
            expected.add((home[0], "income_over_line", None))
        for homes, rule in ((marginal, "single_candidate"), (outside, "new_hardship")):
            for home in some(homes, HIT_SHARE[rule]):
                number = rng.choice(home[3])
                expected.add((home[0], rule, number))
                if rng.random() < 0.6:
                    kind, detail = DISABILITY_HIT
                    add("disability", number, kind=kind, detail=detail)
                else:
                    kind, detail = ILLNESS_HIT
                    amount = Decimal(rng.randint(20, 200) * 1000)
                    add("medical", number, kind=kind, amount=amount, detail=detail)
        hits = written
        # stale and unfinished batches: hit-like rows that are not current
        stale = int(self.feed_rows * 0.08)
        for _ in range(stale):
            home = rng.choice(recipients)
            source = rng.choice(("death", "vehicle", "real_estate", "business"))
            add(source, rng.choice(home[3]), which="old")
        for _ in range(int(self.feed_rows * 0.02)):
            add(
                "vehicle",
                rng.choice(rng.choice(recipients)[3]),
                amount=Decimal("80000"),
                which="open",
            )
        # the rest: rows matching no rule
        everyone = recipients + marginal + outside
        while written < self.feed_rows:
            roll = rng.random()
            if roll < 0.6:
                add(rng.choice(NEUTRAL), rng.choice(rng.choice(everyone)[3]))
            elif roll < 0.8:  # small pensions: far under the line
                amount = Decimal(rng.randint(20, 100))
                add(
                    rng.choice(("pension", "social_insurance")),
                    rng.choice(rng.choice(everyone)[3]),
                    amount=amount,
                )
            elif roll < 0.9:  # lower grades, ordinary medical costs: recipients
                number = rng.choice(rng.choice(recipients)[3])
                if rng.random() < 0.5:
                    add(
                        "disability",
                        number,
                        kind=DISABILITY_OTHER[0],
                        detail=DISABILITY_OTHER[1],
                    )
                else:
                    add(
                        "medical",
                        number,
                        kind=MEDICAL_OTHER[0],
                        amount=Decimal(rng.randint(100, 3000)),
                    )
            else:  # the register's rules, about people outside it
                home = rng.choice(outside)
                source = rng.choice(("death", "vehicle", "real_estate", "business"))
                add(source, rng.choice(home[3]), amount=Decimal(90000))
        writer.flush()
        for batch in batches.values():
            batch["rows_received"] = batch["row_count"]
        city.write(FeedBatch, list(batches.values()), history=False)
        self.counts.update(feed_rows=written, hit_rows=hits)

    def build(self):
        from django.apps import apps
        from django.core.management import call_command
        from django.db import transaction

        from .load import analyze, reset_sequences

        started = time.time()
        with transaction.atomic():
            call_command("load_reference", verbosity=0)
            self.city.regions()
            self.city.staff()
        with transaction.atomic():
            homes = self.people()
            self.out(f"  registry: {time.time() - started:.1f}s")
            groups = self.register(homes)
            self.out(f"  register: {time.time() - started:.1f}s")
            self.feeds(*groups)
            self.out(f"  feeds: {time.time() - started:.1f}s")
            reset_sequences(apps.get_models(include_auto_created=True))
        analyze()
        self.out(f"generated in {time.time() - started:.1f}s: {self.counts}")
        return self.counts


# -- the database (not part of the template's digest) ------------------------


def _unapplied():
    """Migrations the copy lacks. The data set writes no history rows (the
    run reads none), so ``migrate``'s audit backfill would compare every
    generated row with its history: not run when nothing is to migrate."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def prepare(households, feed_rows, seed=2026, out=print, fresh=False):
    """A database at DATABASE_URL holding the data set: copied from the
    template of this shape where there is one (PostgreSQL), else generated
    (and kept as the template). Starts Django."""
    import os

    import django

    from . import db

    os.environ["DATABASE_URL"] = db.url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.bench")
    template = None if fresh else db.from_template(shape(households, feed_rows, seed))
    if template is None:
        db.recreate()
    django.setup()
    from django.conf import settings

    settings.AUDIT_HEAD_LOG.unlink(missing_ok=True)
    from django.core.management import call_command

    if template is None or _unapplied():
        call_command("migrate", verbosity=0)
    if template is not None:
        out(f"data set copied from template {template}")
        return None
    from .load import fast_session

    fast_session()
    counts = Register(households, feed_rows, seed, out=out).build()
    from django.db import connection

    connection.close()
    db.save_template(shape(households, feed_rows, seed))
    return counts
