"""The README walkthrough in a real browser: a new application to approval."""

import datetime
import re

import pytest

from tests.factories import set_policy
from workflows.benefits.models import Benefit
from workflows.demo import fast_forward_notice, load_users
from workflows.dibao.models import Application
from workflows.registry.idnumber import make_id_number

from .staff import Staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date.today().isoformat()


def test_new_application_to_approval_in_the_browser(live_server, browser):
    load_users()
    set_policy(spot_check_ratio=0)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    staff = Staff(page, live_server.url)

    staff.login("mz_caseworker")
    assert "我的待办" in page.content()
    page.click("text=新建申请")
    page.wait_for_url("**/apply/")
    page.select_option("select[name=region]", label="孟庄镇 龚庄村")
    page.fill("input[name=address]", "孟庄镇龚庄村二组8号")
    page.select_option("select[name=area]", "rural")
    page.fill("textarea[name=reason]", "丈夫病逝，独自抚养孩子。")
    page.check("input[name=authorization_signed]")
    page.check("input[name=declaration_signed]")
    rows = [
        (
            "韩春梅",
            make_id_number("370402", datetime.date(1985, 3, 3), 222),
            "head",
            "employed",
        ),
        (
            "韩小宝",
            make_id_number("370402", datetime.date(2012, 6, 6), 223),
            "child",
            "student",
        ),
    ]
    for i, (name, number, relation, employment) in enumerate(rows):
        page.fill(f"input[name=members-{i}-name]", name)
        page.fill(f"input[name=members-{i}-id_number]", number)
        page.select_option(f"select[name=members-{i}-relation]", relation)
        page.select_option(f"select[name=members-{i}-employment]", employment)
    page.fill("input[name=incomes-0-member_no]", "1")
    page.select_option("select[name=incomes-0-income_type]", label="工资性收入")
    page.fill("input[name=incomes-0-monthly_amount]", "1000")
    page.click("text=提交申请")
    page.wait_for_url(re.compile(r"/dibao/\d+/$"))
    case = re.search(r"DB\d{4}-\d{6}", page.content()).group(0)
    application = Application.objects.get()
    assert application.number == case

    staff.open_task(case, "受理")
    staff.submit()

    staff.open_task(case, "入户调查")
    page.fill("input[name=visited_on]", TODAY)
    page.select_option("select[name=investigator_2]", label="龚秀英")
    page.fill("input[name=family_present]", "韩春梅")
    page.check("input[name=household_signed]")
    page.fill("textarea[name=living_conditions]", "两间平房。")
    page.fill("textarea[name=findings]", "情况属实。")
    staff.submit()

    staff.open_task(case, "邻里访问")
    page.fill("input[name=visited_on]", TODAY)
    page.fill("input[name=persons_interviewed]", "东邻王某")
    page.fill("textarea[name=findings]", "属实。")
    staff.submit()

    staff.login("szq_reviewer")
    staff.open_task(case, "信息核对")
    page.fill("input[name=report_number]", "HD-1")
    page.fill("input[name=checked_on]", TODAY)
    page.select_option("select[name=result]", "consistent")
    page.fill("textarea[name=findings]", "一致。")
    page.fill("input[name=manual_reason]", "核对机构书面报告")
    staff.submit()

    staff.login("mz_caseworker")
    staff.open_task(case, "收入核算")
    assert "补差" in page.content()  # the explanation, line by line
    page.click("button[name=_confirm]")
    page.wait_for_url(lambda url: "/execute/" not in url)

    staff.open_task(case, "初审意见")
    page.select_option("select[name=proposal]", "include")
    page.fill("textarea[name=reasons]", "人均收入低于标准。")
    staff.submit()

    application.refresh_from_db()
    assert application.stage == "notice"
    fast_forward_notice(application)  # seven days pass

    # whoever recorded the cross-check does not confirm (S1 Art 20)
    staff.login("szq_confirmer")
    staff.open_task(case, "审核确认")
    page.check("input[name=conclusion][value=confirm]")
    page.fill("textarea[name=remarks]", "同意。")
    staff.submit()

    staff.login("szq_supervisor")
    staff.open_task(case, "作出决定")
    page.check("input[name=outcome][value=approve]")
    page.fill("textarea[name=reasons]", "符合条件。")
    staff.submit()

    application.refresh_from_db()
    assert application.stage == "approved"
    # 1000 yuan for 2 people (standard 800): (800 − 500) × 2 = 600 yuan a month
    entry = Benefit.objects.get(case=application)
    assert entry.monthly_amount == 600
    page.goto(f"{live_server.url}/dibao/{application.pk}/")
    content = page.content()
    assert "已批准" in content and "600.00" in content
