from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from workflows.base.context import acting
from workflows.base.masking import mask_id_number
from workflows.models import Case, Member
from workflows.registry.collisions import collision_groups
from workflows.registry.idnumber import normalize
from workflows.registry.services import member_merge


class Command(BaseCommand):
    help = (
        "List registry members whose ID numbers are the same number once "
        "normalised (full-width or other-script digits, spaces), which block "
        "migration 'normalise_id_numbers'; merge one pair with --merge."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--merge",
            nargs=2,
            type=int,
            metavar=("KEEP_ID", "REMOVE_ID"),
            help="repoint everything of REMOVE_ID to KEEP_ID, then delete REMOVE_ID",
        )
        parser.add_argument("--reason", help="why (kept in the history)")
        parser.add_argument(
            "--by", help="username of the person merging (city administrator)"
        )

    def handle(self, *args, merge=None, reason=None, by=None, **options):
        if merge:
            self.merge(*merge, reason=reason, username=by)
            return
        groups = collision_groups(Member)
        if not groups:
            self.stdout.write("no collisions")
            return
        members = Member.objects.select_related(
            "household__region__parent__parent__parent"
        ).in_bulk([pk for pks in groups.values() for pk in pks])
        for number, pks in groups.items():
            self.stdout.write(f"{mask_id_number(number)}: {len(pks)} records")
            for pk in pks:
                self.stdout.write("  " + self.describe(members[pk]))
        self.stdout.write(
            f"{len(groups)} collision(s). Merge each group: --merge KEEP_ID "
            "REMOVE_ID --reason … --by USERNAME"
        )

    def describe(self, member):
        household = member.household
        cases = Case.objects.filter(household=household).order_by("pk")
        open_ids = set(cases.open().values_list("pk", flat=True))
        listed = ", ".join(
            f"{case.number} ({'open' if case.pk in open_ids else case.status.lower()})"
            for case in cases
        )
        stored = (
            "normal" if normalize(member.id_number) == member.id_number else "VARIANT"
        )
        return (
            f"member #{member.pk} {member.name} "
            f"[{mask_id_number(member.id_number)}, {stored}] "
            f"household #{household.pk} {household.region.full_name}; "
            f"cases: {listed or 'none'}"
        )

    def merge(self, keep_pk, remove_pk, *, reason, username):
        if not reason or not username:
            raise CommandError("--merge needs --reason and --by")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        found = Member.objects.in_bulk([keep_pk, remove_pk])
        missing = [pk for pk in (keep_pk, remove_pk) if pk not in found]
        if missing:
            raise CommandError(f"no member #{missing[0]}")
        try:
            with acting(job="id_number_collisions", user=user):
                result = member_merge(
                    keep=found[keep_pk], remove=found[remove_pk], by=user, reason=reason
                )
        except (ValidationError, PermissionDenied) as refused:
            text = "; ".join(getattr(refused, "messages", [str(refused)]))
            raise CommandError(f"refused: {text}") from None
        moved = ", ".join(f"{k}: {v}" for k, v in sorted(result.moved.items()))
        self.stdout.write(
            f"member #{remove_pk} merged into #{keep_pk} (moved: {moved or 'nothing'})"
        )
        if result.emptied_household is not None:
            self.stdout.write(
                f"household #{result.emptied_household.pk} has no member left"
            )
