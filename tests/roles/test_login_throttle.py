"""Password guessing: accounts lock after a few failures from anywhere, a
client address only after many, a lockout ends after the cool-down or when
a supervisor releases it with a reason, and every lockout is on the record."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from project.settings.base import client_address_settings
from roles.accounts import services
from roles.accounts.throttle import client_address
from roles.models import Lockout
from tests.factories import StaffFactory, login_with_second_factor
from workflows.audit.chain import seal
from workflows.audit.models import AuditRowHash
from workflows.audit.rows import audited_tables
from workflows.audit.verify import verify

pytestmark = pytest.mark.django_db

STAFF_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "pw"  # StaffFactory's


def try_login(username, password, *, url=STAFF_LOGIN, address="10.1.1.1", **meta):
    client = Client(REMOTE_ADDR=address, **meta)
    response = client.post(url, {"username": username, "password": password})
    return client, response


def logged_in(client):
    return "_auth_user_id" in client.session


def fail(username, times, **kwargs):
    for _ in range(times):
        _client, response = try_login(username, "wrong", **kwargs)
    return response


def test_the_right_password_no_longer_works_after_repeated_failures(cast):
    """The review's finding: 30 wrong passwords in 15 seconds, then the
    right one worked."""
    user = cast.caseworker
    # a few typos lock nothing, and a successful login forgets them
    fail(user.username, settings.LOGIN_FAILURES_PER_ACCOUNT - 1)
    client, _ = try_login(user.username, PASSWORD)
    assert logged_in(client)
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    # the limit reached: refused, whatever the password
    response = fail(user.username, settings.LOGIN_FAILURES_PER_ACCOUNT)
    assert response.status_code == 429
    client, response = try_login(user.username, PASSWORD)
    assert not logged_in(client)
    assert response.status_code == 429
    page = response.content.decode()
    assert "已暂时锁定" in page and "工作管理" in page
    # from anywhere: another address, another browser
    client, response = try_login(
        user.username, PASSWORD, address="10.9.9.9", HTTP_USER_AGENT="other"
    )
    assert not logged_in(client) and response.status_code == 429


def test_the_admin_login_is_throttled_too(db):
    admin = StaffFactory(is_staff=True, is_superuser=True)
    admin.save()
    fail(admin.username, settings.LOGIN_FAILURES_PER_ACCOUNT, url=ADMIN_LOGIN)
    client, response = try_login(admin.username, PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert not logged_in(client)
    assert "已暂时锁定" in response.content.decode()


def test_one_persons_typos_do_not_lock_the_office_out(cast):
    """Fifty people behind one NAT share an address: one person's account
    locks, the others log in; only many failures lock the address."""
    office = "10.2.2.2"
    fail(cast.caseworker.username, settings.LOGIN_FAILURES_PER_ACCOUNT, address=office)
    client, _ = try_login(cast.caseworker2.username, PASSWORD, address=office)
    assert logged_in(client)
    # failures spread over many accounts, each below its own limit
    below = settings.LOGIN_FAILURES_PER_ACCOUNT - 1
    total = settings.LOGIN_FAILURES_PER_ACCOUNT
    n = 0
    while total + below < settings.LOGIN_FAILURES_PER_ADDRESS:
        fail(f"nobody{n}", below, address=office)
        total += below
        n += 1
    client, _ = try_login(cast.coordinator.username, PASSWORD, address=office)
    assert logged_in(client)
    # the address limit: now nobody logs in from there, elsewhere they do
    fail("nobody-last", settings.LOGIN_FAILURES_PER_ADDRESS - total, address=office)
    client, response = try_login(cast.reviewer.username, PASSWORD, address=office)
    assert not logged_in(client) and response.status_code == 429
    assert "网络地址" in response.content.decode()
    client, _ = try_login(cast.reviewer.username, PASSWORD, address="10.3.3.3")
    assert logged_in(client)
    kinds = set(Lockout.objects.active().values_list("kind", "ip_address"))
    assert (Lockout.Kind.ADDRESS, office) in kinds


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw():
    """With TRUSTED_PROXIES the address comes from X-Forwarded-For, counted
    from the right: what a client writes to the left is ignored. Without a
    proxy the header is ignored altogether."""
    from django.test import RequestFactory

    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.4.4.4"
    )
    order, count = client_address_settings(0)
    with override_settings(
        AXES_IPWARE_META_PRECEDENCE_ORDER=order, AXES_IPWARE_PROXY_COUNT=count
    ):
        assert client_address(request) == "127.0.0.1"
    order, count = client_address_settings(1)
    with override_settings(
        AXES_IPWARE_META_PRECEDENCE_ORDER=order, AXES_IPWARE_PROXY_COUNT=count
    ):
        assert client_address(request) == "10.4.4.4"
        request.META["HTTP_X_FORWARDED_FOR"] = "10.5.5.5"
        assert client_address(request) == "10.5.5.5"
    order, count = client_address_settings(2)  # e.g. a load balancer and nginx
    with override_settings(
        AXES_IPWARE_META_PRECEDENCE_ORDER=order, AXES_IPWARE_PROXY_COUNT=count
    ):
        request.META["HTTP_X_FORWARDED_FOR"] = "6.6.6.6, 10.6.6.6, 172.16.0.2"
        assert client_address(request) == "10.6.6.6"


def test_a_lockout_ends_after_the_cool_down(cast):
    user = cast.caseworker
    fail(user.username, settings.LOGIN_FAILURES_PER_ACCOUNT)
    lockout = Lockout.objects.get(username=user.username)
    assert lockout.until - lockout.locked_at == settings.AXES_COOLOFF_TIME
    # trying again while locked does not extend it
    fail(user.username, 3)
    lockout.refresh_from_db()
    assert lockout.until - lockout.locked_at == settings.AXES_COOLOFF_TIME
    assert Lockout.objects.count() == 1
    # the cool-down has passed
    past = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time = past
        attempt.save()
    lockout.until = past
    lockout.save()
    client, _ = try_login(user.username, PASSWORD)
    assert logged_in(client)
    assert Lockout.objects.get().status == "已到期自动解除"


def test_every_lockout_is_recorded_in_the_chained_audit_trail(cast):
    user = cast.caseworker
    fail(user.username, settings.LOGIN_FAILURES_PER_ACCOUNT, address="10.7.7.7")
    lockout = Lockout.objects.get()
    assert (lockout.kind, lockout.user, lockout.ip_address, lockout.failures) == (
        Lockout.Kind.ACCOUNT,
        user,
        "10.7.7.7",
        settings.LOGIN_FAILURES_PER_ACCOUNT,
    )
    assert lockout.path == STAFF_LOGIN
    assert lockout.history.count() == 1
    # each failed login is logged too (axes' failure log, with history)
    from axes.models import AccessFailureLog

    failures = AccessFailureLog.objects.filter(username=user.username)
    assert failures.count() == settings.LOGIN_FAILURES_PER_ACCOUNT
    assert failures.filter(locked_out=True).count() == 1
    tables = dict(audited_tables())
    assert "roles_historicallockout" in tables
    assert "roles_historicalaccessfailurelog" in tables
    seal()
    assert AuditRowHash.objects.filter(
        table="roles_historicallockout", seq__isnull=False
    ).exists()
    assert verify().intact
    # and an auditor with admin access finds it
    admin = StaffFactory(is_staff=True, is_superuser=True)
    admin.save()
    client = Client()
    login_with_second_factor(client, admin)
    page = client.get("/admin/roles/lockout/")
    assert page.status_code == 200 and user.username in page.content.decode()


def test_a_supervisor_releases_a_lockout_of_their_staff_with_a_reason(cast):
    user = cast.caseworker
    fail(user.username, settings.LOGIN_FAILURES_PER_ACCOUNT)
    lockout = Lockout.objects.get()
    supervisor = Client()
    supervisor.force_login(cast.town_supervisor)
    page = supervisor.get("/work/lockouts/")
    assert page.status_code == 200
    assert list(page.context["lockouts"]) == [lockout]
    url = f"/work/lockouts/{lockout.pk}/release/"
    supervisor.post(url, {"reason": ""})  # no reason: nothing happens
    lockout.refresh_from_db()
    assert lockout.is_active
    response = supervisor.post(url, {"reason": "本人电话确认输错密码"})
    assert response.status_code == 302
    lockout.refresh_from_db()
    assert not lockout.is_active
    assert (lockout.released_by, lockout.release_reason) == (
        cast.town_supervisor,
        "本人电话确认输错密码",
    )
    latest = lockout.history.first()
    assert latest.history_user == cast.town_supervisor
    assert latest.history_change_reason == "本人电话确认输错密码"
    client, _ = try_login(user.username, PASSWORD)
    assert logged_in(client)


def test_only_supervisors_of_the_persons_region_may_release(cast, staff):
    fail(cast.caseworker.username, settings.LOGIN_FAILURES_PER_ACCOUNT)
    lockout = Lockout.objects.get()
    other_supervisor = staff("town_supervisor", "370402002")  # another town
    client = Client()
    client.force_login(other_supervisor)
    assert list(client.get("/work/lockouts/").context["lockouts"]) == []
    url = f"/work/lockouts/{lockout.pk}/release/"
    assert client.post(url, {"reason": "x"}).status_code == 404
    colleague = Client()
    colleague.force_login(cast.caseworker2)  # no manage permission at all
    assert colleague.get("/work/lockouts/").status_code == 403
    # the service itself refuses, whatever page calls it
    for user in (other_supervisor, cast.caseworker2):
        with pytest.raises(PermissionDenied):
            services.lockout_release(lockout=lockout, by=user, reason="x")
    with pytest.raises(ValidationError):
        services.lockout_release(lockout=lockout, by=cast.town_supervisor, reason="")
    lockout.refresh_from_db()
    assert lockout.is_active


def test_an_address_no_staff_of_theirs_used_is_released_by_a_superuser_only(cast):
    with override_settings(LOGIN_FAILURES_PER_ADDRESS=3, LOGIN_FAILURES_PER_ACCOUNT=3):
        for name in ("a", "b", "c"):
            fail(name, 1, address="10.8.8.8")
    lockout = Lockout.objects.get(kind=Lockout.Kind.ADDRESS)
    with pytest.raises(PermissionDenied):
        services.lockout_release(
            lockout=lockout, by=cast.district_supervisor, reason="x"
        )
    admin = StaffFactory(is_staff=True, is_superuser=True)
    admin.save()
    client = Client()
    login_with_second_factor(client, admin)
    changelist = "/admin/roles/lockout/"
    data = {"action": "release", "_selected_action": [lockout.pk]}
    page = client.post(changelist, data)  # asks why first
    assert page.status_code == 200 and "理由" in page.content.decode()
    client.post(changelist, {**data, "apply": "1", "reason": "机房网络测试"})
    lockout.refresh_from_db()
    assert (lockout.released_by, lockout.release_reason) == (admin, "机房网络测试")
    assert not AccessAttempt.objects.filter(ip_address="10.8.8.8").exists()


def flood(address, failures=None):
    """One person behind ``address`` tries made-up names until the address
    locks."""
    for n in range(failures or settings.LOGIN_FAILURES_PER_ADDRESS):
        _client, response = try_login(f"made-up-{n}", "wrong", address=address)
    return response


def test_one_person_with_made_up_names_does_not_lock_the_office_out(cast, staff):
    """The review's finding: fifty failures for made-up names from an
    office's NAT address refused every colleague there, right password or
    not. Now the address stays locked for made-up and unfamiliar names, and
    the colleagues who logged in from there recently still get in."""
    office = "10.20.0.1"
    regulars = (cast.caseworker, cast.caseworker2, cast.town_supervisor)
    for user in regulars:  # an ordinary working week at the office
        client, _ = try_login(user.username, PASSWORD, address=office)
        assert logged_in(client)
    away = cast.coordinator  # logs in from the village, never from the office
    assert logged_in(try_login(away.username, PASSWORD, address="10.30.0.1")[0])
    newcomer = staff("town_caseworker", "370402106")  # first day at the office
    long_ago = cast.reviewer  # last here before LOGIN_KNOWN_ADDRESS_DAYS
    assert logged_in(try_login(long_ago.username, PASSWORD, address=office)[0])
    past = timezone.now() - datetime.timedelta(
        days=settings.LOGIN_KNOWN_ADDRESS_DAYS, minutes=1
    )
    AccessLog.objects.filter(username=long_ago.username).update(attempt_time=past)

    assert flood(office).status_code == 429
    assert (
        Lockout.objects.active()
        .filter(kind=Lockout.Kind.ADDRESS, ip_address=office)
        .exists()
    )
    # the colleagues who work there get in, with the address locked
    for user in regulars:
        client, response = try_login(user.username, PASSWORD, address=office)
        assert logged_in(client), user.username
    # made-up names, and people not seen at this address lately, do not
    for name in ("made-up-x", newcomer.username, away.username, long_ago.username):
        client, response = try_login(name, PASSWORD, address=office)
        assert not logged_in(client) and response.status_code == 429, name
        assert "网络地址" in response.content.decode()
    # a known colleague is still bound by their own account's limit
    victim = cast.caseworker2
    fail(victim.username, settings.LOGIN_FAILURES_PER_ACCOUNT, address=office)
    client, response = try_login(victim.username, PASSWORD, address=office)
    assert not logged_in(client) and response.status_code == 429
    assert "账号" in response.content.decode()
    assert (
        Lockout.objects.active()
        .filter(kind=Lockout.Kind.ACCOUNT, username=victim.username)
        .exists()
    )


def test_a_supervisor_releases_the_lockout_of_their_staffs_office_address(cast, staff):
    """The review's finding: only a superuser could release an address
    lockout. A supervisor whose staff logged in from the address recently
    (their office) may, with a reason; a supervisor of another district not."""
    office = "10.20.0.2"
    assert logged_in(try_login(cast.caseworker.username, PASSWORD, address=office)[0])
    flood(office)
    lockout = Lockout.objects.get(kind=Lockout.Kind.ADDRESS, ip_address=office)
    newcomer = staff("town_caseworker", "370402106")
    assert try_login(newcomer.username, PASSWORD, address=office)[1].status_code == 429
    # a supervisor elsewhere neither sees nor releases it
    elsewhere = staff("district_supervisor", "370404")
    other = Client()
    other.force_login(elsewhere)
    assert list(other.get("/work/lockouts/").context["lockouts"]) == []
    url = f"/work/lockouts/{lockout.pk}/release/"
    assert other.post(url, {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.lockout_release(lockout=lockout, by=elsewhere, reason="x")
    # the district's supervisor (and the town's) see it
    town = Client()
    town.force_login(cast.town_supervisor)
    assert lockout in town.get("/work/lockouts/").context["lockouts"]
    supervisor = Client()
    supervisor.force_login(cast.district_supervisor)
    page = supervisor.get("/work/lockouts/")
    assert lockout in page.context["lockouts"] and office in page.content.decode()
    supervisor.post(url, {"reason": ""})  # no reason: nothing happens
    lockout.refresh_from_db()
    assert lockout.is_active
    response = supervisor.post(url, {"reason": "新同事首日登录，网络地址被误锁"})
    assert response.status_code == 302
    lockout.refresh_from_db()
    assert not lockout.is_active
    latest = lockout.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        cast.district_supervisor,
        "新同事首日登录，网络地址被误锁",
    )
    assert logged_in(try_login(newcomer.username, PASSWORD, address=office)[0])


def test_the_lockout_page_is_chinese_not_an_error(cast):
    response = fail(cast.caseworker.username, settings.LOGIN_FAILURES_PER_ACCOUNT)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "登录已锁定" in page and "请于" in page
    assert "Account locked" not in page


def test_the_workspace_menu_links_to_lockouts(cast):
    client = Client()
    client.force_login(cast.town_supervisor)
    assert "/work/lockouts/" in client.get("/work/").content.decode()


def test_access_records_keep_the_client_address_behind_a_proxy(cast, staff):
    """The review's finding: behind TRUSTED_PROXIES=1 the records of a
    refused case page and of a hotline progress lookup kept the proxy's
    address (REMOTE_ADDR), not the client's."""
    from tests.workflows.dibao.desk import Desk, submit
    from workflows.core.models import SensitiveAccess

    case = submit(Desk(cast.caseworker), cast)
    order, count = client_address_settings(1)
    with override_settings(
        AXES_IPWARE_META_PRECEDENCE_ORDER=order, AXES_IPWARE_PROXY_COUNT=count
    ):
        outsider = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
        outsider.force_login(cast.other_district_reviewer)
        assert outsider.get(f"/dibao/{case.pk}/").status_code == 404
        operator = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
        operator.force_login(staff("hotline_operator", "370402"))
        page = operator.get("/hotline/progress/", {"q": case.applicant.id_number})
        assert page.status_code == 200 and page.context["results"]
    refused = SensitiveAccess.objects.get(action=SensitiveAccess.Action.REFUSED)
    assert refused.ip_address == "198.51.100.7"
    lookup = SensitiveAccess.objects.get(action=SensitiveAccess.Action.LOOKUP)
    assert lookup.ip_address == "198.51.100.8"


def test_only_the_throttle_reads_the_address_the_connection_came_from():
    """Every record that names where a request came from takes the address
    from ``client_address`` (TRUSTED_PROXIES-aware). Code that reads
    ``REMOTE_ADDR`` itself records the proxy's address behind a proxy."""
    import ast
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    allowed = {
        # the one reader
        "roles/accounts/throttle.py",
        # names the header the throttle reads when there is no proxy
        "project/settings/base.py",
    }
    offenders = []
    for folder in ("project", "roles", "workflows", "bench"):
        for path in sorted((root / folder).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name in allowed:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and node.value == "REMOTE_ADDR":
                    offenders.append(f"{name}:{node.lineno}")
    assert offenders == [], "use roles.accounts.throttle.client_address(request)"


@pytest.mark.parametrize("url", [STAFF_LOGIN, ADMIN_LOGIN])
def test_an_overlong_username_is_a_counted_failure_not_an_error(url, cast):
    """The review's finding: a username of 256+ characters made axes' failure
    record overflow its column (a 500 on PostgreSQL, nothing counted). The
    throttle bounds the name to the longest a login can have: an ordinary
    refusal (200), counted like any failure until the lockout page."""
    from axes.models import AccessFailureLog
    from django.contrib.auth import get_user_model

    longest = get_user_model()._meta.get_field("username").max_length
    name = "a" * 300
    client = Client(raise_request_exception=False)
    response = client.post(url, {"username": name, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    attempt = AccessAttempt.objects.get()
    assert attempt.username == name[:longest]
    assert attempt.failures_since_start == 1
    assert AccessFailureLog.objects.get().username == name[:longest]
    for n in (256, 5000, 151):
        response = client.post(url, {"username": "a" * n, "password": "x"})
        assert response.status_code in (200, 429)
    response = client.post(url, {"username": "a" * 400, "password": "x"})
    assert response.status_code == 429
    lockout = Lockout.objects.get(kind=Lockout.Kind.ACCOUNT)
    assert lockout.username == name[:longest]
