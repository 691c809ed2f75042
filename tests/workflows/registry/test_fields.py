"""Every identity number is normalised where it enters: saves, lookups,
updates, forms, departmental feed rows (security review, finding 3)."""

import datetime

import pytest
from django import forms
from django.apps import apps

from roles.models import Region
from tests.factories import VILLAGE, id_number
from workflows.dibao.forms import MemberForm
from workflows.models import FeedBatch, FeedRecord, Household, Member
from workflows.registry import idnumber

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def household():
    return Household.objects.create(
        region=Region.objects.get(code=VILLAGE), address="测试", area="rural"
    )


def member(number, name="张三"):
    return Member(
        household=household(),
        name=name,
        id_number=number,
        relation="head",
        birth_date=idnumber.birth_date(idnumber.normalize(number)),
        sex=idnumber.sex(idnumber.normalize(number)),
        employment="unable",
    )


def test_every_id_number_column_normalises_what_it_stores_and_looks_up():
    """A new model with an ``id_number`` must use ``IdNumberField`` too."""
    number = idnumber.make_id_number("370402", datetime.date(1970, 1, 1), 123)
    found = [
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if "id_number" in field.name
        and field.get_prep_value(number.translate(FULL_WIDTH)) != number
    ]
    assert found == []


@pytest.mark.django_db
def test_a_saved_number_is_stored_and_found_in_ascii_whatever_its_spelling():
    number = id_number()
    person = member(number.translate(FULL_WIDTH))
    person.full_clean()
    person.save()
    assert person.id_number == number
    assert Member.objects.filter(id_number=number).get() == person
    stored = Member.objects.values_list("id_number", flat=True).get(pk=person.pk)
    assert stored == number
    # a lookup in another script finds the same person
    assert Member.objects.get(id_number=number.translate(ARABIC_INDIC)) == person
    assert Member.objects.filter(
        id_number__in=["\u3000" + number.translate(FULL_WIDTH)]
    ).exists()


@pytest.mark.django_db
def test_a_save_without_validation_and_an_update_store_ascii_too():
    number = id_number()
    person = member(number.translate(ARABIC_INDIC))
    person.save()  # no full_clean: the field still normalises on the way in
    assert Member.objects.values_list("id_number", flat=True).get() == number
    other = id_number()
    Member.objects.filter(pk=person.pk).update(id_number=other.translate(FULL_WIDTH))
    assert Member.objects.values_list("id_number", flat=True).get() == other


@pytest.mark.django_db
def test_feed_rows_match_the_registry_however_the_department_wrote_them():
    number = id_number()
    batch = FeedBatch.objects.create(source="tax", period=datetime.date(2026, 1, 1))
    FeedRecord.objects.create(
        batch=batch, id_number=" " + number.translate(FULL_WIDTH), kind="tax"
    )
    assert FeedRecord.objects.get(id_number=number).id_number == number


def test_the_member_form_normalises_and_refuses_what_is_left():
    number = id_number()
    row = {
        "name": "张三",
        "id_number": number.translate(FULL_WIDTH)[:6] + "\u3000" + number[6:],
        "relation": "head",
        "employment": "unable",
        "disability_grade": "0",
    }
    form = MemberForm(row)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == number
    form = MemberForm({**row, "id_number": number[:-1] + "×"})
    assert not form.is_valid()
    assert "无法识别的字符（×）" in form.errors["id_number"][0]


@pytest.mark.django_db
def test_any_model_form_of_these_models_normalises_too():
    """The admin and any future ModelForm get the normalising form field."""
    number = id_number()
    MemberModelForm = forms.modelform_factory(Member, fields=["id_number"])
    form = MemberModelForm({"id_number": " " + number.translate(ARABIC_INDIC)})
    form.is_valid()
    assert form.cleaned_data["id_number"] == number
    assert "id_number" not in form.errors
