from django.core.management.base import BaseCommand

from workflows.audit import headlog
from workflows.audit.chain import head, seal
from workflows.base.context import acting


class Command(BaseCommand):
    help = (
        "Seal newly recorded audit rows into the hash chain and append the head "
        "to the head log (the timer dispatcher does this on every sweep)."
    )

    def handle(self, *args, **options):
        with acting(job="seal_audit"):
            count = seal()
        self.stdout.write(f"{count} record(s) sealed")
        if count:
            seq, chain_hash = head()
            self.stdout.write(f"head: {seq}:{chain_hash} (logged in {headlog.path()})")
