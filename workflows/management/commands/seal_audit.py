from django.core.management.base import BaseCommand

from workflows.audit.chain import seal
from workflows.audit.context import acting


class Command(BaseCommand):
    help = "Seal new audit records into the hash chain (the dispatcher does too)."

    def handle(self, *args, **options):
        with acting(job="seal_audit"):
            count = seal()
        self.stdout.write(f"{count} record(s) sealed")
