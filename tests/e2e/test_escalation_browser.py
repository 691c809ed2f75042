"""一事一议 in a real browser: a member unit states its measures, the district
records the meeting with every unit's vote, a unit records what it gave, and
the case page adds it up."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from workflows.escalation.models import Escalation, Measure, Meeting

from .staff import Staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_unit_states_the_meeting_decides_and_the_unit_gives(live_server, browser):
    with override_settings(DEBUG=True):  # the demo loader refuses without it
        call_command("load_demo", verbosity=0)
    # the demo's 马秀兰 escalation: seven of ten units have stated, the meeting waits
    esc = Escalation.objects.get(subject_name="马秀兰")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    staff = Staff(page, live_server.url, app="escalation")

    # the housing bureau's staff see only this app, and this case
    staff.login("tez_u_housing")
    assert page.url.endswith("/escalation/inbox/")
    staff.open_task(esc.number, "成员单位提出救助措施")
    assert "住房和城乡建设局" in page.content()
    page.fill("textarea[name=measures]", "优先安排公租房。")
    page.fill("input[name=amount]", "3000")
    staff.submit()

    staff.login("tez_reviewer")
    staff.open_task(esc.number, "会议表决和决定")
    # the date, place and chair come from the preparation
    assert page.input_value("input[name=held_on]")
    page.fill("textarea[name=attendees]", "十个成员单位分管负责人")
    page.select_option("select[name=decision]", "dibao")
    # a decision to include without the monthly amount is refused, nothing saved
    page.fill("textarea[name=decision_text]", "纳入低保。")
    page.fill("textarea[name=minutes]", "会议纪要。")
    page.locator("form.zz-form .zz-actions button[type=submit]").last.click()
    page.get_by_text("请填写每月保障金额").wait_for()  # the form comes back
    assert not Meeting.objects.filter(escalation=esc).exists()
    page.fill("input[name=monthly_amount]", "600")
    staff.submit()

    esc = Escalation.objects.get(pk=esc.pk)
    assert esc.meeting_record.carried
    assert esc.meeting_record.votes.filter(choice="absent").count() == 2

    staff.login("tez_u_union")
    staff.open_task(esc.number, "登记措施落实")
    # the agreed amount and today's date are filled in; the voucher is not
    assert page.input_value("input[name=amount]") == "14200.00"
    assert page.input_value("input[name=given_on]")
    page.fill("input[name=reference]", "TEZ-ZGH-001")
    staff.submit()

    given = Measure.objects.get(escalation=esc, reference="TEZ-ZGH-001")
    assert given.status == Measure.Status.DONE and given.amount == 14200
    staff.login("tez_reviewer")
    page.goto(f"{live_server.url}/escalation/{esc.pk}/")
    assert "14,200.00" in page.content()
