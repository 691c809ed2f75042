import signal
import time

from django.core.management.base import BaseCommand
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from workflows.audit.chain import seal
from workflows.base.context import acting
from workflows.core.sweeps import run_sweeps
from workflows.work.services import absences_apply


class Command(BaseCommand):
    help = (
        "Fire due workflow timers (public-notice ends) and start/end staff absences. "
        "Runs once, or with --every N in a loop (production: a service or cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="seconds between sweeps"
        )

    def handle(self, *args, every=0, **options):
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        while True:
            with acting(job="run_timers"):
                fired = fire_due_timers() + fire_due_conditions()
                moved = absences_apply()
                run_sweeps()
                seal()
            if fired or moved or not every:
                self.stdout.write(
                    f"{fired} timer(s) fired, {moved} task(s) moved for leave"
                )
            if not every or not running:
                return
            for _ in range(every):
                if not running:
                    return
                time.sleep(1)
