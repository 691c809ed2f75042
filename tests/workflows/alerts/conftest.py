"""Households in the register, feed batches about them, and the people who
verify alerts (village 370402106201 of town 370402106, district 370402)."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from roles.models import Region
from tests.factories import id_number
from workflows.benefits.models import RegisterEntry
from workflows.benefits.services import benefit_grant, register_enter
from workflows.hotline.flows import HotlineFlow
from workflows.hotline.models import Call
from workflows.monitoring.models import FeedBatch, FeedRecord
from workflows.registry.models import Household, Member

VILLAGE = "370402106201"
TOWN = "370402106"
DISTRICT = "370402"
_checksums = itertools.count(1)


def make_household(*, persons=1, village=VILLAGE):
    household = Household.objects.create(
        region=Region.objects.get(code=village), address="龚庄村 1 号", area="rural"
    )
    members = [
        Member.objects.create(
            household=household,
            name=f"成员{n}",
            id_number=id_number(),
            relation="head" if n == 0 else "child",
            birth_date=datetime.date(1970, 1, 1),
            sex="M",
        )
        for n in range(persons)
    ]
    return household, members


def make_recipient(*, persons=1, village=VILLAGE, registrar):
    """A household on assistance: the benefit in force and its register entry."""
    household, members = make_household(persons=persons, village=village)
    decided = Call.objects.create(
        flow_class=HotlineFlow,
        region=household.region,
        household=household,
        caller_name="来电人",
        caller_phone="0632-1234567",
        subject_name=members[0].name,
        address=household.address,
        topic="dibao",
        request="申请低保",
        registered_by=registrar,
    )
    benefit = benefit_grant(
        case=decided,
        persons=persons,
        monthly_amount=Decimal("500.00") * persons,
        start_month=datetime.date(2026, 1, 1),
        legal_basis="测试",
    )
    return household, members, benefit


def make_marginal(*, persons=2):
    household, members = make_household(persons=persons)
    register_enter(
        household=household,
        category=RegisterEntry.Category.MARGINAL,
        since=datetime.date(2026, 1, 1),
    )
    return household, members


def feed(source, rows, *, period=datetime.date(2026, 10, 1)):
    """A complete batch of ``rows`` ``(member, kind, amount, detail)``."""
    batch = FeedBatch.objects.create(
        source=source,
        period=period,
        checksum=f"{next(_checksums):064d}",
        row_count=len(rows),
        completed_at=timezone.now(),
    )
    for member, kind, amount, detail in rows:
        FeedRecord.objects.create(
            batch=batch,
            id_number=member.id_number,
            kind=kind,
            amount=amount,
            detail=detail,
        )
    return batch


@pytest.fixture
def registrar(staff):
    return staff("hotline_operator", DISTRICT)


@pytest.fixture
def coordinator(staff):
    return staff("village_coordinator", VILLAGE)


@pytest.fixture
def caseworker(staff):
    return staff("town_caseworker", TOWN)


@pytest.fixture
def reviewer(staff):
    return staff("district_reviewer", DISTRICT)


@pytest.fixture
def district():
    return Region.objects.get(code=DISTRICT)
