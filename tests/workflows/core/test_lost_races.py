"""Whoever loses a race reads what happened, in Chinese: the task was
completed, taken, moved or sent back a moment earlier, or the case is busy.
Never viewflow's internals ("no transition from DONE"), never a 500.

The races themselves need PostgreSQL (tests/race); what the loser is told
does not, so these run one request after the other on either database."""

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from tests.factories import DISTRICT
from tests.race.cases import accepted_case, complete_home_visit
from tests.race.harness import assert_plain_words, summarise
from tests.workflows.dibao.desk import Desk, open_task, task_url
from workflows.core.locks import CaseBusy, hooked
from workflows.core.services import run_task
from workflows.dibao.flows import DibaoFlow

pytestmark = pytest.mark.django_db


def post(user, request, data=None):
    """``request``: a ``tests.race.harness.Request`` or a URL."""
    desk = Desk(user)
    if isinstance(request, str):
        return summarise(desk.post(request, data))
    return summarise(desk.post(request.url, request.data))


def home_visit(cast):
    return open_task(accepted_case(cast), DibaoFlow.home_visit)


def test_a_second_completion_is_told_who_completed_the_task_and_when(cast):
    task = home_visit(cast)
    assert post(cast.caseworker, complete_home_visit(cast, task)).status == 302
    again = post(cast.caseworker, complete_home_visit(cast, task))
    assert again.status == 403
    assert again.says(f"此任务已由 {cast.caseworker.get_full_name()} 于"), again
    assert again.says("办结")
    assert_plain_words(again)


def test_completing_a_task_the_supervisor_sent_back_says_so(cast):
    task = home_visit(cast)
    post(cast.town_supervisor, "/work/unassign/", {"task": [task.pk], "reason": "调整"})
    refused = post(cast.caseworker, complete_home_visit(cast, task))
    assert refused.status == 403
    name = cast.town_supervisor.get_full_name()
    assert refused.says(f"此任务已由 {name} 退回待领取"), refused
    assert_plain_words(refused)


def test_completing_a_task_moved_to_a_colleague_says_to_whom(cast):
    task = home_visit(cast)
    post(
        cast.town_supervisor,
        "/work/reassign/",
        {"task": [task.pk], "to_user": cast.caseworker2.pk, "reason": "调整"},
    )
    refused = post(cast.caseworker, complete_home_visit(cast, task))
    assert refused.status == 403
    assert refused.says(f"此任务刚被改派给 {cast.caseworker2.get_full_name()}"), refused
    assert_plain_words(refused)


def test_taking_a_task_someone_just_took_says_who(cast, staff):
    task = open_task(accepted_case(cast), DibaoFlow.cross_check)
    assert post(cast.reviewer, task_url(task, "assign")).status == 302
    refused = post(staff("district_reviewer", DISTRICT), task_url(task, "assign"))
    assert refused.status == 403
    assert refused.says(f"此任务已由 {cast.reviewer.get_full_name()} 领取"), refused
    assert_plain_words(refused)


def test_sending_back_a_completed_task_says_who_completed_it(cast):
    task = home_visit(cast)
    post(cast.caseworker, complete_home_visit(cast, task))
    refused = post(
        cast.town_supervisor, "/work/unassign/", {"task": [task.pk], "reason": "调整"}
    )
    assert refused.says(f"{cast.caseworker.get_full_name()} 于"), refused
    assert refused.says("办结")
    assert_plain_words(refused)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, cast.caseworker)


def test_cancelling_a_completed_task_says_it_was_completed(cast):
    task = home_visit(cast)
    post(cast.caseworker, complete_home_visit(cast, task))
    refused = post(cast.town_supervisor, task_url(task, "cancel"))
    assert refused.status == 403
    assert refused.says("办结"), refused
    assert_plain_words(refused)


def test_the_service_path_refuses_in_the_same_words(cast):
    task = home_visit(cast)
    post(cast.caseworker, complete_home_visit(cast, task))
    with pytest.raises(PermissionDenied) as refused:
        run_task(task=task, user=cast.caseworker, step=lambda activation: None)
    assert "办结" in str(refused.value)


def test_a_case_that_stays_locked_answers_409_in_words(cast):
    """The lock could not be had within CASE_LOCK_WAIT (injected here; the
    real contention is in tests/race): a 409 page that says so, nothing
    written."""
    task = home_visit(cast)

    def busy(name, pks):
        raise CaseBusy(pks)

    with hooked("case.locking", busy):
        page = post(cast.caseworker, complete_home_visit(cast, task))
        moved = post(
            cast.town_supervisor, "/work/unassign/", {"task": [task.pk], "reason": "调"}
        )
    assert page.status == 409
    assert page.says("案件正在由他人办理，请稍后重试"), page
    assert_plain_words(page)
    assert moved.says("案件正在由他人办理，请稍后重试"), moved
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, cast.caseworker)
