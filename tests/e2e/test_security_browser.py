"""Logins in a real browser with the Content-Security-Policy enforced: a
superuser binds an authenticator with an enrolment code and works in the
admin, a caseworker is
locked out after wrong passwords and released by the supervisor, and the
language switch (our only script) still works."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from roles.accounts.services import enrolment_code_issue
from tests.factories import one_person_spec
from workflows import demo
from workflows.demo import load_users
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

from .staff import Staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def current_code(user):
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_superuser_binds_an_authenticator_and_uses_the_admin(live_server, browser):
    load_users()
    admin = get_user_model().objects.get(username="admin")
    # the first superuser's enrolment code, issued on the server
    issued = enrolment_code_issue(user=admin, by=None, reason="首次部署")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    base = live_server.url
    page.goto(base + "/admin/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo1234")
    page.click("input[type=submit]")
    # not the admin yet: the second factor first, and the password is not
    # enough to see its secret
    page.wait_for_url("**/accounts/otp/setup/**")
    assert page.locator(".zz-qr svg").count() == 0
    page.fill("input[name=code]", issued.display)
    with page.expect_navigation():
        page.click("form.zz-form button[type=submit]")
    assert page.locator(".zz-qr svg").count() == 1
    secret = page.locator(".zz-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7 ]+", secret)
    page.fill("input[name=token]", current_code(admin))
    page.click("form.zz-form button[type=submit]")
    page.wait_for_url(base + "/admin/")
    page.goto(base + "/admin/workflows/assistancestandard/")
    assert page.locator("#result_list").count() == 1
    page.goto(base + "/admin/roles/lockout/")
    page.goto(base + "/admin/otp_totp/totpdevice/")
    assert "admin" in page.content()


def test_a_locked_out_caseworker_is_released_by_the_supervisor(live_server, browser):
    load_users()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    base = live_server.url
    for _ in range(5):
        page.goto(base + "/accounts/login/")
        page.fill("input[name=username]", "mz_caseworker")
        page.fill("input[name=password]", "not-the-password")
        with page.expect_response(lambda r: r.request.method == "POST"):
            page.click("button[type=submit]")
    page.wait_for_selector(".zz-locked")
    assert "登录已锁定" in page.content()
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", "mz_supervisor")
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(base + "/work/lockouts/")
    row = page.locator("tr", has_text="mz_caseworker")
    row.locator("input[name=reason]").fill("本人来电确认输错密码")
    with page.expect_response(lambda r: r.request.method == "POST"):
        row.locator("button[type=submit]").click()
    page.wait_for_selector("td:has-text('已解除')")
    Staff(page, base).login("mz_caseworker")
    assert "我的待办" in page.content()


def test_the_language_switch_works_under_the_policy(live_server, browser):
    page = browser.new_page()
    response = page.goto(live_server.url + "/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "登录" in page.content()
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")
    assert "Log in" in page.locator("button[type=submit]").text_content()


def test_a_supervisor_returns_ticked_tasks_to_the_queue(live_server, browser):
    """The unassign button copies the boxes ticked in the task table into its
    own form: our static script, not an inline handler."""
    load_users()
    caseworker = get_user_model().objects.get(username="mz_caseworker")
    case = demo.apply(one_person_spec("退回测试", 1), {"caseworker": caseworker})
    demo.drive(Application.objects.get(pk=case.pk), "investigation")
    task = demo.open_task(case, DibaoFlow.neighbour_visit)
    assert task.owner == caseworker
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    Staff(page, live_server.url).login("mz_supervisor")
    response = page.goto(f"{live_server.url}/work/people/{caseworker.pk}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.check(f"input[name=task][value='{task.pk}']")
    page.fill("#id_unassign_reason", "调整分工")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click("button[data-copy-checked]")
    task.refresh_from_db()
    assert task.owner is None and task.status == "NEW"
