"""Sessions, response headers and the password policy: what a stolen or
forgotten session, a shared office computer, a cached page or an injected
script could otherwise give away, and a deployment that `check --deploy`
passes."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from roles.accounts.middleware import LOGIN_AT, SEEN_AT
from tests.workflows.dibao.desk import (
    Desk,
    accept,
    case_url,
    open_task,
    submit,
    task_url,
)
from workflows.dibao.flows import DibaoFlow

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def shift(client, **seconds_ago):
    """Move the session's login / last-seen times into the past."""
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"login": LOGIN_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


# --- sessions --------------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes(cast):
    client = signed_in(cast.caseworker)
    assert client.get("/dibao/inbox/").status_code == 200
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    assert idle == 30 * 60
    shift(client, seen=idle + 5)
    response = client.get("/dibao/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "分钟未操作，已自动退出" in page
    # the stored session expires with the idle limit as well
    assert settings.SESSION_COOKIE_AGE == idle


def test_a_session_ends_twelve_hours_after_login_however_active(cast):
    client = signed_in(cast.caseworker)
    limit = settings.SESSION_ABSOLUTE_LIMIT.total_seconds()
    assert limit == 12 * 3600
    shift(client, login=limit - 60, seen=10)
    assert client.get("/dibao/inbox/").status_code == 200
    shift(client, login=limit + 5, seen=10)
    response = client.get("/dibao/inbox/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive(cast):
    """Each request (at most once a minute) moves the idle clock on."""
    client = signed_in(cast.caseworker)
    shift(client, seen=25 * 60)
    assert client.get("/dibao/inbox/").status_code == 200
    assert time.time() - client.session[SEEN_AT] < 60


def test_the_session_cookie_dies_with_the_browser(cast):
    client = Client()
    client.post(
        "/accounts/login/", {"username": cast.caseworker.username, "password": "pw"}
    )
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["max-age"] == "" and cookie["expires"] == ""


# --- headers ----------------------------------------------------------------------


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def test_pages_carry_a_content_security_policy_without_inline_script(cast):
    for response in (
        Client().get("/accounts/login/"),
        signed_in(cast.caseworker).get("/dibao/inbox/"),
    ):
        policy = csp_directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert "'unsafe-eval'" not in str(policy)


INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']|javascript:", re.IGNORECASE
)


def test_our_templates_have_no_inline_script():
    """The policy forbids inline script: a template with an inline handler
    or script block would silently stop working."""
    found = []
    for package in ("project", "roles", "workflows"):
        for path in (ROOT / package).rglob("*.html"):
            for match in INLINE_SCRIPT.finditer(path.read_text(encoding="utf-8")):
                found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_nothing_a_signed_in_person_sees_is_cached(cast, staff):
    caseworker = Desk(cast.caseworker)
    case = submit(caseworker, cast)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    auditor = Desk(staff("auditor", "370402"))
    pages = {
        "case page": caseworker.get(case_url(case)),
        "task page": caseworker.get(task_url(task, "execute")),
        "inbox": caseworker.get("/dibao/inbox/"),
        "audit timeline": auditor.get(f"/audit/cases/{case.pk}/"),
        "audit export": auditor.get(f"/audit/cases/{case.pk}/export/csv/"),
        "audit search export": auditor.get("/audit/export/xlsx/"),
        "workspace": Desk(cast.town_supervisor).get("/work/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert no_store(response), name
    # static files stay cacheable
    with override_settings(WHITENOISE_USE_FINDERS=True):
        static = signed_in(cast.caseworker).get("/static/css/app.css")
    assert static.status_code == 200 and not no_store(static)


# --- production settings ----------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        ALLOWED_HOSTS="dibao.example.gov.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- password policy --------------------------------------------------------------


def test_the_password_change_form_enforces_the_policy(cast):
    client = signed_in(cast.caseworker)
    url = "/accounts/password_change/"
    for password, message in (
        ("zq8!vWm2kd", "至少"),  # ten characters
        ("384729105638", "全都是数字"),  # twelve digits
        ("password1234", "太常见"),
    ):
        response = client.post(
            url,
            {
                "old_password": "pw",
                "new_password1": password,
                "new_password2": password,
            },
        )
        assert response.status_code == 200, password
        assert message in response.content.decode(), password
        cast.caseworker.refresh_from_db()
        assert cast.caseworker.check_password("pw")
    good = "枣庄 低保 2026 柳叶青"
    response = client.post(
        url, {"old_password": "pw", "new_password1": good, "new_password2": good}
    )
    assert response.status_code == 302
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.check_password(good)
