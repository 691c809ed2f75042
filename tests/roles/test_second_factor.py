"""Privileged accounts give a second factor (TOTP): superusers, admin
users and city administrators bind an authenticator at their first login
and give a code at every login, on the staff site and the admin alike."""

import re
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from roles.accounts import services
from tests.factories import CITY, StaffFactory, login_with_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "pw"


def code(device, offset=0):
    """The code the authenticator shows now (or ``offset`` steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


def password_login(user, url="/accounts/login/", next_url="/"):
    client = Client()
    response = client.post(
        f"{url}?next={next_url}", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, "the password was accepted"
    return client, response


@pytest.fixture
def superuser(db):
    user = StaffFactory(is_staff=True, is_superuser=True)
    user.save()
    return user


def test_a_superuser_binds_an_authenticator_at_first_login(superuser):
    client, response = password_login(superuser, "/admin/login/", "/admin/")
    # the admin itself sends them on: nothing opens before the second factor
    for url in ("/admin/", "/admin/workflows/assistancestandard/", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/otp/")
    page = client.get("/accounts/otp/setup/?next=/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, drawn on the server
    secret = re.search(r'class="zz-secret">([A-Z2-7 ]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=superuser)
    assert not device.confirmed
    assert secret.replace(" ", "") in device.config_url
    wrong = client.post("/accounts/otp/setup/", {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 422
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the test need not wait out the throttle
    device.save()
    response = client.post(
        "/accounts/otp/setup/", {"token": code(device), "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    reasons = list(device.history.values_list("history_change_reason", flat=True))
    assert "绑定动态口令" in reasons


def test_each_login_asks_for_the_code(superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    client, _ = password_login(superuser, "/admin/login/", "/admin/")
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/otp/?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "动态口令" in page.content.decode()
    bad = client.post("/accounts/otp/", {"token": "12345", "next": "/admin/"})
    assert bad.status_code == 422
    good = client.post("/accounts/otp/", {"token": code(device), "next": "/admin/"})
    assert good.status_code == 302
    assert client.get("/admin/").status_code == 200
    # a new login asks again, and the same code is not accepted twice
    client, _ = password_login(superuser, "/admin/login/", "/admin/")
    again = client.post("/accounts/otp/", {"token": code(device), "next": "/admin/"})
    assert again.status_code == 422
    assert client.get("/admin/").status_code == 302


def test_a_city_administrator_needs_it_on_the_staff_site(staff):
    city_admin = staff("city_administrator", CITY)
    device = TOTPDevice.objects.create(user=city_admin, name="phone", confirmed=True)
    client, _ = password_login(city_admin)
    response = client.get("/dibao/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")
    client.post("/accounts/otp/", {"token": code(device), "next": "/"})
    assert client.get("/work/").status_code == 200


def test_an_admin_user_needs_it_too(db):
    editor = StaffFactory(is_staff=True)  # may open the admin, not a superuser
    editor.save()
    client, _ = password_login(editor, "/admin/login/", "/admin/")
    assert client.get("/admin/")["Location"].startswith("/accounts/otp/setup/")


def test_ordinary_staff_are_not_asked(cast):
    client, _ = password_login(cast.caseworker)
    assert client.get("/dibao/inbox/").status_code == 200
    assert client.get("/accounts/otp/")["Location"] == "/"
    assert not TOTPDevice.objects.exists()


def test_a_superuser_resets_a_lost_phone_with_a_reason(superuser, staff):
    city_admin = staff("city_administrator", CITY)
    device = TOTPDevice.objects.create(user=city_admin, name="phone", confirmed=True)
    old_key = device.key
    with pytest.raises(PermissionDenied):
        services.second_factor_reset(device=device, by=city_admin, reason="丢了")
    admin = Client()
    login_with_second_factor(admin, superuser)
    changelist = "/admin/otp_totp/totpdevice/"
    data = {"action": "reset", "_selected_action": [device.pk]}
    assert "理由" in admin.post(changelist, data).content.decode()
    admin.post(changelist, {**data, "apply": "1", "reason": ""})  # refused
    device.refresh_from_db()
    assert device.confirmed and device.key == old_key
    admin.post(changelist, {**data, "apply": "1", "reason": "手机遗失（本人来电）"})
    device.refresh_from_db()
    assert not device.confirmed and device.key != old_key
    latest = device.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        superuser,
        "手机遗失（本人来电）",
    )
    # the next login binds a new authenticator
    client, _ = password_login(city_admin)
    assert client.get("/")["Location"].startswith("/accounts/otp/setup/")


def test_the_secret_is_in_no_history_row_and_no_admin_page(superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    history_fields = {f.name for f in device.history.model._meta.fields}
    assert "key" not in history_fields
    client = Client()
    login_with_second_factor(client, superuser)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    # django-otp's own admin pages that show the secret and its QR code
    for name in ("config", "qrcode"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:otp_totp_totpdevice_{name}", args=[device.pk])


def test_the_demo_gives_privileged_logins_a_published_key_only_with_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo", verbosity=0)
    with pytest.raises(CommandError):
        call_command("demo_otp", "city_admin")
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    from io import StringIO

    from django.contrib.auth import get_user_model

    for username in ("city_admin", "admin"):
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        out = StringIO()
        call_command("demo_otp", username, stdout=out)
        printed = out.getvalue().split()[0]
        assert printed == code(device)
    others = TOTPDevice.objects.exclude(user__username__in=["city_admin", "admin"])
    assert not others.exists()
    assert get_user_model().objects.get(username="admin").is_superuser
