"""Numbers stored in two spellings of one person: listed, merged by the city,
and the migration that normalises stored numbers refuses until none remain
(security review, finding 3)."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.factories import CITY, DISTRICT, member_row
from workflows.models import Application, FeedBatch, FeedRecord, IncomeItem, Member
from workflows.registry.collisions import (
    MIGRATION_JOB,
    CollisionsRemain,
    collision_groups,
    normalise_stored_numbers,
)
from workflows.registry.services import member_merge

from ..dibao.desk import Desk, income_type, submit

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def store_as_typed(model, pk, spelled):
    """Write a number as the old code stored it (before normalisation)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET id_number = %s WHERE id = %s", [spelled, pk]
        )


def stored(model, pk):
    with connection.cursor() as cursor:
        table = model._meta.db_table
        cursor.execute(f"SELECT id_number FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def one_person_case(cast, name):
    return submit(
        Desk(cast.caseworker),
        cast,
        members=[member_row(name)],
        incomes=[
            {"member_no": 1, "income_type": income_type("wage"), "monthly_amount": "9"}
        ],
    )


@pytest.fixture
def two_open_cases(cast):
    """The finding: one person applied twice, once in full-width digits,
    each application open in its own household."""
    first = one_person_case(cast, "李大山")
    second = one_person_case(cast, "李大山")
    number = first.applicant.id_number
    store_as_typed(Member, second.applicant_id, number.translate(FULL_WIDTH))
    return first, second


@pytest.fixture
def city_admin(staff):
    return staff("city_administrator", CITY)


def test_the_migration_refuses_while_a_collision_remains(two_open_cases):
    first, second = two_open_cases
    groups = collision_groups(Member)
    assert groups == {
        first.applicant.id_number: sorted([first.applicant_id, second.applicant_id])
    }
    with pytest.raises(CollisionsRemain) as refused:
        normalise_stored_numbers(apps)
    assert "manage.py id_number_collisions" in str(refused.value)
    assert stored(Member, second.applicant_id) != first.applicant.id_number


def test_the_command_lists_each_collision_masked(two_open_cases, capsys):
    first, second = two_open_cases
    call_command("id_number_collisions")
    out = capsys.readouterr().out
    assert first.applicant.masked_id_number in out
    assert first.applicant.id_number not in out
    for case in (first, second):
        assert f"member #{case.applicant_id} " in out
        assert f"household #{case.household_id} " in out
        assert f"{case.number} (open)" in out
    assert first.region.full_name in out
    assert "VARIANT" in out and "1 collision(s)" in out


def test_the_migration_normalises_a_clean_set_with_history(cast):
    case = one_person_case(cast, "赵一")
    number = case.applicant.id_number
    store_as_typed(Member, case.applicant_id, number.translate(FULL_WIDTH))
    batch = FeedBatch.objects.create(source="tax", period=datetime.date(2026, 1, 1))
    row = FeedRecord.objects.create(batch=batch, id_number=number, kind="tax")
    store_as_typed(FeedRecord, row.pk, number.translate(ARABIC_INDIC))
    assert collision_groups(Member) == {}

    assert normalise_stored_numbers(apps) == {"members": 1, "feed_records": 1}

    assert stored(Member, case.applicant_id) == number
    assert stored(FeedRecord, row.pk) == number
    last = case.applicant.history.latest("history_id")
    assert (last.history_type, last.id_number, last.history_job) == (
        "~",
        number,
        MIGRATION_JOB,
    )
    assert "统一为标准写法" in last.history_change_reason
    note = batch.history.latest("history_id")
    assert note.history_type == "~" and "1 条记录" in note.history_change_reason
    # once normalised, nothing is left to do
    assert normalise_stored_numbers(apps) == {"members": 0, "feed_records": 0}


def test_merge_is_refused_while_the_duplicate_is_in_another_open_case(
    two_open_cases, city_admin
):
    first, second = two_open_cases
    with pytest.raises(CommandError, match=second.number):
        call_command(
            "id_number_collisions",
            merge=[first.applicant_id, second.applicant_id],
            reason="同一人重复申请",
            by=city_admin.username,
        )
    assert Member.objects.filter(pk=second.applicant_id).exists()


def test_the_city_merges_a_duplicate_and_the_migration_can_run(
    two_open_cases, city_admin, capsys
):
    first, second = two_open_cases
    keep, remove = first.applicant, second.applicant
    # the second application was ended by its handlers (here: cancelled)
    second.status, second.finished = "CANCELED", timezone.now()
    second.save()
    moved_income = IncomeItem.objects.get(member=remove)

    call_command(
        "id_number_collisions",
        merge=[keep.pk, remove.pk],
        reason="同一人以全角数字重复登记",
        by=city_admin.username,
    )

    out = capsys.readouterr().out
    assert f"member #{remove.pk} merged into #{keep.pk}" in out
    assert f"household #{second.household_id} has no member left" in out
    assert not Member.objects.filter(pk=remove.pk).exists()
    second.refresh_from_db()
    assert second.applicant_id == keep.pk
    moved_income.refresh_from_db()
    assert moved_income.member_id == keep.pk
    # every write kept history, naming the person, the job and the reason
    gone = Member.history.filter(id=remove.pk).latest("history_id")
    for row in (
        gone,
        keep.history.latest("history_id"),
        second.history.latest("history_id"),
        moved_income.history.latest("history_id"),
    ):
        assert row.history_user_id == city_admin.pk
        assert row.history_job == "id_number_collisions"
        assert f"#{remove.pk} → #{keep.pk}" in row.history_change_reason
        assert "同一人以全角数字重复登记" in row.history_change_reason
    assert gone.history_type == "-"

    assert collision_groups(Member) == {}
    normalise_stored_numbers(apps)


def test_a_merge_in_one_household_may_keep_the_variant_record(cast, city_admin):
    case = one_person_case(cast, "钱二")
    applicant = case.applicant
    twin = Member.objects.create(
        household=case.household,
        name="钱二",
        id_number=member_row("x")["id_number"],
        relation="other",
        birth_date=applicant.birth_date,
        sex=applicant.sex,
        employment="unable",
    )
    store_as_typed(Member, twin.pk, applicant.id_number.translate(FULL_WIDTH))
    twin.refresh_from_db()

    result = member_merge(keep=twin, remove=applicant, by=city_admin, reason="重复")

    assert result.moved == {"workflows.Application": 1, "workflows.IncomeItem": 1}
    assert stored(Member, twin.pk) == applicant.id_number
    assert Application.objects.get(pk=case.pk).applicant_id == twin.pk


def test_only_the_city_may_merge_with_a_reason_and_only_one_person(
    cast, two_open_cases, city_admin, staff
):
    first, second = two_open_cases
    keep, remove = first.applicant, second.applicant
    district = staff("district_supervisor", DISTRICT)
    with pytest.raises(PermissionDenied):
        member_merge(keep=keep, remove=remove, by=district, reason="x")
    with pytest.raises(ValidationError, match="理由"):
        member_merge(keep=keep, remove=remove, by=city_admin, reason=" ")
    someone_else = one_person_case(cast, "孙三").applicant
    with pytest.raises(ValidationError, match="不是同一人"):
        member_merge(keep=keep, remove=someone_else, by=city_admin, reason="x")
    superuser = staff("town_caseworker", DISTRICT + "106", is_superuser=True)
    with pytest.raises(ValidationError, match="办理中的案件"):  # allowed, not yet
        member_merge(keep=keep, remove=remove, by=superuser, reason="x")
    assert Member.objects.filter(pk__in=[keep.pk, remove.pk]).count() == 2
