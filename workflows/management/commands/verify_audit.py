from django.core.management.base import BaseCommand, CommandError

from workflows.audit import headlog
from workflows.audit.chain import seal
from workflows.audit.verify import verify
from workflows.base.context import acting

SHOWN = 200


class Command(BaseCommand):
    help = (
        "Check the audit records: the hash chain and every recorded row hash, "
        "the heads in the head log (and --expect), and that each live row equals "
        "its latest history row. Lists every finding (exit status 1)."
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
            help="a head kept earlier: link N must still end in HASH",
        )
        parser.add_argument(
            "--head-log",
            metavar="PATH",
            help="the head log to check against (default: the AUDIT_HEAD_LOG "
            "setting); use the copy kept off the database host",
        )
        parser.add_argument(
            "--no-live",
            action="store_true",
            help="skip the comparison of live rows with their history",
        )

    def handle(self, *args, no_seal=False, expect=(), head_log=None, **options):
        try:
            expected = [headlog.parse_expected(text) for text in expect]
        except ValueError as bad:
            raise CommandError(
                f"--expect {bad}: use N:HASH as printed by 'head:'"
            ) from None
        if not no_seal:
            with acting(job="verify_audit"):
                seal()
        report = verify(head_log=head_log, expect=expected, live=not options["no_live"])
        for note in report.notes:
            self.stdout.write(note)
        findings = report.findings()
        for line in findings[:SHOWN]:
            self.stdout.write(line)
        if len(findings) > SHOWN:
            self.stdout.write(f"… and {len(findings) - SHOWN} more")
        if findings:
            raise CommandError(
                f"audit records do not verify: {len(findings)} finding(s); "
                f"first: {findings[0]}"
            )
        self.stdout.write("audit records intact")
        if report.head is not None:
            # kept outside the database (the head log is): a chain rewritten
            # from some point on no longer ends in it
            seq, chain_hash = report.head
            self.stdout.write(f"head: {seq}:{chain_hash}")
