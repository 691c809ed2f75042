"""A hotline call reaches the right town, comes back answered, and is
overdue in plain sight when it does not."""

import datetime

import pytest
from django.utils import timezone

from roles.models import Region
from workflows.clock.models import TimeLimit
from workflows.clock.services import add_working_days
from workflows.hotline.flows import HotlineFlow
from workflows.hotline.models import Call

from ..dibao.desk import Desk, task_url
from ..escalation.story import (
    OTHER_VILLAGE,
    answer,
    dispatch,
    open_task,
    register_call,
    verify,
    work,
)

pytestmark = pytest.mark.django_db


def test_a_call_answered_without_further_cases(people):
    p = people
    call = register_call(p, urgency="normal", topic="temporary")
    assert call.region.code == "370405001001" and call.stage == Call.Stage.DISPATCH
    # the operator corrects the address to the neighbouring community: same street
    dispatch(p, call, village=OTHER_VILLAGE)
    call.refresh_from_db()
    assert call.region.code == OTHER_VILLAGE and call.town.code == "370405001"
    assert call.stage == Call.Stage.VERIFICATION
    # the street's caseworkers get it in their queue
    task = open_task(call, HotlineFlow.verify)
    queue = Desk(p.caseworker2).get(HotlineFlow.instance.reverse("queue"))
    assert task.pk in [t.pk for t in queue.context["object_list"]]
    verify(p, call)
    answer(p, call)
    call.refresh_from_db()
    assert call.stage == Call.Stage.CLOSED and call.finished
    assert call.outcome == Call.Outcome.ANSWERED
    page = Desk(p.operator).get(
        HotlineFlow.instance.reverse("process_detail", args=[call.pk])
    )
    assert "已答复" in page.content.decode()


def test_a_caseworker_of_another_town_does_not_see_the_call(people, staff):
    p = people
    call = register_call(p)
    dispatch(p, call)
    outsider = staff("town_caseworker", "370405102")  # 马兰屯镇
    desk = Desk(outsider)
    queue = desk.get(HotlineFlow.instance.reverse("queue"))
    assert list(queue.context["object_list"]) == []
    url = HotlineFlow.instance.reverse("process_detail", args=[call.pk])
    assert desk.get(url).status_code == 404
    task = open_task(call, HotlineFlow.verify)
    assert desk.post(task_url(task, "assign")).status_code == 404


def test_deadlines_are_parameters_and_overdue_calls_show_for_the_supervisor(people):
    p = people
    call = register_call(p)
    task = open_task(call, HotlineFlow.dispatch)
    received = timezone.localtime(call.received_at).date()
    assert task.deadline.due_on == add_working_days(received, 1)
    assert task.deadline.limit.code == "hotline_dispatch"
    # a district changes the parameter (dated): new calls follow it
    limit = TimeLimit.objects.get(code="hotline_dispatch")
    limit.valid_to = received - datetime.timedelta(days=1)
    limit._change_reason = "调整热线转办时限"
    limit.valid_from = received - datetime.timedelta(days=400)
    limit.save()
    new = TimeLimit(
        code="hotline_dispatch",
        amount=2,
        unit="working_days",
        article="区（市）热线办理规定",
        valid_from=received,
    )
    new._change_reason = "调整热线转办时限"
    new.save()
    second = register_call(p, subject_name="第二位当事人")
    due = open_task(second, HotlineFlow.dispatch).deadline.due_on
    assert due == add_working_days(received, 2)
    # the first call's dispatch is overdue: the supervisor sees it
    task.deadline.due_on = received - datetime.timedelta(days=3)
    task.deadline.save()
    workload = Desk(p.district_supervisor).get("/work/")
    assert workload.context["queue"]["overdue"] >= 1
    calls = Desk(p.operator).get(HotlineFlow.instance.reverse("queue"))
    assert "已逾期" in calls.content.decode()


def test_bad_input_is_refused_with_a_reason(people, staff):
    p = people
    desk = Desk(p.operator)
    url = HotlineFlow.register.reverse("execute")
    elsewhere = Region.objects.get(code="370402106201")  # 龚庄村, 市中区
    response = desk.post(
        url,
        {
            "line": "12349",
            "caller_name": "某人",
            "caller_phone": "1",
            "subject_name": "某人",
            "address": "x",
            "region": elsewhere.pk,
            "topic": "dibao",
            "request": "x",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not Call.objects.exists()
    call = register_call(p)
    dispatch(p, call)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = work(
        p.caseworker,
        call,
        HotlineFlow.verify,
        {
            "visited_on": tomorrow,
            "investigator_1": p.caseworker.pk,
            "investigator_2": p.caseworker.pk,
            "findings": "x",
            "verdict": "true",
        },
        expect=200,
    )
    errors = response.context["form"].errors
    assert "visited_on" in errors
    response = work(
        p.caseworker,
        call,
        HotlineFlow.verify,
        {
            "visited_on": timezone.localdate().isoformat(),
            "investigator_1": p.caseworker.pk,
            "investigator_2": p.caseworker.pk,
            "findings": "x",
            "verdict": "true",
        },
        expect=200,
    )
    assert "两名不同" in str(response.context["form"].errors)
    call.refresh_from_db()
    assert call.stage == Call.Stage.VERIFICATION and not call.verdict


def test_only_staff_whose_post_is_in_force_are_offered_as_investigators(people):
    p = people
    call = register_call(p)
    dispatch(p, call)
    ended = p.caseworker2.posts.get()
    ended.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    ended._change_reason = "调离"
    ended.save()
    task = open_task(call, HotlineFlow.verify)
    desk = Desk(p.caseworker)
    desk.post(task_url(task, "assign"))
    form = desk.get(task_url(task, "execute")).context["form"]
    offered = set(form.fields["investigator_2"].queryset)
    assert p.caseworker in offered and p.caseworker2 not in offered
