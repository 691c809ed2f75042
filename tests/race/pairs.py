"""The pairs of paths that change one task, raced by two processes.

Each ``Pair`` makes a fresh task and the two requests sent at once
(``prepare``), then judges the outcome (``judge``): who won, and what is
inconsistent. ``run_rounds`` drives a pair through ``Racers``; the tests
(test_processes.py) and the soak benchmark (bench/races.py) share them."""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

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
from .harness import INTERNALS, trail_anomalies


@dataclass
class Pair:
    name: str
    prepare: Callable  # (crew, round) -> (task, request_a, request_b)
    judge: Callable  # (crew, task, reply_a, reply_b) -> (winner, problems)


@dataclass
class Rounds:
    """What ``run_rounds`` saw."""

    pair: str
    rounds: int = 0
    wins: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)  # (round, problems, a, b)
    race_seconds: list = field(default_factory=list)  # the slower side, per round
    seconds: float = 0.0  # everything, making the cases included


def plain(reply):
    """Problems with what a user was shown (empty: fine)."""
    if reply.status >= 500:
        return [f"HTTP {reply.status}"]
    return [f"internals shown: {t!r}" for t in reply.texts if INTERNALS.search(t)]


def run_rounds(racers, crew, pair, rounds):
    """``rounds`` rounds of ``pair``: each on a fresh task, both requests
    released together, the outcome judged and the task's trail replayed."""
    result = Rounds(pair=pair.name)
    started = time.monotonic()
    for i in range(rounds):
        task, request_a, request_b = pair.prepare(crew, i)
        a, b = racers.round(request_a, request_b)
        result.rounds += 1
        result.race_seconds.append(max(a.seconds, b.seconds))
        if not (a.ok and b.ok):
            result.failures.append((i, [f"a racer raised: {a.error or b.error}"]))
            continue
        winner, problems = pair.judge(crew, task, a.value, b.value)
        problems += trail_anomalies(task) + plain(a.value) + plain(b.value)
        result.wins[winner] += 1
        if problems:
            result.failures.append((i, problems, a.value, b.value))
    result.seconds = time.monotonic() - started
    return result


# --- complete / unassign -----------------------------------------------------------


def _complete_unassign(crew, i):
    task = open_task(accepted_case(crew), DibaoFlow.home_visit)
    return task, complete_home_visit(crew, task), unassign(task)


def _judge_complete_unassign(crew, task, done, back):
    task.refresh_from_db()
    unassigned = Reassignment.objects.filter(task=task).exists()
    if task.status == STATUS.DONE:
        problems = ["completed and unassigned"] if unassigned else []
        if done.status != 302 or not back.says("办结"):
            problems.append("the completion won but the replies disagree")
        return "complete", problems
    problems = [] if unassigned else ["neither side won"]
    if task.owner_id is not None or done.status != 403:
        problems.append("the unassign won but the task is not in the queue")
    if not done.says("退回待领取"):
        problems.append("the caseworker was not told the task went back")
    return "unassign", problems


# --- complete / reassign -----------------------------------------------------------


def _complete_reassign(crew, i):
    task = open_task(accepted_case(crew), DibaoFlow.neighbour_visit)
    return task, complete_neighbour_visit(task), reassign(task, crew.caseworker2)


def _judge_complete_reassign(crew, task, done, moved):
    task.refresh_from_db()
    reassigned = Reassignment.objects.filter(task=task).exists()
    if task.status == STATUS.DONE:
        problems = ["completed and reassigned"] if reassigned else []
        if done.status != 302 or moved.status != 422 or not moved.says("办结"):
            problems.append("the completion won but the replies disagree")
        return "complete", problems
    problems = [] if reassigned else ["neither side won"]
    if task.owner_id != crew.caseworker2.pk or done.status != 403:
        problems.append("the reassignment won but the task is elsewhere")
    if not done.says("改派给"):
        problems.append("the caseworker was not told the task was moved")
    return "reassign", problems


# --- complete / complete (two tabs of one caseworker) -------------------------------


def _complete_complete(crew, i):
    task = open_task(accepted_case(crew), DibaoFlow.home_visit)
    return (
        task,
        complete_home_visit(crew, task),
        complete_home_visit(crew, task, desk="caseworker_tab2"),
    )


def _judge_complete_complete(crew, task, a, b):
    problems = []
    if sorted([a.status, b.status]) != [302, 403]:
        problems.append(f"not one success and one refusal: {a.status}, {b.status}")
    loser = a if a.status == 403 else b
    if not loser.says("办结"):
        problems.append("the second tab was not told the task is completed")
    if task.history.filter(status=STATUS.DONE).count() != 1:
        problems.append("completed more than once")
    return ("tab 1" if a.status == 302 else "tab 2"), problems


# --- assign / assign ----------------------------------------------------------------


def _assign_assign(crew, i):
    """Even rounds: two reviewers take the queued task at once. Odd rounds: a
    reviewer takes it while the supervisor assigns it to a colleague."""
    task = open_task(accepted_case(crew), DibaoFlow.cross_check)
    task.two_takers = i % 2 == 0
    if task.two_takers:
        return task, take(task, "reviewer"), take(task, "reviewer2")
    return task, take(task, "reviewer"), reassign(task, crew.reviewer2)


def _judge_assign_assign(crew, task, taken, other):
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
    # the supervisor's assignment lands once: first, or after the take (then
    # it moves the task from the reviewer, on the record)
    if task.owner_id != crew.reviewer2.pk or len(moves) != 1:
        problems.append("the supervisor's assignment did not land once")
    elif taken.status == 302 and moves[0].from_user_id != crew.reviewer.pk:
        problems.append("the take was overwritten")
    elif taken.status == 403 and not taken.says("分配给"):
        problems.append("the reviewer was not told who has the task")
    return ("take, then move" if taken.status == 302 else "assign"), problems


PAIRS = [
    Pair("complete/unassign", _complete_unassign, _judge_complete_unassign),
    Pair("complete/reassign", _complete_reassign, _judge_complete_reassign),
    Pair("complete/complete", _complete_complete, _judge_complete_complete),
    Pair("assign/assign", _assign_assign, _judge_assign_assign),
]
