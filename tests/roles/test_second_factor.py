"""Privileged accounts give a second factor (TOTP): superusers, admin
users and city administrators bind an authenticator at their first login
and give a code at every login, on the staff site and the admin alike."""

import re
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from roles.accounts import services
from roles.models import EnrolmentCode, Lockout
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


def issue(user, by=None, reason="新任管理员，当面交付"):
    """An enrolment code for ``user`` (issued on the server unless ``by``)."""
    return services.enrolment_code_issue(user=user, by=by, reason=reason).code


def open_enrolment(client, code_text, next_url="/"):
    response = client.post(
        "/accounts/otp/setup/", {"code": code_text, "next": next_url}
    )
    assert response.status_code == 302, "the code was accepted"
    return client.get(response["Location"])


def test_a_superuser_binds_an_authenticator_at_first_login(superuser):
    code_text = issue(superuser)
    client, response = password_login(superuser, "/admin/login/", "/admin/")
    # the admin itself sends them on: nothing opens before the second factor
    for url in ("/admin/", "/admin/workflows/assistancestandard/", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/otp/")
    page = client.get("/accounts/otp/setup/?next=/admin/")
    assert page.status_code == 200
    assert "<svg" not in page.content.decode()  # the enrolment code first
    page = open_enrolment(client, code_text.lower(), "/admin/")  # any case
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


# --- enrolment codes: the password alone binds nothing ------------------------------


def test_the_password_alone_shows_no_secret_and_binds_nothing(staff):
    """The review's finding: a new city administrator (or one after a reset)
    had no authenticator yet, and whoever held the password was shown the
    secret, bound their own phone and was in."""
    from django.conf import settings as django_settings

    city_admin = staff("city_administrator", CITY)
    client, _ = password_login(city_admin)
    page = client.get("/accounts/otp/setup/")
    html = page.content.decode()
    assert page.status_code == 200 and "绑定码" in html
    assert "<svg" not in html and "zz-secret" not in html
    assert not TOTPDevice.objects.filter(user=city_admin).exists()
    # a guessed authenticator code is no way around it
    response = client.post("/accounts/otp/setup/", {"token": "123456"})
    assert response.status_code == 422
    assert not TOTPDevice.objects.filter(user=city_admin, confirmed=True).exists()
    # still nothing but the second-factor pages and logout
    for url in ("/work/", "/dibao/", "/admin/", "/audit/"):
        assert client.get(url)["Location"].startswith("/accounts/otp/setup/")
    # a wrong code counts like a wrong password: after the account's limit,
    # the session ends and the account is locked, code or password
    limit = django_settings.LOGIN_FAILURES_PER_ACCOUNT
    for n in range(limit - 1):
        response = client.post("/accounts/otp/setup/", {"code": f"WRONG{n}CODE"})
        assert response.status_code == 422
        assert "绑定码不正确" in response.content.decode()
    right = issue(city_admin)
    response = client.post("/accounts/otp/setup/", {"code": "NOTTHECODE12"})
    assert response.status_code == 429 and "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    lockout = Lockout.objects.get(username=city_admin.username)
    assert lockout.path == "/accounts/otp/setup/"
    refused = Client().post(
        "/accounts/login/", {"username": city_admin.username, "password": PASSWORD}
    )
    assert refused.status_code == 429
    # the code itself was not used up by the guessing, nor seen in any record
    from axes.models import AccessAttempt

    assert not any("WRONG" in a.post_data for a in AccessAttempt.objects.all()), (
        "codes are masked in axes' records"
    )
    services.lockout_release(lockout=lockout, by=superuser_of(), reason="本人确认")
    client, _ = password_login(city_admin)
    page = open_enrolment(client, right)
    assert "zz-secret" in page.content.decode()


def superuser_of():
    user = StaffFactory(is_staff=True, is_superuser=True)
    user.save()
    return user


def test_a_superuser_issues_a_code_in_the_admin_shown_once(superuser, staff):
    city_admin = staff("city_administrator", CITY)
    ordinary = staff("town_caseworker", "370402106")
    admin = Client()
    login_with_second_factor(admin, superuser)
    changelist = "/admin/auth/user/"
    data = {"action": "issue_code", "_selected_action": [city_admin.pk, ordinary.pk]}
    assert "理由" in admin.post(changelist, data).content.decode()
    page = admin.post(changelist, {**data, "apply": "1", "reason": "新任市局管理员"})
    html = page.content.decode()
    assert page.status_code == 200 and "只显示这一次" in html
    shown = re.findall(r'class="zz-enrolment-code">([A-Z2-9-]+)<', html)
    assert len(shown) == 1  # the caseworker needs no second factor: refused
    assert len(shown[0].replace("-", "")) == 12
    record = EnrolmentCode.objects.get()
    assert record.user == city_admin and record.issued_by == superuser
    assert shown[0].replace("-", "") not in record.code_hash
    assert not EnrolmentCode.objects.filter(user=ordinary).exists()
    latest = record.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        superuser,
        "新任市局管理员",
    )
    assert "code_hash" not in {f.name for f in record.history.model._meta.fields}
    # the record in the admin shows who, when and why, never the code
    listing = admin.get("/admin/roles/enrolmentcode/").content.decode()
    assert "新任市局管理员" in listing and shown[0] not in listing
    assert record.code_hash not in listing
    # a non-superuser cannot issue, whatever page calls the service
    with pytest.raises(PermissionDenied):
        services.enrolment_code_issue(user=city_admin, by=city_admin, reason="x")
    # the person binds with it, once
    client, _ = password_login(city_admin)
    page = open_enrolment(client, shown[0])
    device = TOTPDevice.objects.get(user=city_admin)
    response = client.post("/accounts/otp/setup/", {"token": code(device)})
    assert response.status_code == 302
    assert client.get("/work/").status_code == 200
    record.refresh_from_db()
    assert record.used_at is not None and record.used_from == "127.0.0.1"
    used = record.history.first()
    assert (used.history_user, used.history_change_reason) == (city_admin, "使用绑定码")
    # once bound, no code is issued for the account (a reset comes first)
    with pytest.raises(ValidationError):
        services.enrolment_code_issue(user=city_admin, by=superuser, reason="x")


def test_a_code_is_used_once_within_a_day(staff):
    from datetime import timedelta

    from django.utils import timezone

    city_admin = staff("city_administrator", CITY)
    first = issue(city_admin)
    second = issue(city_admin)  # the first stops working
    assert EnrolmentCode.objects.get(revoked_at__isnull=False).status == "已作废"
    client, _ = password_login(city_admin)
    assert client.post("/accounts/otp/setup/", {"code": first}).status_code == 422
    # expired
    EnrolmentCode.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.post("/accounts/otp/setup/", {"code": second}).status_code == 422
    third = issue(city_admin)
    record = EnrolmentCode.objects.usable().get()
    assert record.expires_at - record.issued_at == timedelta(hours=24)
    # spaces, dashes and full-width letters as typed are the same code
    typed = " ".join([third[:4], third[4:8].lower(), third[8:]])
    page = open_enrolment(client, typed)
    assert "zz-secret" in page.content.decode()
    # the same code in another session (someone who watched it typed) is spent
    other, _ = password_login(city_admin)
    assert other.post("/accounts/otp/setup/", {"code": third}).status_code == 422
    assert "zz-secret" not in other.get("/accounts/otp/setup/").content.decode()


def test_after_a_reset_the_person_needs_a_new_code(superuser, staff):
    city_admin = staff("city_administrator", CITY)
    client, _ = password_login(city_admin)
    page = open_enrolment(client, issue(city_admin))
    device = TOTPDevice.objects.get(user=city_admin)
    assert (
        client.post("/accounts/otp/setup/", {"token": code(device)}).status_code == 302
    )
    # a half-finished enrolment of another session, and a code not yet used
    pending, _ = password_login(city_admin)
    services.second_factor_reset(device=device, by=superuser, reason="手机遗失")
    unused = issue(city_admin)
    services.second_factor_reset(device=device, by=superuser, reason="再次重置")
    assert EnrolmentCode.objects.get(used_at__isnull=True).revoked_at is not None
    client, _ = password_login(city_admin)
    page = client.get("/accounts/otp/setup/")
    assert "zz-secret" not in page.content.decode()
    assert client.post("/accounts/otp/setup/", {"code": unused}).status_code == 422
    assert "zz-secret" not in pending.get("/accounts/otp/setup/").content.decode()
    # a session that opened the enrolment before a reset must start again
    opened, _ = password_login(city_admin)
    open_enrolment(opened, issue(city_admin))
    device.refresh_from_db()
    shown = code(device)
    services.second_factor_reset(device=device, by=superuser, reason="又丢了")
    assert "zz-secret" not in opened.get("/accounts/otp/setup/").content.decode()
    response = opened.post("/accounts/otp/setup/", {"token": shown})
    assert response.status_code == 422
    device.refresh_from_db()
    assert not device.confirmed
    # the devices page issues the new code too
    admin = Client()
    login_with_second_factor(admin, superuser)
    changelist = "/admin/otp_totp/totpdevice/"
    data = {"action": "issue_code", "_selected_action": [device.pk]}
    page = admin.post(changelist, {**data, "apply": "1", "reason": "重置后重新绑定"})
    new_code = re.search(
        r'class="zz-enrolment-code">([A-Z2-9-]+)<', page.content.decode()
    )
    client, _ = password_login(city_admin)
    assert "zz-secret" in open_enrolment(client, new_code.group(1)).content.decode()


def test_the_first_superuser_gets_a_code_on_the_server(db):
    from io import StringIO

    first = StaffFactory(is_staff=True, is_superuser=True)
    first.save()
    with pytest.raises(CommandError):
        call_command("issue_enrolment_code", first.username)  # no reason
    with pytest.raises(CommandError):
        call_command("issue_enrolment_code", "nobody", reason="x")
    out = StringIO()
    call_command("issue_enrolment_code", first.username, reason="首次部署", stdout=out)
    printed = out.getvalue().split()[0]
    record = EnrolmentCode.objects.get()
    assert record.issued_by is None
    issued = record.history.first()
    assert (issued.history_user, issued.history_job) == (None, "issue_enrolment_code")
    assert issued.history_change_reason == "首次部署"
    client, _ = password_login(first, "/admin/login/", "/admin/")
    open_enrolment(client, printed, "/admin/")
    device = TOTPDevice.objects.get(user=first)
    response = client.post(
        "/accounts/otp/setup/", {"token": code(device), "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # nothing for an account that needs no second factor
    ordinary = StaffFactory()
    ordinary.save()
    with pytest.raises(CommandError):
        call_command("issue_enrolment_code", ordinary.username, reason="x")
