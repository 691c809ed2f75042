"""A programme plugged in by declarations alone: the shared pages handle it
with no change to shared code. Run by ``tests/project/test_programme_recipe``
with ``tests.testprogramme.settings`` (the app is installed only there)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client

from roles.models import Role
from tests.factories import StaffFactory
from workflows.core.services import run_task, start_flow
from workflows.work.services import grant_create

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("tests.testprogramme"),
        reason="run with tests.testprogramme.settings (test_programme_recipe)",
    ),
]

VILLAGE, TOWN, DISTRICT = "370402106201", "370402106", "370402"


def staff(role, region):
    return StaffFactory.with_post(role, region)


def visit_started(caseworker):
    from roles.models import Region
    from tests.testprogramme.flows import VisitFlow

    def fill(activation):
        case = activation.process
        case.person = "王大爷"
        case.region = Region.objects.get(code=VILLAGE)
        case.save()

    return start_flow(node=VisitFlow.start, user=caseworker, step=fill)


@pytest.fixture
def people():
    role = Role.objects.get(code="town_caseworker")
    role._change_reason = "测试项目"
    role.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="testprogramme",
            codename__in=["view_visit", "start_visit", "check_visit"],
        )
    )
    for code in ("district_supervisor", "auditor"):
        other = Role.objects.get(code=code)
        other._change_reason = "测试项目"
        other.permissions.add(Permission.objects.get(codename="view_visit"))
    return {
        "caseworker": staff("town_caseworker", TOWN),
        "town_supervisor": staff("town_supervisor", TOWN),
        "district_supervisor": staff("district_supervisor", DISTRICT),
        "auditor_elsewhere": staff("auditor", "370404"),
    }


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_spine_handles_a_new_programme(people):
    from tests.testprogramme.flows import VisitFlow
    from tests.testprogramme.models import Visit, VisitNote

    caseworker = people["caseworker"]
    visit = Visit.objects.get(pk=visit_started(caseworker).pk)
    # case numbering from the programme's declaration
    assert visit.number.startswith("HF") and visit.kind_label == "回访"
    # the home page opens the first kind the user may see (HOME_ORDER 5)
    home = client(caseworker).get("/")
    assert home.status_code == 302 and home["Location"].startswith("/visit")
    # the workload and queue of the town's supervisor show its task
    queue = client(people["town_supervisor"]).get("/work/queue/")
    assert visit.number in queue.content.decode()
    task = visit.task_set.get(flow_task=VisitFlow.check)
    run_task(
        task=task,
        user=caseworker,
        step=lambda a: VisitNote.objects.create(visit=a.process, text="生活正常"),
    )
    # the audit timeline and search read its records
    district = client(people["district_supervisor"])
    timeline = district.get(f"/audit/cases/{visit.pk}/")
    assert timeline.status_code == 200
    assert "回访记录" in timeline.content.decode()  # its own record's history
    for model in ("testprogramme.Visit", "testprogramme.VisitNote"):
        search = district.get("/audit/", {"model": model})
        assert list(search.context["page"]), model
    # a per-case grant under the programme's grant map
    auditor = people["auditor_elsewhere"]
    assert client(auditor).get(f"/audit/cases/{visit.pk}/").status_code in (403, 404)
    grant_create(
        case=visit,
        user=auditor,
        perms=["testprogramme.view_visit", "workflows.audit_case"],
        by=people["district_supervisor"],
        reason="交叉审计",
    )
    assert client(auditor).get(f"/audit/cases/{visit.pk}/").status_code == 200
    other = Visit.objects.get(pk=visit_started(caseworker).pk)
    assert client(auditor).get(f"/audit/cases/{other.pk}/").status_code in (403, 404)


def test_a_programme_declares_its_own_time_limits():
    """The clock's list of limits is the bureau's own plus what each
    programme declares beside its case: the test programme's limit is a
    choice of the time-limit table with no change to the clock."""
    from workflows.clock.models import TimeLimit

    codes = dict(TimeLimit._meta.get_field("code").choices)
    assert codes["visit_report"] == "回访报告"
    assert "remind_before" in codes and "investigation_start" in codes
    form_field = TimeLimit._meta.get_field("code").formfield()
    assert "visit_report" in dict(form_field.choices)
