"""Supervisors moving work: reassignment, leave, grants, separation of duties."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from roles.models import Absence, CaseGrant, Reassignment
from tests.factories import TOWN, StaffFactory, member_row
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
from workflows.dibao.flows import DibaoFlow
from workflows.work.services import absences_apply

pytestmark = pytest.mark.django_db


def many_cases(cast, n):
    """n accepted cases of 龚庄村: each has an open home visit held by the
    caseworker who accepted it (case continuity)."""
    cases = []
    for i in range(n):
        case = submit(
            Desk(cast.caseworker), cast, members=[member_row(f"户主{i}")], incomes=[]
        )
        accept(cast, case)
        cases.append(case)
    return cases


def home_visits(cases):
    return [open_task(c, DibaoFlow.home_visit) for c in cases]


def reassign(desk, tasks, to_user, reason="调整分工"):
    query = "&".join(f"task={t.pk}" for t in tasks)
    page = desk.get(f"/work/reassign/?{query}")
    data = {"task": [t.pk for t in tasks], "reason": reason}
    if to_user is not None:
        data["to_user"] = to_user.pk
    return page, desk.post("/work/reassign/", data)


def test_town_steps_go_to_the_caseworker_who_accepted(cast):
    case = many_cases(cast, 1)[0]
    for node in (DibaoFlow.home_visit, DibaoFlow.neighbour_visit):
        task = open_task(case, node)
        assert (task.owner, task.status) == (cast.caseworker, STATUS.ASSIGNED)
    assert open_task(case, DibaoFlow.cross_check).owner is None  # district: queue


def test_reassign_one_task_with_a_reason(cast):
    case = many_cases(cast, 1)[0]
    task = open_task(case, DibaoFlow.home_visit)
    supervisor = Desk(cast.town_supervisor)
    page, response = reassign(supervisor, [task], cast.caseworker2, "陈静出差")
    offered = set(page.context["form"].fields["to_user"].queryset)
    assert cast.caseworker2 in offered
    assert cast.coordinator not in offered  # a coordinator does not do home visits
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == cast.caseworker2
    event = Reassignment.objects.get(task=task)
    assert (event.from_user, event.to_user, event.by, event.reason) == (
        cast.caseworker,
        cast.caseworker2,
        cast.town_supervisor,
        "陈静出差",
    )
    assert event.history.count() == 1  # the event itself is in the history
    inbox_old = Desk(cast.caseworker).get(DibaoFlow.instance.reverse("inbox"))
    inbox_new = Desk(cast.caseworker2).get(DibaoFlow.instance.reverse("inbox"))
    assert task not in inbox_old.context["object_list"]
    assert task in inbox_new.context["object_list"]


def test_bulk_reassign_of_fifty_tasks(cast):
    tasks = home_visits(many_cases(cast, 50))
    _, response = reassign(Desk(cast.town_supervisor), tasks, cast.caseworker2)
    assert response.status_code == 302
    assert {
        t.owner_id for t in type(tasks[0]).objects.filter(pk__in=[t.pk for t in tasks])
    } == {cast.caseworker2.pk}
    assert Reassignment.objects.filter(to_user=cast.caseworker2).count() == 50
    inbox = Desk(cast.caseworker2).get(DibaoFlow.instance.reverse("inbox") + "?page=2")
    assert inbox.status_code == 200


def test_reassign_to_an_ineligible_user_or_without_reason_changes_nothing(cast):
    tasks = home_visits(many_cases(cast, 2))
    supervisor = Desk(cast.town_supervisor)
    # a coordinator is not offered; posting one anyway is refused
    _, response = reassign(supervisor, tasks, cast.coordinator)
    assert response.status_code == 422
    # a caseworker of another town: not offered either
    _, response = reassign(supervisor, tasks, cast.other_town_caseworker)
    assert response.status_code == 422
    _, response = reassign(supervisor, tasks, cast.caseworker2, reason="")
    assert response.status_code == 422
    assert "理由" in response.content.decode()
    for task in tasks:
        task.refresh_from_db()
        assert task.owner == cast.caseworker
    assert not Reassignment.objects.exists()


def test_another_regions_task_in_a_bulk_form_is_not_found(cast, staff):
    mine = home_visits(many_cases(cast, 1))
    other_supervisor = staff("town_supervisor", "370402002")
    _, response = reassign(Desk(other_supervisor), mine, cast.other_town_caseworker)
    assert response.status_code == 404
    response = Desk(cast.town_supervisor).get("/work/reassign/?task=999999")
    assert response.status_code == 404
    response = Desk(cast.town_supervisor).get("/work/reassign/?task=abc")
    assert response.status_code == 404
    mine[0].refresh_from_db()
    assert mine[0].owner == cast.caseworker


def test_reassign_to_someone_who_just_lost_their_post_is_refused(cast):
    tasks = home_visits(many_cases(cast, 1))
    desk = Desk(cast.town_supervisor)
    page = desk.get(f"/work/reassign/?task={tasks[0].pk}")
    assert cast.caseworker2 in set(page.context["form"].fields["to_user"].queryset)
    cast.caseworker2.posts.update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = desk.post(
        "/work/reassign/",
        {"task": [tasks[0].pk], "to_user": cast.caseworker2.pk, "reason": "x"},
    )
    assert response.status_code == 422
    tasks[0].refresh_from_db()
    assert tasks[0].owner == cast.caseworker


def test_unassign_back_to_the_queue_needs_a_reason(cast):
    task = home_visits(many_cases(cast, 1))[0]
    desk = Desk(cast.town_supervisor)
    desk.post("/work/unassign/", {"task": [task.pk], "reason": ""})
    task.refresh_from_db()
    assert task.owner == cast.caseworker
    desk.post("/work/unassign/", {"task": [task.pk], "reason": "重新分配"})
    task.refresh_from_db()
    assert (task.owner, task.status) == (None, STATUS.NEW)
    assert task.pk in Desk(cast.caseworker2).queue_ids()


def test_leave_moves_open_and_new_tasks_and_returns_them(cast):
    before = home_visits(many_cases(cast, 2))
    today = timezone.localdate()
    response = Desk(cast.town_supervisor).post(
        "/work/absences/",
        {
            "user": cast.caseworker.pk,
            "substitute": cast.caseworker2.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=5)).isoformat(),
            "reason": "年休假",
        },
    )
    assert response.status_code == 302
    for task in before:  # open tasks moved at once
        task.refresh_from_db()
        assert task.owner == cast.caseworker2
    # a task created during the absence goes to the substitute
    case = before[0].process.coerced
    Desk(cast.caseworker2).complete(
        case,
        DibaoFlow.neighbour_visit,
        {"visited_on": today.isoformat(), "persons_interviewed": "x", "findings": "y"},
    )
    new_case = submit(
        Desk(cast.caseworker2), cast, members=[member_row("新户")], incomes=[]
    )
    # the accepting caseworker is the substitute here, so check an unaccepted path:
    assert new_case.pk
    # the absence ends: back to the caseworker
    Absence.objects.update(
        ends_on=today - datetime.timedelta(days=1),
        starts_on=today - datetime.timedelta(days=3),
    )
    absences_apply(today=today)
    for task in before[1:]:
        task.refresh_from_db()
        assert task.owner == cast.caseworker
    kinds = set(Reassignment.objects.values_list("kind", flat=True))
    assert {"absence_start", "absence_end"} <= kinds
    absence = Absence.objects.get()
    assert absence.started and absence.ended
    assert absence.history.count() >= 3  # created, started, ended — with reasons


def test_new_tasks_during_leave_go_to_the_substitute(cast):
    case = submit(Desk(cast.caseworker), cast, members=[member_row("甲")], incomes=[])
    accept(cast, case)
    investigate(cast, case)
    today = timezone.localdate()
    Absence.objects.create(
        user=cast.caseworker,
        substitute=cast.caseworker2,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        reason="病假",
        created_by=cast.town_supervisor,
    )
    absences_apply(today=today)
    task = open_task(case, DibaoFlow.calculate)  # open when the leave began: moved
    assert task.owner == cast.caseworker2
    Desk(cast.caseworker2).complete(case, DibaoFlow.calculate, _calc_data(case, cast))
    task = open_task(case, DibaoFlow.first_opinion)
    assert task.owner == cast.caseworker2
    event = Reassignment.objects.get(task=task)
    assert (event.kind, event.from_user, event.to_user) == (
        "substitute",
        cast.caseworker,
        cast.caseworker2,
    )


def _calc_data(case, cast):
    from tests.workflows.dibao.desk import formset_data

    desk = Desk(cast.caseworker2)
    _, page = desk.open(case, DibaoFlow.calculate)
    data = {"_confirm": "1"}
    for formset in page.context["formsets"].values():
        data.update(formset_data(formset))
    return data


def test_an_investigator_cannot_confirm_nor_be_made_to(cast, staff):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    # the district reviewer, who also holds a caseworker post in the town,
    # joins the home visit as second investigator
    StaffFactory.add_post(cast.reviewer, "town_caseworker", TOWN)
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.home_visit,
        {
            "visited_on": timezone.localdate().isoformat(),
            "method": "in_person",
            "investigator_1": cast.caseworker.pk,
            "investigator_2": cast.reviewer.pk,
            "family_present": "户主",
            "household_signed": "on",
            "living_conditions": "x",
            "findings": "y",
        },
    )
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.neighbour_visit,
        {
            "visited_on": timezone.localdate().isoformat(),
            "persons_interviewed": "x",
            "findings": "y",
        },
    )
    Desk(cast.checker).complete(
        case,
        DibaoFlow.cross_check,
        {
            "report_number": "1",
            "manual_reason": "书面报告",
            "checked_on": timezone.localdate().isoformat(),
            "result": "consistent",
            "findings": "x",
        },
    )
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    task = open_task(case, DibaoFlow.review)
    reviewer = Desk(cast.reviewer)
    assert task.pk not in reviewer.queue_ids()
    response = reviewer.post(task_url(task, "assign"))
    assert response.status_code == 403
    assert "参与了本案的调查核实" in response.content.decode()
    # another reviewer may; a district supervisor cannot hand it to the investigator
    other = staff("district_reviewer", "370402")
    assert task.pk in Desk(other).queue_ids()
    _, response = reassign(Desk(cast.district_supervisor), [task], cast.reviewer)
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.owner_id is None


def test_a_relative_cannot_handle_the_case(cast):
    case = submit(Desk(cast.caseworker2), cast)
    Desk(cast.caseworker2).complete(
        case,
        DibaoFlow.accept,
        {
            "complete": "yes",
            "separate_registration": "on",
            "separate_registration_reason": "申请人是陈静的舅舅",
            "related_staff": [cast.caseworker.pk],
        },
    )
    case.refresh_from_db()
    assert list(case.related_staff.all()) == [cast.caseworker]
    task = open_task(case, DibaoFlow.home_visit)
    assert task.owner == cast.caseworker2
    relative = Desk(cast.caseworker)
    assert task.pk not in relative.queue_ids()
    Desk(cast.town_supervisor).post(
        "/work/unassign/", {"task": [task.pk], "reason": "x"}
    )
    assert task.pk not in relative.queue_ids()
    response = relative.post(task_url(task, "assign"))
    assert response.status_code == 403
    assert "近亲属" in response.content.decode()  # the refusal says why
    page, response = reassign(Desk(cast.town_supervisor), [task], cast.caseworker)
    assert cast.caseworker not in set(page.context["form"].fields["to_user"].queryset)
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.owner_id is None


def test_a_grant_opens_one_case_until_revoked(cast, staff):
    first, second = many_cases(cast, 2)
    auditor = staff("auditor", "370405")  # another district
    supervisor = Desk(cast.district_supervisor)
    response = supervisor.post(
        "/work/grants/",
        {
            "case_number": first.number,
            "username": auditor.username,
            "perms": ["workflows.view_application"],
            "reason": "专项审计",
        },
    )
    assert response.status_code == 302
    desk = Desk(auditor)
    assert desk.get(f"/dibao/{first.pk}/").status_code == 200
    assert desk.get(f"/dibao/{second.pk}/").status_code == 404
    listing = desk.get(DibaoFlow.instance.reverse("process_list"))
    assert list(listing.context["object_list"]) == [first]
    grant = CaseGrant.objects.get()
    # a supervisor of another district cannot grant nor revoke here
    other = Desk(staff("district_supervisor", "370404"))
    assert (
        other.post(f"/work/grants/{grant.pk}/revoke/", {"reason": "x"}).status_code
        == 404
    )
    supervisor.post(f"/work/grants/{grant.pk}/revoke/", {"reason": ""})
    assert CaseGrant.objects.exists()
    supervisor.post(f"/work/grants/{grant.pk}/revoke/", {"reason": "审计结束"})
    assert not CaseGrant.objects.exists()
    assert desk.get(f"/dibao/{first.pk}/").status_code == 404
    history = CaseGrant.history.order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]
    assert history.last().history_change_reason == "审计结束"
    assert history.last().history_user == cast.district_supervisor


def test_expired_grants_give_nothing(cast, staff):
    case = many_cases(cast, 1)[0]
    auditor = staff("auditor", "370405")
    from django.contrib.auth.models import Permission

    CaseGrant.objects.create(
        user=auditor,
        permission=Permission.objects.get(codename="view_application"),
        content_object=case,
        reason="x",
        granted_by=cast.district_supervisor,
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert Desk(auditor).get(f"/dibao/{case.pk}/").status_code == 404


def test_a_grant_of_a_step_puts_the_task_in_the_colleagues_queue(cast, staff):
    case = many_cases(cast, 1)[0]
    task = open_task(case, DibaoFlow.home_visit)
    Desk(cast.town_supervisor).post(
        "/work/unassign/", {"task": [task.pk], "reason": "x"}
    )
    helper = staff("town_caseworker", "370402002")  # another town
    assert task.pk not in Desk(helper).queue_ids()
    Desk(cast.district_supervisor).post(
        "/work/grants/",
        {
            "case_number": case.number,
            "username": helper.username,
            "perms": [
                "workflows.view_application",
                "workflows.investigate_application",
            ],
            "reason": "跨镇协助",
        },
    )
    assert task.pk in Desk(helper).queue_ids()


def test_workload_counts_per_person(cast):
    many_cases(cast, 3)
    page = Desk(cast.town_supervisor).get("/work/")
    rows = {r["user"].pk: r for r in page.context["people"]}
    assert rows[cast.caseworker.pk]["open"] == 6  # home + neighbour visit × 3
    assert Desk(cast.caseworker).get("/work/").status_code == 403
