from django.core.management.base import BaseCommand

from workflows.audit.backfill import backfill


class Command(BaseCommand):
    help = (
        "Write a first history row for every tracked row that has none "
        "(rows written by SQL or by a data migration)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reason", required=True, help="why (kept with the rows)")

    def handle(self, *args, reason, **options):
        written = backfill(job="backfill_history", reason=reason)
        for label, count in sorted(written.items()):
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(f"{sum(written.values())} history rows written")
