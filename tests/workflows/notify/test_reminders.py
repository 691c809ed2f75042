"""Reminders before a deadline: once per person and deadline, again when the
deadline moves."""

import datetime

import pytest

from workflows.clock.models import TimeLimit
from workflows.clock.services import time_limit
from workflows.notify.models import Notification
from workflows.notify.sweeps import remind

from .story import accepted_case, day, set_due, tasks

pytestmark = pytest.mark.django_db
FRIDAY = datetime.date(2026, 12, 11)


def reminders_of(task):
    return Notification.objects.filter(task=task, kind=Notification.Kind.REMINDER)


def test_the_bureaus_rules_are_reference_data():
    """load_reference brings both parameters (sample values, marked so)."""
    remind_before = time_limit(TimeLimit.Code.REMIND_BEFORE, FRIDAY)
    climb = time_limit(TimeLimit.Code.LATE_TO_NEXT_LEVEL, FRIDAY)
    assert (remind_before.amount, remind_before.unit) == (2, "working_days")
    assert (climb.amount, climb.unit) == (3, "working_days")
    assert climb.is_sample and "本局工作规则" in climb.article


def test_a_reminder_two_working_days_before_and_never_twice(cast):
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, FRIDAY)
    assert remind(now=day(8)) == 0  # Tuesday: three working days left
    assert remind(now=day(9)) == 1  # Wednesday: two
    assert remind(now=day(9, 15)) == 0
    assert remind(now=day(10)) == 0
    (reminder,) = reminders_of(home)
    assert reminder.recipient == cast.caseworker
    assert reminder.case_id == case.pk
    assert "2026-12-11" in reminder.text and "入户调查" in reminder.text
    assert reminder.history.count() == 1


def test_a_deadline_moved_later_reminds_again(cast):
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, FRIDAY)
    remind(now=day(9))
    set_due(home, datetime.date(2026, 12, 18))  # extended by a week
    assert remind(now=day(10)) == 0
    assert remind(now=day(16)) == 1
    assert remind(now=day(17)) == 0
    assert sorted(n.params["due_on"] for n in reminders_of(home)) == [
        "2026-12-11",
        "2026-12-18",
    ]


def test_no_reminder_for_a_task_already_overdue_or_done(cast):
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, datetime.date(2026, 12, 7))
    assert remind(now=day(8)) == 0
    set_due(home, FRIDAY)
    home.status = "DONE"
    home.save(update_fields=["status"])
    assert remind(now=day(10)) == 0


def test_a_queued_task_reminds_everyone_who_could_take_it(cast):
    """The district's cross-check waits in the queue: the district reviewers
    who may take it are reminded, once; nobody else."""
    case = accepted_case(cast)
    _, cross_check = tasks(case)
    assert cross_check.owner is None
    set_due(cross_check, FRIDAY)
    assert remind(now=day(9)) == 2
    assert remind(now=day(10)) == 0
    told = set(reminders_of(cross_check).values_list("recipient", flat=True))
    assert told == {cast.reviewer.pk, cast.checker.pk}


def test_a_deadline_in_hours_is_reminded_when_a_quarter_is_left(cast):
    """24 hours: six hours before the moment, not seven."""
    case = accepted_case(cast)
    home, _ = tasks(case)
    start = day(9, 9, 30)
    due = start + datetime.timedelta(hours=24)
    set_due(home, due.date(), due)
    home.deadline.refresh_from_db()
    home.deadline.starts_at = start
    home.deadline.save(update_fields=["starts_at"])
    assert remind(now=due - datetime.timedelta(hours=7)) == 0
    assert remind(now=due - datetime.timedelta(hours=6)) == 1
    (reminder,) = reminders_of(home)
    assert "2026-12-10 09:30" in reminder.text
