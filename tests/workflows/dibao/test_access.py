"""Every step is offered only to the right role in the right region."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import StaffFactory
from workflows.dibao.flows import DibaoFlow

from .desk import (
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
    task_url,
    through_notice,
)

pytestmark = pytest.mark.django_db

TASK_PAGES = ["index", "detail", "assign", "execute"]


def outsiders(cast):
    return [
        cast.other_town_caseworker,
        cast.other_village_coordinator,
        cast.other_district_reviewer,
    ]


def wrong_role_in_region(cast, node):
    """Someone covering the case's region whose role lacks this step."""
    return {
        "accept": cast.coordinator,
        "home_visit": cast.reviewer,
        "neighbour_visit": cast.coordinator,
        "cross_check": cast.caseworker,
        "calculate": cast.town_supervisor,
        "first_opinion": cast.reviewer,
        "review": cast.caseworker,
        "decide": cast.reviewer,
    }[node.name]


def assert_locked_out(cast, case, node):
    task = open_task(case, node)
    assert task is not None
    owner = task.owner_id
    for user in outsiders(cast):
        desk = Desk(user)
        assert task.pk not in desk.queue_ids()
        assert desk.get(case_url(case)).status_code == 404
        for page in TASK_PAGES:
            assert desk.get(task_url(task, page)).status_code == 404, (user, page)
            assert desk.post(task_url(task, page)).status_code == 404, (user, page)
    wrong = Desk(wrong_role_in_region(cast, node))
    assert task.pk not in wrong.queue_ids()
    assert wrong.post(task_url(task, "assign")).status_code == 403
    assert wrong.get(task_url(task, "execute")).status_code == 403
    task.refresh_from_db()
    assert task.owner_id == owner


def test_wrong_role_and_wrong_region_are_refused_at_every_step(cast):
    case = submit(Desk(cast.caseworker), cast)
    assert_locked_out(cast, case, DibaoFlow.accept)
    accept(cast, case)
    for node in (
        DibaoFlow.home_visit,
        DibaoFlow.neighbour_visit,
        DibaoFlow.cross_check,
    ):
        assert_locked_out(cast, case, node)
    investigate(cast, case)
    assert_locked_out(cast, case, DibaoFlow.calculate)
    calculate(cast, case)
    assert_locked_out(cast, case, DibaoFlow.first_opinion)
    propose(cast, case, "include")
    through_notice(case)
    assert_locked_out(cast, case, DibaoFlow.review)
    review(cast, case, "confirm")
    assert_locked_out(cast, case, DibaoFlow.decide)
    decide(cast, case, "approve")


def test_a_task_taken_by_one_caseworker_cannot_be_done_by_another(cast):
    case = submit(Desk(cast.caseworker), cast)
    task = Desk(cast.caseworker).take(case, DibaoFlow.accept)
    other = Desk(cast.caseworker2)
    assert other.get(task_url(task, "execute")).status_code == 403
    assert other.post(task_url(task, "execute"), {"complete": "yes"}).status_code == 403
    task.refresh_from_db()
    assert task.status == "ASSIGNED" and task.owner == cast.caseworker


def test_task_id_of_another_case_in_the_url_is_not_found(cast):
    """A visible case id paired with another case's task id answers 404, even
    when the user may see both cases."""
    first = submit(Desk(cast.caseworker), cast)
    second = submit(Desk(cast.caseworker), cast, members=[_member("周二")], incomes=[])
    task = open_task(second, DibaoFlow.accept)
    desk = Desk(cast.caseworker)
    mismatched = DibaoFlow.accept.reverse("assign", args=[first.pk, task.pk])
    assert desk.post(mismatched).status_code == 404
    missing = DibaoFlow.accept.reverse("assign", args=[second.pk + 999, task.pk])
    assert desk.post(missing).status_code == 404
    task.refresh_from_db()
    assert task.owner_id is None


def _member(name):
    from tests.factories import member_row

    return member_row(name)


def test_user_with_every_model_permission_but_no_post_sees_nothing(cast):
    case = submit(Desk(cast.caseworker), cast)
    task = open_task(case, DibaoFlow.accept)
    powerful = StaffFactory()
    powerful.user_permissions.set(Permission.objects.all())
    powerful.save()
    assert powerful.has_perm("workflows.accept_application")  # model-wide
    assert not powerful.has_perm("workflows.accept_application", case)
    assert not DibaoFlow.instance.has_view_permission(powerful, case)
    assert not DibaoFlow.accept.can_assign(powerful, task)
    desk = Desk(powerful)
    assert desk.queue_ids() == set()
    inbox = desk.get(DibaoFlow.instance.reverse("inbox"))
    assert list(inbox.context["object_list"]) == []
    cases = desk.get(DibaoFlow.instance.reverse("process_list"))
    assert list(cases.context["object_list"]) == []
    assert desk.get(case_url(case)).status_code == 404
    for page in TASK_PAGES:
        assert desk.post(task_url(task, page)).status_code == 404


def test_lists_show_only_cases_in_the_users_regions(cast):
    mine = submit(Desk(cast.caseworker), cast)
    town_list = Desk(cast.caseworker).get(DibaoFlow.instance.reverse("process_list"))
    assert mine in town_list.context["object_list"]
    for user in outsiders(cast):
        listing = Desk(user).get(DibaoFlow.instance.reverse("process_list"))
        assert mine not in listing.context["object_list"]
    district = Desk(cast.reviewer).get(DibaoFlow.instance.reverse("process_list"))
    assert mine in district.context["object_list"]


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(DibaoFlow.instance.reverse("inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
