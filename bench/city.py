"""A synthetic Zaozhuang, generated deterministically (seeded).

    python -m bench.city --size city      # 400k households, 1M members, 100k cases
    python -m bench.city --size tiny      # seconds; what the smoke test uses

Regions: the six real districts, synthetic towns up to 64 and their villages.
Staff: ~3,200 posts (about 2,900 village coordinators). Registry: households
with members (valid GB 11643 ID numbers), incomes and assets, each row with its
"+" history row. Cases: one real prototype case per stage is taken through the
flow by the services, then stamped (``bench.clone``) across villages, so every
case has the task rows, deadlines, step records and history the system writes.
Departmental feed rows reference registry ID numbers.
"""

import argparse
import datetime
import hashlib
import random
import time
from dataclasses import dataclass
from decimal import Decimal

import django

CHUNK = 20000


@dataclass(frozen=True)
class Size:
    towns: int
    villages_per_town: tuple
    households: int
    cases: int
    feed: int


SIZES = {
    "tiny": Size(
        towns=8, villages_per_town=(2, 3), households=300, cases=60, feed=1000
    ),
    "1k": Size(
        towns=16, villages_per_town=(4, 6), households=4000, cases=1000, feed=10000
    ),
    "small": Size(
        towns=64, villages_per_town=(8, 12), households=40000, cases=10000, feed=100000
    ),
    "city": Size(
        towns=64,
        villages_per_town=(34, 48),
        households=400000,
        cases=100000,
        feed=1000000,
    ),
}

# Share of cases at each stage (sums to 1); each has one prototype.
STAGE_MIX = [
    ("acceptance", 0.04),
    ("awaiting_materials", 0.03),
    ("investigation", 0.08),
    ("calculation", 0.04),
    ("opinion", 0.03),
    ("notice", 0.08),
    ("objection", 0.02),
    ("review", 0.07),
    ("decision", 0.04),
    ("delivery", 0.01),
    ("approved", 0.40),
    ("approved_single", 0.04),
    ("rejected", 0.12),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红"
    "娥玲芬燕鹏辉建国志强秀珍凤兰海波"
)


def person_name(rng):
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


class IdNumbers:
    """Unique valid resident ID numbers."""

    def __init__(self):
        from workflows.registry.idnumber import make_id_number

        self.make = make_id_number
        self.used = {}

    def new(self, district_code, born):
        key = (district_code, born)
        seq = self.used.get(key, 100)
        self.used[key] = seq + 1
        return self.make(district_code, born, seq)


def born_between(rng, first_year, last_year):
    start = datetime.date(first_year, 1, 1).toordinal()
    end = datetime.date(last_year, 12, 28).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end))


class City:
    def __init__(self, size: Size, seed: int, out=print):
        self.size = size
        self.rng = random.Random(seed)
        self.out = out
        self.ids = IdNumbers()
        self.counts = {}
        self.now = django.utils.timezone.now()

    # -- helpers -------------------------------------------------------------

    def writer(self, model):
        from .load import TableWriter, json_columns

        columns = [f.column for f in model._meta.local_concrete_fields]
        return TableWriter(
            model._meta.db_table, columns, batch=CHUNK, json_columns=json_columns(model)
        )

    def history_writer(self, model):
        return self.writer(model.history.model)

    def write(self, model, rows, history=True, reason="bench generator"):
        """Write model rows (dicts by column) and, if tracked, their '+' history."""
        from .load import next_id

        writer = self.writer(model)
        hist = None
        if history and hasattr(model, "history"):
            hist = self.history_writer(model)
            next_history = next_id(hist.table, "history_id")
        count = 0
        for row in rows:
            writer.add([row.get(c) for c in writer.columns])
            if hist is not None:
                h = dict(row)
                h.update(
                    history_id=next_history,
                    history_date=self.now,
                    history_type="+",
                    history_change_reason=reason,
                    history_user_id=None,
                    history_job="bench.city",
                )
                next_history += 1
                hist.add([h.get(c) for c in hist.columns])
            count += 1
        writer.flush()
        if hist is not None:
            hist.flush()
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + count
        return count

    # -- regions and staff --------------------------------------------------

    def regions(self):
        from roles.models import Level, Region

        from .load import next_id

        districts = list(Region.objects.filter(level=Level.DISTRICT).order_by("code"))
        existing_towns = Region.objects.filter(level=Level.TOWN).count()
        pk = next_id("roles_region")
        rows, towns = [], []
        for i in range(max(0, self.size.towns - existing_towns)):
            district = districts[i % len(districts)]
            code = f"{district.code}{301 + i // len(districts):03d}"
            towns.append((pk, code, district.path + code + "/"))
            rows.append(
                dict(
                    id=pk,
                    code=code,
                    name=f"示例镇{i + 1:02d}",
                    level="town",
                    kind="town",
                    parent_id=district.pk,
                    path=district.path + code + "/",
                    is_sample=True,
                )
            )
            pk += 1
        towns += [
            (t.pk, t.code, t.path) for t in Region.objects.filter(level=Level.TOWN)
        ]
        for town_pk, town_code, town_path in towns:
            have = Region.objects.filter(parent_id=town_pk).count()
            want = self.rng.randint(*self.size.villages_per_town)
            for j in range(have, want):
                code = f"{town_code}{501 + j:03d}"
                rows.append(
                    dict(
                        id=pk,
                        code=code,
                        name=f"示例村{code[-5:]}",
                        level="village",
                        kind="village",
                        parent_id=town_pk,
                        path=town_path + code + "/",
                        is_sample=True,
                    )
                )
                pk += 1
        self.write(Region, rows)
        self.villages = list(
            Region.objects.filter(level=Level.VILLAGE).select_related("parent__parent")
        )

    def staff(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from roles.models import Post, Region, Role

        from .load import next_id

        User = get_user_model()
        roles = {r.code: r.pk for r in Role.objects.all()}
        password = make_password("bench")
        user_pk, post_pk = next_id("auth_user"), next_id("roles_post")
        users, posts = [], []
        self.post_of = {}  # (role, region_pk) -> user pk (first)

        def add(role, region_pk, label):
            nonlocal user_pk, post_pk
            users.append(
                dict(
                    id=user_pk,
                    username=f"b_{label}_{user_pk}",
                    password=password,
                    first_name=person_name(self.rng),
                    last_name="",
                    email="",
                    is_staff=False,
                    is_superuser=False,
                    is_active=True,
                    date_joined=self.now,
                )
            )
            posts.append(
                dict(
                    id=post_pk,
                    user_id=user_pk,
                    region_id=region_pk,
                    role_id=roles[role],
                    valid_from=datetime.date(2020, 1, 1),
                    valid_to=None,
                    is_active=True,
                )
            )
            self.post_of.setdefault((role, region_pk), user_pk)
            user_pk += 1
            post_pk += 1

        city = Region.objects.get(level="city")
        add("city_administrator", city.pk, "city_admin")
        add("auditor", city.pk, "city_auditor")
        for district in Region.objects.filter(level="district"):
            for _ in range(3):
                add("district_reviewer", district.pk, f"rev{district.code}")
            add("district_supervisor", district.pk, f"sup{district.code}")
            add("auditor", district.pk, f"aud{district.code}")
        for town in Region.objects.filter(level="town"):
            for _ in range(2):
                add("town_caseworker", town.pk, f"cw{town.code}")
            add("town_supervisor", town.pk, f"ts{town.code}")
            add("proxy_agent", town.pk, f"pa{town.code}")
        coordinators = max(
            len(self.villages), int(2900 * self.size.households / 400000)
        )
        for i in range(coordinators):
            village = self.villages[i % len(self.villages)]
            add("village_coordinator", village.pk, f"vc{village.code}")
        n_users = self.write(User, users, history=hasattr(User, "history"))
        self.write(Post, posts)
        self.out(f"  staff: {n_users} users with posts")

    def staff_for(self, village):
        """The staff a case in ``village`` is handled by, by role."""
        town, district = village.parent, village.parent.parent
        return {
            "village_coordinator": self.post_of[("village_coordinator", village.pk)],
            "town_caseworker": self.post_of[("town_caseworker", town.pk)],
            "town_supervisor": self.post_of[("town_supervisor", town.pk)],
            "district_reviewer": self.post_of[("district_reviewer", district.pk)],
            "district_supervisor": self.post_of[("district_supervisor", district.pk)],
        }

    # -- registry --------------------------------------------------------------

    def registry(self, households):
        from workflows.standards.models import IncomeType

        from .load import next_id

        types = {t.code: t.pk for t in IncomeType.objects.all()}
        h_pk, m_pk = next_id("workflows_household"), next_id("workflows_member")
        i_pk, a_pk = next_id("workflows_incomeitem"), next_id("workflows_asset")
        house_rows, member_rows, income_rows, asset_rows = [], [], [], []
        self.member_ids = []
        for _ in range(households):
            village = self.rng.choice(self.villages)
            district = village.parent.parent.code
            area = "urban" if self.rng.random() < 0.35 else "rural"
            house_rows.append(
                dict(
                    id=h_pk,
                    region_id=village.pk,
                    address=f"{village.name}{self.rng.randint(1, 300)}号",
                    area=area,
                    phone="",
                    created=self.now,
                )
            )
            size = self.rng.choices((1, 2, 3, 4, 5), weights=(20, 30, 30, 15, 5))[0]
            for j in range(size):
                relation = "head" if j == 0 else ("spouse" if j == 1 else "child")
                years = (1940, 1985) if j < 2 else (1995, 2020)
                born = born_between(self.rng, *years)
                number = self.ids.new(district, born)
                employment = self.rng.choice(
                    ("employed", "farming", "unemployed", "unable", "retired")
                    if j < 2
                    else ("student", "child", "employed")
                )
                member_rows.append(
                    dict(
                        id=m_pk,
                        household_id=h_pk,
                        name=person_name(self.rng),
                        id_number=number,
                        relation=relation,
                        birth_date=born,
                        sex="M" if int(number[16]) % 2 else "F",
                        disability_grade=0,
                        disability_kind="",
                        major_illness=False,
                        illness_note="",
                        employment=employment,
                        exclusion="",
                    )
                )
                self.member_ids.append(number)
                kind = {
                    "employed": "wage",
                    "farming": "farming",
                    "retired": "pension",
                }.get(employment)
                if kind:
                    income_rows.append(
                        dict(
                            id=i_pk,
                            member_id=m_pk,
                            income_type_id=types[kind],
                            monthly_amount=Decimal(self.rng.randint(300, 4000)),
                            note="",
                        )
                    )
                    i_pk += 1
                m_pk += 1
            if self.rng.random() < 0.7:
                asset_rows.append(
                    dict(
                        id=a_pk,
                        household_id=h_pk,
                        kind="housing",
                        value=Decimal(self.rng.randint(20, 400) * 1000),
                        quantity=1,
                        is_exempt=False,
                        note="",
                    )
                )
                a_pk += 1
            h_pk += 1
            if len(member_rows) >= CHUNK:
                self._flush_registry(house_rows, member_rows, income_rows, asset_rows)
                house_rows, member_rows, income_rows, asset_rows = [], [], [], []
        self._flush_registry(house_rows, member_rows, income_rows, asset_rows)

    def _flush_registry(self, houses, members, incomes, assets):
        from workflows.models import Asset, Household, IncomeItem, Member

        self.write(Household, houses)
        self.write(Member, members)
        self.write(IncomeItem, incomes)
        self.write(Asset, assets)

    # -- cases ------------------------------------------------------------------

    def prototypes(self):
        """Run one real case per stage; capture the rows each wrote."""
        from django.contrib.auth import get_user_model

        from roles.models import Post
        from roles.scope import ancestor_paths
        from workflows import demo
        from workflows.dibao.models import Application

        from .clone import Capture

        village = self.villages[0]
        staff = self.staff_for(village)
        # every user who may act on a case of this village, by role: whoever the
        # flow picks, the copies get the same role in their own village
        staff_role = dict(
            Post.objects.filter(
                region__path__in=ancestor_paths(village.path)
            ).values_list("user_id", "role__code")
        )
        caseworker = get_user_model().objects.get(pk=staff["town_caseworker"])
        captures = []
        for n, (stage, _share) in enumerate(STAGE_MIX):
            spec = self._prototype_household(stage, village, n)
            with Capture() as capture:
                case = demo.apply(spec, {"caseworker": caseworker})
                demo.drive(Application.objects.get(pk=case.pk), stage)
            captures.append((stage, capture))
        return village, staff_role, captures

    def _prototype_household(self, stage, village, n):
        district = village.parent.parent.code
        if stage in ("rejected", "delivery"):
            members = [("head", "employed", 0, ""), ("spouse", "employed", 0, "")]
            incomes = [[0, "wage", "4000.00"], [1, "wage", "3000.00"]]
        elif stage == "approved_single":
            members = [
                ("head", "unable", 1, "physical"),
                ("spouse", "employed", 0, ""),
                ("child", "student", 0, ""),
            ]
            incomes = [[1, "wage", "3200.00"]]
        else:
            members = [("head", "unable", 0, ""), ("spouse", "farming", 0, "")]
            incomes = [[1, "farming", "600.00"]]
        rows = []
        for j, (relation, employment, grade, kind) in enumerate(members):
            born = (
                born_between(self.rng, 1950, 1985)
                if relation != "child"
                else born_between(self.rng, 2005, 2012)
            )
            rows.append(
                dict(
                    name=person_name(self.rng),
                    born=born.isoformat(),
                    sex="M" if j % 2 == 0 else "F",
                    relation=relation,
                    employment=employment,
                    disability_grade=grade,
                    disability_kind=kind,
                    id_number=self.ids.new(district, born),
                )
            )
        return dict(
            village=village.code,
            address=f"{village.name}原型{n}号",
            area="rural",
            channel="window",
            submitted_by="caseworker",
            reason="生活困难",
            members=rows,
            incomes=incomes,
            deductions=[],
            assets=[],
        )

    def cases(self):
        from .clone import Stamper

        t0 = time.time()
        village0, staff_role, captures = self.prototypes()
        seconds = time.time() - t0
        self.out(
            f"  prototypes: {len(captures)} real cases through the flow, {seconds:.1f}s"
        )
        writers = {}
        total = self.size.cases - len(captures)
        plan = []
        for (_stage, share), (_, capture) in zip(STAGE_MIX, captures, strict=True):
            stamper = Stamper(capture, village0.pk, staff_role, writers)
            plan.append((stamper, max(1, round(total * share))))
        for stamper, count in plan:
            stamper.reserve(count)
        people = {}

        def new_person(district):
            born = born_between(self.rng, 1945, 2015)
            number = self.ids.new(district, born)
            return {
                "name": person_name(self.rng),
                "id_number": number,
                "birth_date": born,
                "sex": "M" if int(number[16]) % 2 else "F",
            }

        done = 0
        for stamper, count in plan:
            for k in range(count):
                village = self.rng.choice(self.villages)
                district = village.parent.parent.code
                ctx = {
                    "village": village.pk,
                    "staff": self.staff_for(village),
                    "shift": datetime.timedelta(days=self.rng.randint(0, 45)),
                    "assign": self.rng.random() < 0.6,
                    "address": f"{village.name}{self.rng.randint(1, 300)}号",
                    "person": lambda mid, d=district: people.setdefault(
                        mid, new_person(d)
                    ),
                }
                stamper.stamp(k, ctx)
                done += 1
                if done % 10000 == 0:
                    self.out(f"  cases: {done}/{total}")
        for writer in writers.values():
            writer.flush()
        self.counts["cases (stamped)"] = done
        self.counts["rows written for cases"] = sum(w.written for w in writers.values())

    # -- departmental feeds ------------------------------------------------------------

    def feeds(self):
        from workflows.monitoring.models import FeedBatch, FeedRecord

        from .load import next_id

        sources = [s for s, _ in FeedBatch.Source.choices]
        months = [datetime.date(2026, m, 1) for m in range(1, 13)]
        batch_pk = next_id("workflows_feedbatch")
        batches = []
        for source in sources:
            for month in months:
                batches.append(
                    dict(
                        id=batch_pk,
                        source=source,
                        period=month,
                        received_at=self.now,
                        imported_by_id=None,
                        row_count=0,
                        checksum="",
                        file_name=f"{source}-{month:%Y%m}.csv",
                        rows_received=0,
                        duration=None,
                        completed_at=self.now,
                    )
                )
                batch_pk += 1
        per_batch = max(1, self.size.feed // len(batches))

        def records():
            record_pk = next_id("workflows_feedrecord")
            for batch in batches:
                digest = hashlib.sha256()
                for _ in range(per_batch):
                    number = self.rng.choice(self.member_ids)
                    amount = Decimal(self.rng.randint(0, 500000)) / 100
                    digest.update(f"{number}{amount}".encode())
                    yield dict(
                        id=record_pk,
                        batch_id=batch["id"],
                        id_number=number,
                        kind=batch["source"],
                        amount=amount,
                        detail="",
                    )
                    record_pk += 1
                batch["row_count"] = batch["rows_received"] = per_batch
                batch["checksum"] = digest.hexdigest()

        # foreign keys are checked at commit, so the rows may precede their batches
        self.write(FeedRecord, records(), history=False)
        self.write(FeedBatch, batches)

    # -- audit ---------------------------------------------------------------

    def audit_hashes(self):
        """The hash of every audit row the load wrote (the generator writes
        rows in bulk, around the recording), sealed into the chain: the city
        verifies like one the application wrote."""
        from workflows.audit.chain import seal
        from workflows.audit.record import record_unrecorded

        self.counts["audit row hashes"] = record_unrecorded()
        seal()

    # -- all -----------------------------------------------------------------

    def build(self):
        from django.apps import apps
        from django.core.management import call_command
        from django.db import transaction

        from .load import analyze, fast_session, reset_sequences

        stages = [
            ("reference data", lambda: call_command("load_reference", verbosity=0)),
            ("regions", self.regions),
            ("staff", self.staff),
            ("registry", lambda: self.registry(self.size.households - self.size.cases)),
            ("cases", self.cases),
            ("departmental feeds", self.feeds),
            ("audit row hashes", self.audit_hashes),
        ]
        started = time.time()
        fast_session()
        for label, step in stages:
            t0 = time.time()
            with transaction.atomic():
                step()
                reset_sequences(apps.get_models(include_auto_created=True))
            self.out(f"{label}: {time.time() - t0:.1f}s")
        t0 = time.time()
        analyze()
        self.out(f"planner statistics (ANALYZE): {time.time() - t0:.1f}s")
        elapsed = time.time() - started
        rows = sum(v for k, v in self.counts.items() if isinstance(v, int))
        self.out(
            f"generated in {elapsed:.1f}s; {rows:,} rows ({rows / elapsed:,.0f} rows/s)"
        )
        return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    generate(args.size, args.seed)


def generate(size_name, seed=2026, out=print):
    """A fresh database at DATABASE_URL (default var/bench.sqlite3) with a city."""
    import os

    from . import db

    os.environ["DATABASE_URL"] = db.url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.bench")
    db.recreate()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.AUDIT_HEAD_LOG.unlink(missing_ok=True)  # the dropped database's heads
    call_command("migrate", verbosity=0)
    return City(SIZES[size_name], seed, out=out).build()


if __name__ == "__main__":
    main()
