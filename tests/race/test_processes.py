"""Two real processes, released together, round after round, for each pair
of paths that change one task: exactly one side wins (or the other's refusal
is consistent with it), the task's row matches its history, the loser reads
a sentence, and nothing answers 500.

``RACE_ROUNDS`` (default 20) sets the rounds per pair; ``bench/races.py``
runs hundreds."""

import os
from collections import Counter

import pytest
from viewflow.workflow.status import STATUS

from roles.models import Reassignment
from tests.workflows.dibao.desk import open_task
from workflows.dibao.flows import DibaoFlow

from .cases import (
    accepted_case,
    complete_home_visit,
    complete_neighbour_visit,
    reassign,
    take,
    unassign,
)
from .harness import INTERNALS, Racers, postgres_only, trail_anomalies

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

ROUNDS = int(os.environ.get("RACE_ROUNDS", "20"))


def plain(reply):
    """Problems with what a user was shown (empty: fine)."""
    if reply.status >= 500:
        return [f"HTTP {reply.status}"]
    return [f"internals shown: {t!r}" for t in reply.texts if INTERNALS.search(t)]


def race(crew, rounds, prepare, judge):
    """``rounds`` rounds: ``prepare()`` → (task, request_a, request_b), both
    sent at once, then ``judge(task, reply_a, reply_b)`` → (winner, problems).
    Fails listing every inconsistent round; returns the wins per side."""
    wins, failures = Counter(), []
    with Racers(crew.clients) as racers:
        for i in range(rounds):
            task, request_a, request_b = prepare()
            a, b = racers.round(request_a, request_b)
            if not (a.ok and b.ok):
                failures.append((i, f"a racer raised: {a.error or b.error}"))
                continue
            winner, problems = judge(task, a.value, b.value)
            problems += trail_anomalies(task) + plain(a.value) + plain(b.value)
            wins[winner] += 1
            if problems:
                failures.append((i, problems, a.value, b.value))
    print(f"{rounds} rounds, wins {dict(wins)}, inconsistent {len(failures)}")
    assert failures == [], f"{len(failures)} of {rounds} rounds inconsistent"
    return wins


def test_complete_and_unassign(crew):
    def prepare():
        task = open_task(accepted_case(crew), DibaoFlow.home_visit)
        return task, complete_home_visit(crew, task), unassign(task)

    def judge(task, done, back):
        task.refresh_from_db()
        unassigned = Reassignment.objects.filter(task=task).exists()
        if task.status == STATUS.DONE:
            problems = [] if not unassigned else ["completed and unassigned"]
            if done.status != 302 or not back.says("办结"):
                problems.append("the completion won but the replies disagree")
            return "complete", problems
        problems = [] if unassigned else ["neither side won"]
        if task.owner_id is not None or done.status != 403:
            problems.append("the unassign won but the task is not in the queue")
        if not done.says("退回待领取"):
            problems.append("the caseworker was not told the task went back")
        return "unassign", problems

    wins = race(crew, ROUNDS, prepare, judge)
    assert sum(wins.values()) == ROUNDS


def test_complete_and_reassign(crew):
    def prepare():
        task = open_task(accepted_case(crew), DibaoFlow.neighbour_visit)
        return task, complete_neighbour_visit(task), reassign(task, crew.caseworker2)

    def judge(task, done, moved):
        task.refresh_from_db()
        reassigned = Reassignment.objects.filter(task=task).exists()
        if task.status == STATUS.DONE:
            problems = [] if not reassigned else ["completed and reassigned"]
            if done.status != 302 or moved.status != 422 or not moved.says("办结"):
                problems.append("the completion won but the replies disagree")
            return "complete", problems
        problems = [] if reassigned else ["neither side won"]
        if task.owner_id != crew.caseworker2.pk or done.status != 403:
            problems.append("the reassignment won but the task is elsewhere")
        if not done.says("改派给"):
            problems.append("the caseworker was not told the task was moved")
        return "reassign", problems

    wins = race(crew, ROUNDS, prepare, judge)
    assert sum(wins.values()) == ROUNDS


def test_complete_and_complete(crew):
    """Two tabs of the same caseworker submit the same step."""

    def prepare():
        task = open_task(accepted_case(crew), DibaoFlow.home_visit)
        return (
            task,
            complete_home_visit(crew, task),
            complete_home_visit(crew, task, desk="caseworker_tab2"),
        )

    def judge(task, a, b):
        statuses = sorted([a.status, b.status])
        problems = []
        if statuses != [302, 403]:
            problems.append(f"not one success and one refusal: {statuses}")
        loser = a if a.status == 403 else b
        if not loser.says("办结"):
            problems.append("the second tab was not told the task is completed")
        if task.history.filter(status=STATUS.DONE).count() != 1:
            problems.append("completed more than once")
        return ("a" if a.status == 302 else "b"), problems

    wins = race(crew, ROUNDS, prepare, judge)
    assert sum(wins.values()) == ROUNDS


def test_assign_and_assign(crew):
    """A queued task: rounds alternate between two reviewers taking it at
    once, and a reviewer taking it while the supervisor assigns it to a
    colleague (the supervisor then moves it on the record, or it was first)."""

    rounds = iter(range(ROUNDS))

    def prepare():
        task = open_task(accepted_case(crew), DibaoFlow.cross_check)
        task.two_takers = next(rounds) % 2 == 0
        if task.two_takers:
            return task, take(task, "reviewer"), take(task, "reviewer2")
        return task, take(task, "reviewer"), reassign(task, crew.reviewer2)

    def judge(task, taken, other):
        two_takers = task.two_takers
        task.refresh_from_db()
        problems = [] if task.status == STATUS.ASSIGNED else [f"task {task.status}"]
        moves = list(Reassignment.objects.filter(task=task))
        if two_takers:
            if sorted([taken.status, other.status]) != [302, 403] or moves:
                problems.append("not one taker and one refusal")
            loser = taken if taken.status == 403 else other
            if not loser.says("领取"):
                problems.append("the second reviewer was not told who took it")
            return ("reviewer" if taken.status == 302 else "reviewer2"), problems
        # the supervisor assigned it to reviewer2, before or after the take
        if task.owner_id != crew.reviewer2.pk or len(moves) != 1:
            problems.append("the supervisor's assignment did not land once")
        elif taken.status == 302 and moves[0].from_user_id != crew.reviewer.pk:
            problems.append("the take was overwritten")
        elif taken.status == 403 and not taken.says("分配给"):
            problems.append("the reviewer was not told who has the task")
        return ("take, then move" if taken.status == 302 else "assign"), problems

    wins = race(crew, ROUNDS, prepare, judge)
    assert sum(wins.values()) == ROUNDS
