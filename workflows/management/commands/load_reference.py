from django.core.management.base import BaseCommand

from roles.reference import load_regions, load_roles
from workflows.base.context import acting
from workflows.clock.seed import seed_calendar_from_package
from workflows.reference import (
    load_income_types,
    load_member_units,
    load_parameters,
)


class Command(BaseCommand):
    help = "Load reference data: regions, roles, income types, parameters, calendar."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-role-permissions",
            action="store_true",
            help="Re-seed every role's permissions from roles/matrix.py.",
        )

    def handle(self, *args, **options):
        with acting(job="load_reference"):
            self._load(options)

    def _load(self, options):
        counts = {
            "regions": load_regions(),
            "roles": load_roles(reset_permissions=options["reset_role_permissions"]),
            "income types": load_income_types(),
            "parameters": load_parameters(),
            "member units": load_member_units(),
            "calendar days": seed_calendar_from_package(),
        }
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(f"Reference data loaded ({summary} added).")
