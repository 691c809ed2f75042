"""Bad input is refused with a clear Chinese message and nothing is saved."""

import datetime

import pytest
from django.utils import timezone

from roles.models import Region
from tests.factories import apply_post_data, id_number, member_row
from workflows.dibao.flows import DibaoFlow
from workflows.models import Application, Household, IncomeItem, Member
from workflows.registry import idnumber

from .desk import (
    Desk,
    accept,
    calculate,
    case_url,
    formset_data,
    income_type,
    investigate,
    open_task,
    propose,
    submit,
    today,
)

pytestmark = pytest.mark.django_db


def counts():
    return (
        Household.objects.count(),
        Member.objects.count(),
        IncomeItem.objects.count(),
        Application.objects.count(),
    )


def refused(desk, data, message):
    before = counts()
    response, case = desk.apply(data)
    assert case is None
    assert response.status_code == 200
    assert message in response.content.decode(), message
    assert counts() == before
    return response


def test_bad_check_digit(cast):
    row = member_row("张三")
    row["id_number"] = row["id_number"][:-1] + (
        "0" if row["id_number"][-1] != "0" else "1"
    )
    refused(Desk(cast.caseworker), apply_post_data(cast.village, [row]), "校验位错误")


def test_impossible_birth_date_in_the_id(cast):
    first17 = "37040219900230123"
    row = member_row("张三")
    row["id_number"] = first17 + idnumber.check_char(first17)
    refused(Desk(cast.caseworker), apply_post_data(cast.village, [row]), "不是有效日期")


def test_negative_and_absurd_amounts(cast):
    desk = Desk(cast.caseworker)
    wage = income_type("wage")
    for amount, message in (("-5", "不能为负数"), ("99999999", "超出合理范围")):
        data = apply_post_data(
            cast.village,
            [member_row("张三")],
            incomes=[{"member_no": 1, "income_type": wage, "monthly_amount": amount}],
        )
        refused(desk, data, message)
    data = apply_post_data(
        cast.village,
        [member_row("张三")],
        assets=[{"kind": "financial", "value": "-1", "quantity": 1}],
    )
    refused(desk, data, "不能为负数")


def test_household_with_no_members(cast):
    refused(
        Desk(cast.caseworker), apply_post_data(cast.village, []), "至少应有一名成员"
    )


def test_two_heads_or_none(cast):
    desk = Desk(cast.caseworker)
    two = [member_row("甲"), member_row("乙")]
    refused(desk, apply_post_data(cast.village, two), "只能填写一名户主")
    none = [member_row("甲", relation="spouse")]
    refused(desk, apply_post_data(cast.village, none), "只能填写一名户主")


def test_income_of_a_member_that_does_not_exist(cast):
    data = apply_post_data(
        cast.village,
        [member_row("张三")],
        incomes=[
            {"member_no": 3, "income_type": income_type("wage"), "monthly_amount": "1"}
        ],
    )
    refused(Desk(cast.caseworker), data, "没有第 3 位成员")


def test_missing_authorization_is_refused(cast):
    data = apply_post_data(cast.village, [member_row("张三")])
    del data["authorization_signed"]
    refused(Desk(cast.caseworker), data, "核对授权书")


def test_village_outside_the_users_posts(cast):
    elsewhere = Region.objects.get(code="370404103201")
    refused(
        Desk(cast.caseworker),
        apply_post_data(elsewhere, [member_row("张三")]),
        "选择一个有效的选项",
    )


def test_future_dates_and_one_investigator_twice(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    desk = Desk(cast.caseworker)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    visit = {
        "visited_on": tomorrow,
        "method": "in_person",
        "investigator_1": cast.caseworker.pk,
        "investigator_2": cast.caseworker.pk,
        "family_present": "户主",
        "living_conditions": "x",
        "findings": "x",
    }
    response = desk.complete(case, DibaoFlow.home_visit, visit, expect=200)
    content = response.content.decode()
    assert "日期不能晚于今天" in content
    assert "签字确认" in content  # not signed by the family
    visit.update(visited_on=today(), household_signed="on")
    response = desk.complete(case, DibaoFlow.home_visit, visit, expect=200)
    assert "两名不同的工作人员" in response.content.decode()
    assert not case.home_visits.exists()
    # phone visits need an emergency reason
    visit.update(investigator_2=cast.coordinator.pk, method="phone")
    response = desk.complete(case, DibaoFlow.home_visit, visit, expect=200)
    assert "紧急情况" in response.content.decode()
    assert not case.home_visits.exists()
    assert open_task(case, DibaoFlow.home_visit).status != "DONE"


def test_investigator_must_cover_the_village(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    response = Desk(cast.caseworker).complete(
        case,
        DibaoFlow.home_visit,
        {
            "visited_on": today(),
            "method": "in_person",
            "investigator_1": cast.caseworker.pk,
            "investigator_2": cast.other_village_coordinator.pk,
            "family_present": "户主",
            "household_signed": "on",
            "living_conditions": "x",
            "findings": "x",
        },
        expect=200,
    )
    assert "选择一个有效的选项" in response.content.decode()


def test_negative_amount_in_the_calculation_saves_nothing(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    desk = Desk(cast.caseworker)
    _, page = desk.open(case, DibaoFlow.calculate)
    data = {}
    for formset in page.context["formsets"].values():
        data.update(formset_data(formset))
    data["incomes-0-monthly_amount"] = "-100"
    data["_confirm"] = "1"
    response = desk.complete(case, DibaoFlow.calculate, data, expect=200)
    assert "不能为负数" in response.content.decode()
    assert IncomeItem.objects.get(member__household=case.household).monthly_amount > 0
    assert not case.assessments.exists()


def test_objection_outside_the_notice_period_or_in_the_future(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    coordinator = Desk(cast.coordinator)
    response = coordinator.post(
        case_url(case, "record_objection"), {"received_on": today(), "content": "x"}
    )
    assert response.status_code == 422
    assert "不在公示期内" in response.content.decode()
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = coordinator.post(
        case_url(case, "record_objection"), {"received_on": tomorrow, "content": "x"}
    )
    assert response.status_code == 422
    assert not case.objections.exists()


def test_unique_id_numbers_are_generated_for_tests():
    assert id_number() != id_number()
