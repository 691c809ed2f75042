from django.core.management.base import BaseCommand, CommandError

from workflows.audit.chain import seal, verify


class Command(BaseCommand):
    help = "Check the audit hash chain; report the first broken link (exit status 1)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal", action="store_true", help="do not seal pending records first"
        )

    def handle(self, *args, no_seal=False, **options):
        if not no_seal:
            seal()
        broken = verify()
        if broken is None:
            self.stdout.write("audit chain intact")
            return
        raise CommandError(
            f"audit chain broken at link #{broken.seq}: {broken.table} row "
            f"{broken.row_id} ({broken.problem})"
        )
