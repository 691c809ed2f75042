"""Input checked at the edge (security review, findings 9, 10, 12): ids
beyond 64 bits, oversized query strings and texts, redirect targets that
leave the site, refused case pages recorded for the auditor, and a case
cancelled only by the district with a reason."""

import logging

import pytest
from django.test import override_settings
from django.urls import reverse
from viewflow.workflow.status import PROCESS

from tests.factories import OTHER_DISTRICT_VILLAGE, apply_post_data, member_row
from tests.workflows.dibao.desk import (
    Desk,
    accept,
    case_url,
    open_task,
    submit,
    task_url,
)
from workflows.base.edge import parse_id, safe_target
from workflows.base.fields import TEXT_MAX
from workflows.core.models import SensitiveAccess
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application
from workflows.work.guard import CASE_KEYS

pytestmark = pytest.mark.django_db

HUGE = "9" * 25  # beyond a 64-bit key
BEYOND = str(2**63)  # one past the largest key


def test_parse_id_accepts_only_plain_64_bit_keys():
    assert parse_id("42") == 42
    for bad in (HUGE, BEYOND, "0", "-1", "+1", "４２", "1e3", "", None, "١٢"):
        assert parse_id(bad) is None, bad
    assert parse_id(str(2**63 - 1)) == 2**63 - 1


def test_huge_ids_in_urls_and_query_strings_give_404_not_500(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    desk = Desk(cast.caseworker)
    desk.client.raise_request_exception = False
    urls = [
        f"/dibao/{HUGE}/",
        f"/dibao/{BEYOND}/",
        f"/dibao/{case.pk}/home_visit/{HUGE}/",
        f"/dibao/{HUGE}/home_visit/{task.pk}/execute/",
        f"/audit/cases/{HUGE}/",
        f"/work/people/{HUGE}/",
    ]
    for url in urls:
        assert desk.get(url).status_code in (403, 404), url
    supervisor = Desk(cast.town_supervisor)
    supervisor.client.raise_request_exception = False
    assert supervisor.get("/work/reassign/", {"task": HUGE}).status_code == 404
    apply = DibaoFlow.apply.reverse("execute")
    assert desk.get(apply, {"origin": HUGE}).status_code == 404
    refer = "/escalation/refer/execute/"
    assert desk.get(refer, {"origin": BEYOND}).status_code in (403, 404)


def test_oversized_search_and_query_strings_are_refused_clearly(cast):
    desk = Desk(cast.caseworker)
    desk.client.raise_request_exception = False
    inbox = DibaoFlow.instance.reverse("inbox")
    response = desk.get(inbox, {"q": "户" * 50000})
    assert response.status_code == 400
    assert "输入的内容过长" in response.content.decode()
    assert desk.get(inbox, {"q": "户" * 900}).status_code == 200  # cut, not refused
    many = {f"p{i}": "1" for i in range(150)}
    assert desk.get(inbox, many).status_code == 400


def test_oversized_text_is_refused_and_nothing_is_stored(cast):
    desk = Desk(cast.caseworker)
    data = apply_post_data(cast.village, [member_row("张三")])
    data["reason"] = "困" * (TEXT_MAX + 1)
    response, case = desk.apply(data)
    assert case is None and response.status_code == 200
    assert "2000" in response.content.decode()
    # the model refuses it too, whatever form or script sent it
    case = submit(desk, cast)
    case.reason = "困" * (TEXT_MAX + 1)
    with pytest.raises(Exception) as error:
        case.full_clean(exclude=["flow_class"])
    assert "reason" in str(error.value)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_request_body_of_megabytes_is_refused(cast):
    desk = Desk(cast.caseworker)
    desk.client.raise_request_exception = False
    data = apply_post_data(cast.village, [member_row("张三")])
    data["reason"] = "x" * (2 * 1024 * 1024)
    before = Application.objects.count()
    response = desk.post(DibaoFlow.apply.reverse("execute"), data)
    assert response.status_code == 400
    assert Application.objects.count() == before


def test_redirect_targets_from_the_request_stay_on_the_site(cast, rf):
    request = rf.get("/", HTTP_HOST="testserver")
    for bad in (
        "//other.host/",
        "https://other.host/",
        "/\\other.host",
        "\\\\other.host",
        "javascript:alert(1)",
    ):
        assert safe_target(request, bad, "/fallback/") == "/fallback/", bad
    assert safe_target(request, "/work/people/3/", "/x/") == "/work/people/3/"
    # the supervisors' unassign form
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    response = Desk(cast.town_supervisor).post(
        "/work/unassign/",
        {"task": [task.pk], "reason": "调整", "back": "//evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("work:index")


def test_refused_case_pages_are_access_events_without_tracebacks(cast, caplog):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    outsider = Desk(cast.other_district_reviewer)
    outsider.client.raise_request_exception = False
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert outsider.get(case_url(case)).status_code == 404
        task = open_task(case, DibaoFlow.home_visit)
        assert outsider.get(task_url(task, "execute")).status_code == 404
    events = SensitiveAccess.objects.filter(action=SensitiveAccess.Action.REFUSED)
    assert events.count() == 2
    assert {e.case_id for e in events} == {case.pk}
    assert {e.user for e in events} == {cast.other_district_reviewer}
    assert not [r for r in caplog.records if r.exc_info]
    # a 403 deeper down (a step the role does not do) is recorded too
    inside = Desk(cast.coordinator)
    inside.client.raise_request_exception = False
    task = open_task(case, DibaoFlow.cross_check)
    assert inside.post(task_url(task, "assign")).status_code == 403
    assert events.filter(user=cast.coordinator, case=case).count() == 1
    # the auditor reads them in the case's timeline
    timeline = Desk(cast.district_supervisor).get(f"/audit/cases/{case.pk}/")
    assert "被拒绝的访问" in timeline.content.decode()
    assert set(CASE_KEYS) == {"process_pk", "case_pk", "task_pk"}


def test_only_the_district_cancels_a_case_and_only_with_a_reason(cast, staff):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    url = DibaoFlow.instance.reverse("process_cancel", args=[case.pk])
    # a town supervisor of a district that keeps the decision may not
    assert Desk(cast.town_supervisor).get(url).status_code == 403
    page = Desk(cast.town_supervisor).get(case_url(case))
    assert url not in page.content.decode()
    district = Desk(cast.district_supervisor)
    page = district.get(case_url(case))
    assert url in page.content.decode()
    response = district.post(url, {"reason": " "})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status != PROCESS.CANCELED
    response = district.post(url, {"reason": "申请人书面撤回申请"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == PROCESS.CANCELED
    reasons = set(case.history.values_list("history_change_reason", flat=True)) | set(
        case.task_set.model.history.filter(process_id=case.pk).values_list(
            "history_change_reason", flat=True
        )
    )
    assert any("申请人书面撤回申请" in (r or "") for r in reasons)
    assert district.get(url).status_code == 403  # already cancelled


def test_a_delegated_town_supervisor_may_cancel(staff):
    """山亭区 delegates review and decision to its towns (S1 Art 20): there
    the town's supervisor may cancel too — not a town supervisor elsewhere."""
    from roles.models import Region

    village = Region.objects.get(code="370406001001")
    caseworker = staff("town_caseworker", "370406001")
    supervisor = staff("town_supervisor", "370406001")
    _, case = Desk(caseworker).apply(apply_post_data(village, [member_row("张三")]))
    Desk(caseworker).complete(
        case, DibaoFlow.accept, {"complete": "yes", "missing_items": ""}
    )
    case.refresh_from_db()
    assert case.town_confirms
    url = DibaoFlow.instance.reverse("process_cancel", args=[case.pk])
    assert Desk(supervisor).get(url).status_code == 200
    other = staff("town_supervisor", OTHER_DISTRICT_VILLAGE[:9])
    assert Desk(other).get(url).status_code in (403, 404)


def _project_forms():
    import importlib
    import pkgutil

    from django import forms

    import roles
    import workflows

    for package in (roles, workflows):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            importlib.import_module(info.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith(("roles.", "workflows.", "project.")):
            found.append(cls)
    return found


def test_every_text_a_form_or_model_takes_has_a_length_limit():
    """The class behind the 2.4 MB objection: every free-text field of the
    project's forms and models carries a limit (and the model's validator)."""
    from django import forms
    from django.apps import apps
    from django.db import models

    unlimited = []
    for form in _project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.CharField) and not field.max_length:
                unlimited.append(f"{form.__module__}.{form.__name__}.{name}")
    for model in list(apps.get_app_config("workflows").get_models()) + list(
        apps.get_app_config("roles").get_models()
    ):
        if model._meta.object_name.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField) and not any(
                getattr(v, "limit_value", None) for v in field.validators
            ):
                unlimited.append(f"{model._meta.label}.{field.name}")
    assert len(_project_forms()) > 20
    # the audit checkpoint's reason comes from the operator's command line
    assert unlimited == ["workflows.AuditCheckpoint.reason"] or unlimited == []
