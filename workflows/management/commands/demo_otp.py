import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from roles.accounts.services import device_of


class Command(BaseCommand):
    help = (
        "Demo only (DEBUG): print the current second-factor code of a demo "
        "login (city_admin, admin), so `make run` needs no phone. "
        "Usage: demo_otp city_admin"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_otp is for demonstrations and refuses to run with DEBUG off."
            )
        user = get_user_model().objects.filter(username=username).first()
        device = device_of(user) if user else None
        if device is None or not device.confirmed:
            raise CommandError(f"{username} has no second factor bound.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = time.time()
        totp.time = now
        left = device.step - int(now - device.t0) % device.step
        self.stdout.write(
            f"{totp.token():0{device.digits}d}  (valid for {left} s more; "
            "each code is accepted once)"
        )
