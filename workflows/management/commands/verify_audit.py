from django.core.management.base import BaseCommand, CommandError

from workflows.audit.chain import seal, verify
from workflows.audit.models import AuditCheckpoint, AuditSeal


class Command(BaseCommand):
    help = (
        "Check the audit hash chain; report the first broken link (exit status 1). "
        "Prints the head to keep outside the database; --expect checks a head "
        "recorded earlier."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal", action="store_true", help="do not seal pending records first"
        )
        parser.add_argument(
            "--expect",
            metavar="N:HASH",
            action="append",
            default=[],
            help="a head printed earlier: link N must still end in HASH",
        )

    def handle(self, *args, no_seal=False, expect=(), **options):
        if not no_seal:
            seal()
        broken = verify()
        if broken is not None:
            raise CommandError(
                f"audit chain broken at link #{broken.seq}: {broken.table} row "
                f"{broken.row_id} ({broken.problem})"
            )
        for anchor in expect:
            self._check_anchor(anchor)
        self.stdout.write("audit chain intact")
        head = AuditSeal.objects.order_by("-seq").first()
        if head is not None:
            # record this outside the database: a chain rewritten from some
            # point on by someone with database access no longer matches it
            self.stdout.write(f"head: {head.seq}:{head.chain_hash}")

    def _check_anchor(self, anchor):
        seq, _, expected = anchor.partition(":")
        if not (seq.isascii() and seq.isdigit()) or len(expected) != 64:
            raise CommandError(f"--expect {anchor}: use N:HASH as printed by 'head:'")
        seq = int(seq)
        link = AuditSeal.objects.filter(seq=seq).first()
        if link is None:
            checkpoint = AuditCheckpoint.objects.filter(last_seq__gte=seq).first()
            if checkpoint is not None:
                self.stdout.write(f"link #{seq} was removed by retention; not checked")
                return
            raise CommandError(f"link #{seq} does not exist: the chain was cut")
        if link.chain_hash != expected:
            raise CommandError(
                f"link #{seq} ends in {link.chain_hash}, not the recorded {expected}: "
                "the chain was rewritten"
            )
