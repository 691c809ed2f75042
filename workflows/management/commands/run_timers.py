import signal
import time

from django.core.management.base import BaseCommand

from workflows.jobs.dispatcher import dispatch


class Command(BaseCommand):
    help = (
        "Run the timer dispatcher (workflows.jobs.dispatcher): fire due workflow "
        "timers, start/end staff absences, sweeps, lost jobs, the audit seal. Runs "
        "once, or with --every N in a loop (make run). Production: Celery beat."
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
            done = dispatch()
            if done.skipped:
                self.stdout.write("another dispatcher is running; skipped")
            elif done.fired or done.moved or done.requeued or not every:
                self.stdout.write(
                    f"{done.fired} timer(s) fired, {done.moved} task(s) moved for "
                    f"leave, {done.requeued} job(s) queued again"
                )
            if not every or not running:
                return
            for _ in range(every):
                if not running:
                    return
                time.sleep(1)
