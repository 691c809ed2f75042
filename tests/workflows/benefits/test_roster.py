"""The roster over time: the amount in force in any month, in SQL, and the
state of each benefit (stopped with reason and date)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.benefits.models import Benefit
from workflows.benefits.selectors import amounts_in_force
from workflows.benefits.services import benefit_amount_change, benefit_stop
from workflows.dibao.flows import DibaoFlow

from .test_register import client_for

pytestmark = pytest.mark.django_db


def roster(client, **params):
    response = client.get(DibaoFlow.instance.reverse("roster"), params)
    assert response.status_code == 200
    return {b.pk: b for b in response.context["object_list"]}


def test_amounts_in_force_by_month(caseload):
    """Before a change the first amount, from its month the new one; before
    the start and after the last month paid, none; one query for them all."""
    benefit = caseload[0]
    benefit_amount_change(
        benefit=benefit,
        from_month=datetime.date(2026, 7, 1),
        monthly_amount=Decimal("650.00"),
        persons=2,
        reason="复核增加",
    )
    qs = Benefit.objects.filter(pk__in=[b.pk for b in caseload])

    def month(day):
        with CaptureQueriesContext(connection) as queries:
            rows = {b.pk: b for b in amounts_in_force(qs, day)}
        assert len(queries) == 1
        return rows

    assert month(datetime.date(2026, 6, 15))[benefit.pk].amount_in_month == Decimal(
        "500.00"
    )
    july = month(datetime.date(2026, 7, 1))
    assert (july[benefit.pk].amount_in_month, july[benefit.pk].persons_in_month) == (
        Decimal("650.00"),
        2,
    )
    assert july[caseload[1].pk].amount_in_month == Decimal("500.00")
    assert month(datetime.date(2026, 2, 1))[benefit.pk].amount_in_month is None
    benefit_stop(
        benefit=benefit,
        last_month=datetime.date(2026, 9, 1),
        on=datetime.date(2026, 9, 20),
        stop_reason=Benefit.StopReason.INCOME,
        note="务工收入超过标准",
    )
    assert month(datetime.date(2026, 9, 1))[benefit.pk].amount_in_month == Decimal(
        "650.00"
    )
    assert month(datetime.date(2026, 10, 1))[benefit.pk].amount_in_month is None


def test_roster_page_month_and_stopped_rows(caseload, staff):
    """The roster shows the month's amount (?month=), the stopped household
    with its reason and date, and filters by state."""
    benefit, other = caseload[0], caseload[1]
    benefit_amount_change(
        benefit=benefit,
        from_month=datetime.date(2026, 7, 1),
        monthly_amount=Decimal("650.00"),
        persons=2,
        reason="复核增加",
    )
    benefit_stop(
        benefit=other,
        last_month=datetime.date(2026, 8, 1),
        on=datetime.date(2026, 8, 10),
        stop_reason=Benefit.StopReason.DEATH,
        note="",
    )
    client = client_for(staff("town_caseworker", "370402106"))
    june = roster(client, month="2026-06")
    assert june[benefit.pk].amount_in_month == Decimal("500.00")
    july = roster(client, month="2026-07")
    assert july[benefit.pk].amount_in_month == Decimal("650.00")
    # before the start: listed, nothing in force
    assert roster(client, month="2026-02")[benefit.pk].amount_in_month is None
    now = roster(client)
    assert now[other.pk].amount_in_month is None
    page = client.get(DibaoFlow.instance.reverse("roster")).content.decode()
    assert "2026-08-10" in page and "保障对象死亡" in page
    assert set(roster(client, status="stopped")) == {other.pk}
