from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.base.context import acting
from workflows.demo import load_calls, load_households, load_users


class Command(BaseCommand):
    help = "Load demo staff and households at every step of the 低保 flow (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # demo logins share one published password and second-factor key
            raise CommandError(
                "load_demo is for demonstrations and refuses to run with DEBUG "
                "off: its logins have a published password and second-factor key."
            )
        with acting(job="load_demo"):
            self._load(options)

    def _load(self, options):
        users = load_users()
        households = load_households()
        calls = load_calls()
        self.stdout.write(
            f"Demo data loaded ({users} users, {households} households, "
            f"{calls} hotline calls added)."
        )
