import json

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from workflows.audit import headlog
from workflows.demo import DEMO


class Command(BaseCommand):
    help = "Migrate, load reference and demo data, print the demo logins (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args, no_demo=False, **options):
        (settings.BASE_DIR / "var").mkdir(exist_ok=True)
        if "django_migrations" not in connection.introspection.table_names():
            # a new database: the head log left by an earlier one is not its own
            old = headlog.set_aside()
            if old is not None:
                self.stdout.write(f"New database: the old audit head log is now {old}")
        call_command("migrate", verbosity=0)
        call_command("load_reference")
        if no_demo:
            return
        call_command("load_demo")
        data = json.loads((DEMO / "users.json").read_text(encoding="utf-8"))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {data['password']}):")
        self.stdout.write(f"  {'admin':16} 系统管理员（Django admin: /admin/）")
        for row in data["users"]:
            where = (
                f"{row['role']}  {row['region']}"
                if "role" in row
                else f"member unit {row['unit']}  {row['district']}"
            )
            self.stdout.write(f"  {row['username']:16} {row['name']}  {where}")
        second = data["second_factor"]
        self.stdout.write("")
        self.stdout.write(
            f"{' and '.join(second['users'])} also need a second-factor code "
            "(DEMO ONLY key, published in fixtures/demo/users.json):"
        )
        self.stdout.write(
            "  .venv/bin/python manage.py demo_otp city_admin   "
            "# prints the current code"
        )
