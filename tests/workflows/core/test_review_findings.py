"""Findings of the adversarial review of the security fixes, each closed:
viewflow's per-task pages, the cross-check recorder confirming, a stale
extension, a crafted formset, a revoked grant's task, and a view grant
opening the audit search."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from viewflow.workflow.status import STATUS

from roles.models import CaseGrant, Reassignment
from tests.workflows.dibao.desk import (
    Desk,
    accept,
    calculate,
    investigate,
    open_task,
    propose,
    submit,
    task_url,
    through_notice,
)
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application
from workflows.work.services import grant_create, grant_revoke

pytestmark = pytest.mark.django_db


def at_review(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    return Application.objects.get(pk=case.pk)


def test_nobody_cancels_undoes_revives_or_takes_away_one_step(cast):
    """viewflow's per-task cancel, undo and revive pages skipped statutory
    steps (a case approved with no home visit); its unassign page moved a
    colleague's task without a reason. All refused; the owner may still give
    their own task back."""
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    home = open_task(case, DibaoFlow.home_visit)
    check = open_task(case, DibaoFlow.cross_check)
    for user in (cast.town_supervisor, cast.district_supervisor):
        desk = Desk(user)
        for task in (home, check):
            for action in ("cancel", "undo", "revive"):
                url = task.flow_task.reverse(action, args=[case.pk, task.pk])
                assert desk.post(url).status_code == 403, (user, action)
        assert desk.post(task_url(home, "unassign")).status_code == 403
    home.refresh_from_db()
    check.refresh_from_db()
    assert home.status == STATUS.ASSIGNED and home.owner == cast.caseworker
    assert check.status == STATUS.NEW
    # the holder gives it back
    assert Desk(cast.caseworker).post(task_url(home, "unassign")).status_code == 302


def test_whoever_recorded_the_cross_check_does_not_confirm(cast):
    case = at_review(cast)
    task = open_task(case, DibaoFlow.review)
    checker = Desk(cast.checker)
    assert task.pk not in checker.queue_ids()
    response = checker.post(task_url(task, "assign"))
    assert response.status_code == 403
    assert "调查核实" in response.content.decode()
    assert task.pk in Desk(cast.reviewer).queue_ids()


def test_an_extension_made_on_a_stale_page_keeps_what_happened_meanwhile(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    stale = Application.objects.get(pk=case.pk)  # read while in notice
    through_notice(case)  # meanwhile the notice ends; review is open
    services.deadline_extend(
        application=stale, user=cast.district_supervisor, reason="调查困难"
    )
    case = Application.objects.get(pk=case.pk)
    assert case.limit_code == "overall_extended"
    assert case.stage == Application.Stage.REVIEW


def test_a_crafted_extra_member_on_the_calculation_is_ignored_not_a_500(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    desk = Desk(cast.caseworker)
    task, page = desk.open(case, DibaoFlow.calculate)
    from tests.workflows.dibao.desk import formset_data

    data = {"_confirm": "1"}
    for formset in page.context["formsets"].values():
        data.update(formset_data(formset))
    members = int(data["members-TOTAL_FORMS"])
    data["members-TOTAL_FORMS"] = str(members + 1)
    data[f"members-{members}-employment"] = "unable"
    count = case.household.members.count()
    desk.client.raise_request_exception = False
    response = desk.post(task_url(task, "execute"), data)
    assert response.status_code in (200, 302, 422)  # never a 500
    assert case.household.members.count() == count  # and nobody added


def test_a_revoked_grant_gives_back_the_task_its_holder_took(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    Desk(cast.town_supervisor).post(
        "/work/unassign/", {"task": [task.pk], "reason": "调整"}
    )
    helper = cast.other_town_caseworker
    grants = grant_create(
        case=case,
        user=helper,
        perms=["workflows.view_application", "workflows.investigate_application"],
        by=cast.district_supervisor,
        reason="跨镇协助",
    )
    assert Desk(helper).post(task_url(task, "assign")).status_code == 302
    for grant in grants:
        grant_revoke(grant=grant, by=cast.district_supervisor, reason="协助结束")
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)
    move = Reassignment.objects.filter(task=task).latest("at")
    assert move.kind == Reassignment.Kind.UNASSIGN and "协助结束" in move.reason


def test_a_view_grant_does_not_open_the_audit_trail(cast, staff):
    case = submit(Desk(cast.caseworker), cast)
    auditor = staff("auditor", "370404")
    CaseGrant.objects.create(
        user=auditor,
        permission=Permission.objects.get(codename="view_application"),
        content_object=case,
        reason="查阅",
        granted_by=cast.district_supervisor,
    )
    desk = Desk(auditor)
    assert desk.get(f"/dibao/{case.pk}/").status_code == 200
    assert desk.get(f"/audit/cases/{case.pk}/").status_code == 403
    page = desk.get("/audit/", {"actor": cast.caseworker.username})
    assert case.number not in page.content.decode()
    export = desk.get("/audit/export/csv/", {"actor": cast.caseworker.username})
    assert case.number not in export.content.decode("utf-8-sig")
    with pytest.raises(ValidationError):  # and a view grant is not an audit grant
        grant_create(
            case=case,
            user=auditor,
            perms=["workflows.audit_case"],
            by=cast.town_supervisor,
            reason="x",
        )
