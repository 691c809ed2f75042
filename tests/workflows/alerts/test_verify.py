"""An alert opened in bulk is taken, verified and closed like any case; it
is seen only by the village and town covering the household."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from workflows.alerts.flows import AlertFlow
from workflows.alerts.models import Alert
from workflows.alerts.services import monitoring_run
from workflows.audit.timeline import case_timeline

from ..dibao.desk import Desk, open_task, task_url
from .conftest import feed, make_marginal, make_recipient

pytestmark = pytest.mark.django_db


def _alert(registrar, reviewer, district, *, source="vehicle", persons=1):
    _h, members, _b = make_recipient(persons=persons, registrar=registrar)
    feed(source, [(members[0], "小型轿车", Decimal("80000.00"), "鲁D12345")])
    monitoring_run(user=reviewer, district=district)
    return Alert.objects.get()


def _verify(outcome, reason=""):
    return {
        "verified_on": timezone.localdate().isoformat(),
        "findings": "入户核实：车辆为亲属所有，已过户。",
        "outcome": outcome,
        "reason": reason,
    }


def test_a_bulk_opened_alert_is_taken_and_closed_like_any_case(
    registrar, reviewer, district, coordinator, caseworker
):
    alert = _alert(registrar, reviewer, district)
    # in the village coordinator's queue, and the town caseworker's
    for user in (coordinator, caseworker):
        queue = Desk(user).get(AlertFlow.instance.reverse("queue"))
        assert [t.process_id for t in queue.context["object_list"]] == [alert.pk]
    desk = Desk(coordinator)
    # dismissing needs a reason
    response = desk.complete(alert, AlertFlow.verify, _verify("dismiss"), expect=200)
    assert "销号须写明理由" in response.content.decode()
    desk.complete(alert, AlertFlow.verify, _verify("dismiss", "车辆已过户"))
    alert.refresh_from_db()
    assert alert.finished and alert.status == "DONE"
    assert alert.outcome == Alert.Outcome.DISMISS and alert.decided_by == coordinator
    page = desk.get(AlertFlow.instance.reverse("process_detail", args=[alert.pk]))
    assert page.status_code == 200 and "车辆已过户" in page.content.decode()
    titles = " ".join(str(e) for e in case_timeline(alert))
    assert "核查" in titles


def test_outsiders_see_no_alert(registrar, reviewer, district, staff):
    alert = _alert(registrar, reviewer, district)
    outsider = staff("town_caseworker", "370405102")
    desk = Desk(outsider)
    for name in ("queue", "process_list"):
        response = desk.get(AlertFlow.instance.reverse(name))
        assert list(response.context["object_list"]) == []
    url = AlertFlow.instance.reverse("process_detail", args=[alert.pk])
    assert desk.get(url).status_code == 404
    task = open_task(alert, AlertFlow.verify)
    assert desk.post(task_url(task, "assign")).status_code == 404


def test_bulk_opened_rows_match_what_viewflow_writes(
    registrar, reviewer, district, coordinator
):
    alert = _alert(registrar, reviewer, district)
    ours = alert.task_set.order_by("pk")
    # viewflow's own start, for comparison
    normal = AlertFlow.raised.run(
        region=alert.region,
        household=alert.household,
        rule=alert.rule,
        source=alert.source,
        fact_key="x" * 64,
    )
    theirs = normal.task_set.order_by("pk")
    fields = ("flow_task", "flow_task_type", "status", "token", "owner_permission")
    assert [[getattr(t, f) for f in fields] for t in ours] == [
        [getattr(t, f) for f in fields] for t in theirs
    ]
    first, human = ours
    assert list(human.previous.all()) == [first]
    assert alert.status == normal.status == "NEW"
    assert alert.history.count() == 1 and human.history.count() == 1


def test_a_marginal_member_certified_disabled_leads_to_a_prefilled_application(
    reviewer, district, caseworker
):
    household, members = make_marginal()
    feed("disability", [(members[1], "一级肢体残疾", None, "新办残疾人证")])
    monitoring_run(user=reviewer, district=district)
    alert = Alert.objects.get()
    page = Desk(caseworker).get(
        AlertFlow.instance.reverse("process_detail", args=[alert.pk])
    )
    starts = dict(page.context["starts"])
    url = next(iter(starts.values()))
    context = Desk(caseworker).get(url).context
    assert context["form"].initial["region"] == household.region_id
    assert context["form"].initial["member"] == members[1].pk
    rows = context["formsets"]["members"].initial
    assert [r["id_number"] for r in rows] == [
        members[1].id_number,
        members[0].id_number,
    ]


def test_stop_after_the_death_of_a_one_person_household_opens_a_review(
    registrar, reviewer, district, coordinator
):
    pytest.importorskip("workflows.reviews.api")
    _h, members, benefit = make_recipient(registrar=registrar)
    feed("death", [(members[0], "死亡", None, "2026-11-20")])
    monitoring_run(user=reviewer, district=district)
    alert = Alert.objects.get()
    assert alert.rule == Alert.Rule.DEATH and alert.benefit == benefit
    Desk(coordinator).complete(alert, AlertFlow.verify, _verify("stop", "本人死亡"))
    alert.refresh_from_db()
    assert [c.kind for c in alert.followups.all()] == ["review"]
    assert alert.opened_on <= datetime.date.today()
