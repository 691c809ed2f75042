from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.demo import fast_forward_notice
from workflows.dibao.models import Application


class Command(BaseCommand):
    help = (
        "Demo only (DEBUG): let a case's 7-day public notice run out now, so a "
        "walkthrough need not wait a week. Usage: end_notice DB2026-000011"
    )

    def add_arguments(self, parser):
        parser.add_argument("case_number")

    def handle(self, *args, case_number, **options):
        if not settings.DEBUG:
            raise CommandError(
                "end_notice is for demonstrations and refuses to run with DEBUG off."
            )
        try:
            pk = int(case_number.rsplit("-", 1)[-1])
            case = Application.objects.get(pk=pk)
        except (ValueError, Application.DoesNotExist):
            raise CommandError(f"No case {case_number}.") from None
        if not case.notices.filter(ended=False).exists():
            raise CommandError(f"{case.number} is not in public notice.")
        fast_forward_notice(case)
        self.stdout.write(
            f"{case.number}: notice ended, now at “{case.get_stage_display()}”."
        )
