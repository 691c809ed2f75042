"""The timer dispatcher: everything that happens because time passed.

Fires due viewflow timers and conditions (public notices end), starts and
ends staff leave, runs the sweeps (reminders, lateness, the calendar check),
queues lost jobs again and seals the audit chain. Celery beat calls it every
``TIMERS_EVERY`` seconds (``workflows.jobs.tasks.dispatch_timers``);
``make run`` calls it from ``manage.py run_timers --every 30``.

Only one dispatch runs at a time across every process and host
(``exclusive``): a second beat, an overlapping run or a cron job finds the
lock held and does nothing. Each part is idempotent on its own too (timers
fire under their case's lock, leave under its row's lock), so the lock saves
work and keeps the seal's order, it is not the only guard.
"""

from dataclasses import dataclass

from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from ..audit.chain import seal
from ..base.context import acting
from ..core.sweeps import run_sweeps
from ..work.services import absences_apply
from .exclusive import exclusive
from .runner import requeue_stale


@dataclass(frozen=True)
class Dispatched:
    fired: int = 0  # timers and conditions
    moved: int = 0  # tasks moved for leave
    requeued: int = 0  # lost jobs queued again
    skipped: bool = False  # another dispatcher held the lock


def dispatch() -> Dispatched:
    with exclusive("timer-dispatcher") as held:
        if not held:
            return Dispatched(skipped=True)
        with acting(job="run_timers"):
            fired = fire_due_timers() + fire_due_conditions()
            moved = absences_apply()
            run_sweeps()
            requeued = requeue_stale()
            seal()
    return Dispatched(fired=fired, moved=moved, requeued=requeued)
