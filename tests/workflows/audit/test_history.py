"""Every model keeps its history; who acted, and why, is on every row."""

from unittest import mock

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from tests.factories import login_with_second_factor
from workflows.audit import checks as audit_checks
from workflows.base.context import acting
from workflows.clock.models import CalendarDay
from workflows.dibao.flows import DibaoFlow
from workflows.standards.models import AssistanceStandard

from ..dibao.desk import Desk, accept, calculate, investigate, propose, submit

pytestmark = pytest.mark.django_db


def audit_errors():
    return [
        e for e in checks.run_checks(tags=[checks.Tags.models]) if e.id == "audit.E001"
    ]


def test_every_model_keeps_history():
    assert audit_errors() == []


def test_the_check_fails_for_a_model_without_history():
    exempt = {
        k: v for k, v in audit_checks.EXEMPT.items() if k != "workflows.FeedRecord"
    }
    with mock.patch.object(audit_checks, "EXEMPT", exempt):
        errors = audit_errors()
    assert [e.obj._meta.label for e in errors] == ["workflows.FeedRecord"]


def test_bulk_loaded_reference_data_has_history():
    # the calendar is seeded with bulk_create_with_history (session set-up)
    assert CalendarDay.objects.count() > 100
    assert CalendarDay.history.count() == CalendarDay.objects.count()


def test_requests_record_the_user_and_jobs_record_the_job(cast):
    case = submit(Desk(cast.caseworker), cast)
    row = case.history.order_by("history_date").first()
    assert row.history_user == cast.caseworker and row.history_job == ""
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    timer = case.task_set.get(flow_task=DibaoFlow.notice)
    timer.scheduled = timezone.now()
    timer.save()
    with acting(job="run_timers"):
        fire_due_timers()
    fired = timer.history.order_by("-history_date").first()
    assert fired.history_job == "run_timers" and fired.history_user is None


def test_viewflow_tasks_record_owner_changes(cast):
    case = submit(Desk(cast.caseworker), cast)
    task = case.task_set.get(flow_task=DibaoFlow.accept)
    Desk(cast.caseworker).take(case, DibaoFlow.accept)
    owners = list(
        task.history.order_by("history_date").values_list("owner_id", flat=True)
    )
    assert owners[0] is None and owners[-1] == cast.caseworker.pk


def test_a_standard_cannot_change_without_a_reason(cast):
    standard = AssistanceStandard.objects.first()
    standard.monthly_standard += 10
    with pytest.raises(ValidationError):
        standard.save()
    standard._change_reason = "2027年标准调整"
    standard.save()
    assert standard.history.first().history_change_reason == "2027年标准调整"


def test_the_admin_asks_why(admin_user):
    client = Client()
    login_with_second_factor(client, admin_user)
    standard = AssistanceStandard.objects.first()
    url = f"/admin/workflows/assistancestandard/{standard.pk}/change/"
    page = client.get(url)
    data = {
        name: (field.value() if field.value() is not None else "")
        for name, field in page.context["adminform"].form.fields.items()
        for field in [page.context["adminform"].form[name]]
    }
    data["monthly_standard"] = "1234.00"
    data["change_reason"] = ""
    response = client.post(url, data)
    assert response.status_code == 200  # re-shown with the error
    standard.refresh_from_db()
    assert standard.monthly_standard != 1234
    data["change_reason"] = "市政府批复调整"
    response = client.post(url, data)
    assert response.status_code == 302
    standard.refresh_from_db()
    assert str(standard.monthly_standard) == "1234.00"
    assert standard.history.first().history_change_reason == "市政府批复调整"
    assert standard.history.first().history_user == admin_user


def test_not_even_a_superuser_can_edit_history_through_a_page(admin_user):
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    from workflows.base.admin import HistoryAdmin

    loose = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
        and not isinstance(model_admin, HistoryAdmin)
    ]
    assert loose == []
    editable = [
        model._meta.label
        for model in admin.site._registry
        if model._meta.object_name.startswith("Historical")
        or model._meta.label in {"workflows.AuditRowHash", "workflows.AuditCheckpoint"}
        and admin.site._registry[model].has_change_permission(_request(admin_user))
    ]
    assert editable == []
    client = Client()
    login_with_second_factor(client, admin_user)
    standard = AssistanceStandard.objects.first()
    history_id = standard.history.first().history_id
    base = f"/admin/workflows/assistancestandard/{standard.pk}/history/{history_id}/"
    before = standard.history.count()
    response = client.post(base, {"monthly_standard": "1.00", "_save": "1"})
    assert response.status_code in (403, 404)  # reverting is switched off
    assert standard.history.count() == before


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_step_run_by_a_job_names_the_person_and_the_job(cast):
    from tests.factories import one_person_spec
    from workflows import demo

    spec = one_person_spec("户主", 20)
    with acting(job="load_demo"):
        case = demo.apply(spec, {"caseworker": cast.caseworker})
    first = case.history.earliest("history_date")
    assert (first.history_user, first.history_job) == (cast.caseworker, "load_demo")
