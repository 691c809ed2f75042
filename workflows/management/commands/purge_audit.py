import datetime

from django.core.management.base import BaseCommand, CommandError

from workflows.audit.retention import RetentionRefused, purge
from workflows.base.context import acting


class Command(BaseCommand):
    help = (
        "Remove audit records (history rows, access log) older than --before. "
        "Refuses anything younger than 180 days (网络安全法 Art 21)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, before, reason, **options):
        try:
            day = datetime.date.fromisoformat(before)
        except ValueError:
            raise CommandError("--before must be a date, YYYY-MM-DD") from None
        try:
            with acting(job="purge_audit"):
                removed = purge(before=day, reason=reason)
        except RetentionRefused as refused:
            raise CommandError(f"refused: {refused}") from None
        self.stdout.write(f"{removed} record(s) removed before {day}")
