"""The monitoring run: feed facts about register households become alerts
in the right village, once per fact, in a fixed number of statements."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.alerts.models import Alert
from workflows.alerts.services import monitoring_run

from .conftest import VILLAGE, feed, make_household, make_marginal, make_recipient

pytestmark = pytest.mark.django_db


def test_a_vehicle_of_a_recipient_household_opens_one_alert_in_its_village(
    registrar, reviewer, district
):
    household, members, benefit = make_recipient(registrar=registrar)
    feed("vehicle", [(members[0], "小型轿车", Decimal("80000.00"), "鲁D12345")])
    run = monitoring_run(user=reviewer, district=district)
    alert = Alert.objects.get()
    assert run.alerts_opened == 1 and run.counts["vehicle"] == 1
    assert alert.rule == Alert.Rule.VEHICLE and alert.region.code == VILLAGE
    assert alert.household == household and alert.member == members[0]
    assert alert.benefit == benefit and alert.run == run
    task = alert.task_set.get(flow_task_type="HUMAN")
    assert task.status == "NEW" and task.owner_permission == "workflows.verify_alert"
    assert task.deadline.limit.code == "alert_verify"
    assert task.deadline.due_on > alert.opened_on


def test_the_same_fact_delivered_again_opens_no_second_alert(
    registrar, reviewer, district
):
    _household, members, _benefit = make_recipient(registrar=registrar)
    row = (members[0], "小型轿车", Decimal("80000.00"), "鲁D12345")
    feed("vehicle", [row])
    monitoring_run(user=reviewer, district=district)
    feed("vehicle", [row], period=datetime.date(2026, 11, 1))
    again = monitoring_run(user=reviewer, district=district)
    assert again.alerts_opened == 0
    assert Alert.objects.count() == 1


def test_households_outside_the_register_raise_no_fact_alert(reviewer, district):
    _household, members = make_household()
    feed("vehicle", [(members[0], "小型轿车", Decimal("80000.00"), "")])
    assert monitoring_run(user=reviewer, district=district).alerts_opened == 0


def test_a_marginal_member_newly_certified_disabled_suggests_a_single_person_benefit(
    reviewer, district
):
    household, members = make_marginal()
    feed("disability", [(members[1], "一级肢体残疾", None, "新办残疾人证")])
    monitoring_run(user=reviewer, district=district)
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.SINGLE_CANDIDATE
    assert alert.benefit is None
    assert alert.followup_initial()["member"] == members[1].pk


def test_income_over_the_line_from_pensions(registrar, reviewer, district):
    _household, members, _benefit = make_recipient(persons=2, registrar=registrar)
    feed(
        "pension",
        [
            (members[0], "养老金", Decimal("3000.00"), ""),
            (members[1], "养老金", Decimal("2500.00"), ""),
        ],
    )
    monitoring_run(user=reviewer, district=district)
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.INCOME_OVER_LINE
    assert alert.amount == Decimal("2750.00")
    # the same incomes next month: no second alert
    monitoring_run(user=reviewer, district=district)
    assert Alert.objects.count() == 1


def test_only_the_district_runs_the_match(caseworker, district):
    with pytest.raises(PermissionDenied):
        monitoring_run(user=caseworker, district=district)


def _statements(count, registrar, reviewer, district):
    rows = []
    for _n in range(count):
        _h, members, _b = make_recipient(registrar=registrar)
        rows.append((members[0], "小型轿车", Decimal("1.00"), f"车{_n}"))
    feed("vehicle", rows)
    monitoring_run(user=reviewer, district=district, on=datetime.date(2020, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        run = monitoring_run(user=reviewer, district=district)
    assert run.alerts_opened == count
    return len(queries)


def test_the_run_does_not_query_per_household(registrar, reviewer, district):
    """4 or 20 households: the same statements (20 alerts still fit one
    batch of SQLite's 999 parameters; more add a statement per batch)."""
    few = _statements(4, registrar, reviewer, district)
    # the first run's alerts stay: they are not opened again
    many = _statements(20, registrar, reviewer, district)
    assert many == few


def test_the_sweep_runs_once_per_new_batch(registrar):
    from workflows.alerts.jobs import monitoring_sweep

    _household, members, _benefit = make_recipient(registrar=registrar)
    feed("business", [(members[0], "个体工商户", None, "某某超市")])
    assert monitoring_sweep() == 1
    assert monitoring_sweep() == 0
    run = Alert.objects.get().run
    assert run.district is None and run.started_by is None
