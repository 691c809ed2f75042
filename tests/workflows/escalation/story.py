"""The people of 台儿庄区 and the steps of a hotline call and an escalation,
driven over HTTP as the staff and the member units would."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from roles.models import Region
from tests.factories import StaffFactory, apply_post_data, member_row, set_policy
from workflows.dibao.flows import DibaoFlow
from workflows.escalation.flows import EscalationFlow
from workflows.escalation.models import Escalation, MemberUnit
from workflows.hotline.flows import HotlineFlow
from workflows.hotline.models import Call

from ..dibao.desk import OPEN, Desk, _errors, formset_data, income_type, task_url

DISTRICT = "370405"  # 台儿庄区
TOWN = "370405001"  # 运河街道
VILLAGE = "370405001001"  # 箭道街社区
OTHER_VILLAGE = "370405001002"  # 顺河街社区

# the article's five measures (区民政局临时救助 … 区红十字会专项救助)
ARTICLE_MEASURES = {
    "civil_affairs": ("临时救助", Decimal("10000")),
    "trade_union": ("困难职工帮扶救助", Decimal("14200")),
    "charity": ("慈善救助", Decimal("10000")),
    "medical_insurance": ("医疗救助", Decimal("28000")),
    "red_cross": ("红十字专项救助", Decimal("60000")),
}


def start_url(page, label):
    """The URL of the button ``label`` a case page offers to start a case
    from it (``followup_starts``)."""
    starts = dict((str(text), url) for text, url in page.context["starts"])
    assert label in starts, starts
    return starts[label]


def today():
    return timezone.localdate().isoformat()


@dataclass
class People:
    operator: object
    caseworker: object
    caseworker2: object
    town_supervisor: object
    reviewer: object
    checker: object  # another district reviewer, who records the cross-check
    district_supervisor: object
    units: dict = field(default_factory=dict)  # kind -> (unit, user)
    outsider_unit_user: object = None

    def unit_user(self, kind):
        return self.units[kind][1]


@pytest.fixture
def people(staff):
    set_policy(DISTRICT, spot_check_ratio=0, escalation_quorum=5)
    units = {}
    for unit in MemberUnit.objects.filter(district__code=DISTRICT):
        user = StaffFactory()
        user.save()
        user.groups.add(unit.group)
        units[unit.kind] = (unit, user)
    other = MemberUnit.objects.filter(district__code="370402").first()
    outsider = StaffFactory()
    outsider.save()
    outsider.groups.add(other.group)
    return People(
        operator=staff("hotline_operator", DISTRICT),
        caseworker=staff("town_caseworker", TOWN),
        caseworker2=staff("town_caseworker", TOWN),
        town_supervisor=staff("town_supervisor", TOWN),
        reviewer=staff("district_reviewer", DISTRICT),
        checker=staff("district_reviewer", DISTRICT),
        district_supervisor=staff("district_supervisor", DISTRICT),
        units=units,
        outsider_unit_user=outsider,
    )


def open_task(case, node, unit=None):
    tasks = case.task_set.filter(flow_task=node, status__in=OPEN)
    if unit is not None:
        tasks = [t for t in tasks if (t.data or {}).get("unit") == unit.pk]
        return tasks[0] if tasks else None
    return tasks.first()


def work(user, case, node, data, unit=None, expect=302):
    """Take the step's task (the unit's own, for a unit step) and submit it."""
    desk = Desk(user)
    task = open_task(case, node, unit)
    assert task is not None, f"no open {node.name} task"
    if task.owner_id is None:
        response = desk.post(task_url(task, "assign"))
        assert response.status_code == 302, (node.name, response.status_code)
    response = desk.post(task_url(task, "execute"), data)
    assert response.status_code == expect, _errors(response)
    return response


# --- the hotline ----------------------------------------------------------------


def register_call(p, **extra):
    desk = Desk(p.operator)
    url = HotlineFlow.register.reverse("execute")
    assert desk.get(url).status_code == 200
    data = {
        "line": "district",
        "caller_name": "李凤琴",
        "caller_phone": "13800000000",
        "caller_relation": "母亲",
        "subject_name": "徐浩然",
        "address": "运河街道箭道街社区二号楼301",
        "region": Region.objects.get(code=VILLAGE).pk,
        "topic": "medical",
        "request": "儿子患白血病，医疗费用支出巨大，生活困难，申请救助。",
        "urgency": "urgent",
    }
    data.update(extra)
    before = set(Call.objects.values_list("pk", flat=True))
    response = desk.post(url, data)
    assert response.status_code == 302, _errors(response)
    return Call.objects.exclude(pk__in=before).get()


def dispatch(p, call, village=VILLAGE):
    work(
        p.operator,
        call,
        HotlineFlow.dispatch,
        {"region": Region.objects.get(code=village).pk, "note": "请入户核实。"},
    )


def verify(p, call):
    work(
        p.caseworker,
        call,
        HotlineFlow.verify,
        {
            "visited_on": today(),
            "investigator_1": p.caseworker.pk,
            "investigator_2": p.caseworker2.pk,
            "findings": "徐浩然患急性白血病，住院治疗，自付费用高，情况属实。",
            "verdict": "true",
        },
    )


def answer(p, call):
    work(
        p.operator,
        call,
        HotlineFlow.answer,
        {
            "answered_on": today(),
            "answer": "已告知核实情况和办理进度。",
            "satisfaction": "satisfied",
        },
    )


# --- the 低保 application the call led to -------------------------------------------


def apply_from_call(p, call):
    """The town starts the application from the call's page (linked)."""
    desk = Desk(p.caseworker)
    page = desk.get(HotlineFlow.instance.reverse("process_detail", args=[call.pk]))
    url = start_url(page, "发起低保申请")
    assert url and f"origin={call.pk}" in url
    assert desk.get(url).status_code == 200
    members = [
        member_row("李凤琴", male=False, employment="employed"),
        member_row("徐建军", relation="spouse", employment="employed"),
        member_row(
            "徐浩然",
            relation="child",
            born=datetime.date(2003, 2, 14),
            employment="unemployed",
            major_illness="on",
            illness_note="急性白血病",
        ),
    ]
    data = apply_post_data(
        Region.objects.get(code=VILLAGE),
        members,
        incomes=[
            {
                "member_no": 1,
                "income_type": income_type("wage"),
                "monthly_amount": "3000",
            },
            {
                "member_no": 2,
                "income_type": income_type("wage"),
                "monthly_amount": "2500",
            },
        ],
        area="urban",
    )
    from workflows.dibao.models import Application

    before = set(Application.objects.values_list("pk", flat=True))
    response = desk.post(url, data)
    assert response.status_code == 302, _errors(response)
    return Application.objects.exclude(pk__in=before).get()


def to_calculation(p, case):
    """Acceptance, investigation, cross-check and calculation, as staff do."""
    work(p.caseworker, case, DibaoFlow.accept, {"complete": "yes", "missing_items": ""})
    work(
        p.caseworker,
        case,
        DibaoFlow.home_visit,
        {
            "visited_on": today(),
            "method": "in_person",
            "investigator_1": p.caseworker.pk,
            "investigator_2": p.caseworker2.pk,
            "family_present": "李凤琴",
            "household_signed": "on",
            "living_conditions": "住房一套，儿子长期住院。",
            "findings": "收入情况属实，医疗支出巨大。",
        },
    )
    work(
        p.caseworker,
        case,
        DibaoFlow.neighbour_visit,
        {"visited_on": today(), "persons_interviewed": "邻居两户", "findings": "属实"},
    )
    work(
        p.checker,
        case,
        DibaoFlow.cross_check,
        {
            "report_number": "HD-TEZ-1",
            "manual_reason": "核对机构出具的书面报告",
            "checked_on": today(),
            "result": "consistent",
            "findings": "一致",
        },
    )
    desk = Desk(p.caseworker)
    task = open_task(case, DibaoFlow.calculate)
    if task.owner_id is None:
        desk.post(task_url(task, "assign"))
    page = desk.get(task_url(task, "execute"))
    data = {}
    for formset in page.context["formsets"].values():
        data.update(formset_data(formset))
    data["_confirm"] = "1"
    work(p.caseworker, case, DibaoFlow.calculate, data)
    case.refresh_from_db()
    return case.current_assessment


def propose_escalation(p, case, expect=302):
    return work(
        p.caseworker,
        case,
        DibaoFlow.first_opinion,
        {
            "proposal": "escalate",
            "reasons": "按现行规定不符合条件，但儿子患白血病，家庭确有困难。",
        },
        expect=expect,
    )


# --- the escalation -------------------------------------------------------------


def escalation_of(case):
    return Escalation.objects.get(origin=case)


def prepare(p, esc, kinds=None, expect=302):
    units = MemberUnit.objects.filter(district__code=DISTRICT)
    if kinds is not None:
        units = units.filter(kind__in=kinds)
    return work(
        p.reviewer,
        esc,
        EscalationFlow.prepare,
        {
            "summary": "李凤琴家三口人，儿子徐浩然患急性白血病。",
            "meeting_date": today(),
            "meeting_place": "区民政局三楼会议室",
            "chair": "区政府分管副区长",
            "units": [u.pk for u in units],
        },
        expect=expect,
    )


def state(p, esc, kind, measures=None, amount="0", expect=302):
    unit, user = p.units[kind]
    default = ARTICLE_MEASURES.get(kind, ("本单位职责范围内暂无可采取的措施", "0"))
    return work(
        user,
        esc,
        EscalationFlow.state_measures,
        {
            "measures": measures or default[0],
            "amount": str(amount if measures else default[1]),
        },
        unit=unit,
        expect=expect,
    )


def meeting_data(
    p, esc, choices=None, decision="dibao", monthly_amount="1800", **extra
):
    """The meeting page as shown (one row per invited unit), with votes."""
    desk = Desk(p.reviewer)
    task = open_task(esc, EscalationFlow.record_meeting)
    if task.owner_id is None:
        desk.post(task_url(task, "assign"))
    page = desk.get(task_url(task, "execute"))
    assert page.status_code == 200
    formset = page.context["formset"]
    data = formset_data(formset)
    by_pk = {u.pk: kind for kind, (u, _) in p.units.items()}
    for i, form in enumerate(formset.forms):
        kind = by_pk[form.initial["unit"]]
        choice = (choices or {}).get(kind, "for")
        data[f"votes-{i}-choice"] = choice
    data.update(
        {
            "held_on": today(),
            "place": "区民政局三楼会议室",
            "chair": "区政府分管副区长",
            "attendees": "十个成员单位分管领导和科室负责人",
            "decision": decision,
            "monthly_amount": monthly_amount,
            "decision_text": "同意将徐浩然家庭纳入低保，各单位按议定措施救助。",
            "minutes": "会议听取了情况汇报，成员单位介绍了救助政策，一致表决通过。",
        }
    )
    data.update(extra)
    return data


def record_meeting(p, esc, data, expect=302):
    return work(p.reviewer, esc, EscalationFlow.record_meeting, data, expect=expect)


def carry_out(p, esc, kind, amount=None, expect=302):
    unit, user = p.units[kind]
    amount = amount if amount is not None else ARTICLE_MEASURES[kind][1]
    return work(
        user,
        esc,
        EscalationFlow.record_measure,
        {"amount": str(amount), "given_on": today(), "reference": f"PZ-{kind}"},
        unit=unit,
        expect=expect,
    )


def inform(p, esc):
    work(
        p.caseworker,
        esc,
        EscalationFlow.inform,
        {"informed_on": today(), "note": "当面告知李凤琴会议决定和各项救助。"},
    )
