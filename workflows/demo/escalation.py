"""The escalation part of the demo (提级复审 / 一事一议).

The source article's case is told in full: 李凤琴 calls 台儿庄区's 6612349
about her son's leukemia; 运河街道 verifies; the application is not eligible
on the numbers; the district's leading group meets with ten member units,
votes unanimously to include the household, and five units give ¥122,200.
Everything goes through the services and the flows, as the demo staff.
"""

from decimal import Decimal

from django.utils import timezone
from viewflow.workflow.status import STATUS

from ..core.services import run_task
from ..dibao import services as dibao
from ..dibao.flows import DibaoFlow
from ..dibao.models import Opinion
from ..escalation import services
from ..escalation.flows import EscalationFlow
from ..escalation.models import Escalation, MemberUnit
from ..hotline.models import Call
from .base import open_task, step, user_for
from .dibao import fast_forward_notice
from .hotline import answer

# what each unit of 台儿庄区 stated (the article's five measures, and the rest)
STATEMENTS = {
    "civil_affairs": ("临时救助", "10000"),
    "trade_union": ("困难职工帮扶救助", "14200"),
    "charity": ("慈善救助", "10000"),
    "medical_insurance": ("医疗救助（大病保险报销后再救助）", "28000"),
    "red_cross": ("红十字会专项救助", "60000"),
}
NO_MEASURE = "本单位职责范围内暂无可采取的救助措施，支持纳入低保。"


def _unit_task(case, node, unit):
    for task in case.task_set.filter(
        flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ):
        if (task.data or {}).get("unit") == unit.pk:
            return task
    return None


def _unit_user(unit):
    return unit.group.user_set.order_by("pk").first()


def escalate(case, target, spec):
    """A 低保 application the numbers refuse, raised to the district:
    ``escalation_meeting`` stops with the units' statements in, waiting for
    the meeting; ``escalation_included`` runs to the end."""
    caseworker = user_for(case, "town_caseworker")
    step(
        case,
        DibaoFlow.first_opinion,
        caseworker,
        lambda c: dibao.opinion_give(
            application=c,
            user=caseworker,
            proposal=Opinion.Proposal.ESCALATE,
            reasons=spec["escalation_reason"],
        ),
    )
    esc = Escalation.objects.get(origin=case)
    reviewer = user_for(esc, "district_reviewer")
    units = list(
        MemberUnit.objects.filter(district=esc.region.district, is_active=True)
    )
    run_task(
        task=open_task(esc, EscalationFlow.prepare),
        user=reviewer,
        step=lambda a: services.meeting_prepare(
            escalation=a.process,
            user=reviewer,
            summary=spec["escalation_summary"],
            meeting_date=timezone.localdate(),
            meeting_place="区民政局三楼会议室",
            chair="区政府分管副区长",
            units=units,
        ),
    )
    stated = units if target == "escalation_included" else units[:7]
    for unit in stated:
        measure, amount = STATEMENTS.get(unit.kind, (NO_MEASURE, "0"))
        user = _unit_user(unit)
        if user is None:
            continue
        run_task(
            task=_unit_task(esc, EscalationFlow.state_measures, unit),
            user=user,
            step=lambda a, unit=unit, user=user, measure=measure, amount=amount: (
                services.statement_give(
                    escalation=a.process,
                    unit=unit,
                    user=user,
                    measures=measure,
                    amount=Decimal(amount),
                )
            ),
        )
    if target == "escalation_meeting":
        return esc
    votes = [
        services.UnitVote(
            unit_pk=u.pk,
            choice="for",
            opinion=STATEMENTS.get(u.kind, (NO_MEASURE,))[0],
            measure=STATEMENTS[u.kind][0] if u.kind in STATEMENTS else "",
            amount=Decimal(STATEMENTS[u.kind][1]) if u.kind in STATEMENTS else 0,
        )
        for u in units
    ]
    run_task(
        task=open_task(esc, EscalationFlow.record_meeting),
        user=reviewer,
        step=lambda a: services.meeting_record(
            escalation=a.process,
            user=reviewer,
            held_on=timezone.localdate(),
            place="区民政局三楼会议室",
            chair="区政府分管副区长",
            attendees="区民政局、区总工会、区慈善总会、区医保局、区红十字会等10个成员单位分管领导和科室负责人",
            votes=votes,
            decision="dibao",
            monthly_amount=Decimal(spec["escalation_amount"]),
            decision_text=spec["escalation_decision"],
            minutes=spec["escalation_minutes"],
            common_problem=True,
            common_problem_note="重特大疾病患者家庭人均收入略高于低保标准、但医疗支出巨大，"
            "现行刚性支出扣减不足以覆盖，建议市级研究完善支出型困难家庭认定政策。",
        ),
    )
    # the meeting's decision is published for 7 days (S1 Art 19, 28)
    case.refresh_from_db()
    publisher = open_task(case, DibaoFlow.publish_inclusion).owner or user_for(
        case, "town_caseworker"
    )
    step(
        case,
        DibaoFlow.publish_inclusion,
        publisher,
        lambda c: dibao.inclusion_notice_publish(
            application=c, user=publisher, place=f"{c.region.name}村（居）务公开栏"
        ),
    )
    fast_forward_notice(case)
    supervisor = user_for(case, "district_supervisor")
    case.refresh_from_db()
    step(
        case,
        DibaoFlow.decide,
        supervisor,
        lambda c: dibao.decision_record(
            application=c,
            user=supervisor,
            outcome="approve",
            reasons="经区社会救助领导小组一事一议专题会议集体研究，决定纳入最低生活保障。",
        ),
    )
    today = timezone.localdate()
    for unit in units:
        task = _unit_task(esc, EscalationFlow.record_measure, unit)
        if task is None:
            continue
        user = _unit_user(unit)
        run_task(
            task=task,
            user=user,
            step=lambda a, unit=unit, user=user: services.measure_record(
                escalation=a.process,
                unit=unit,
                user=user,
                amount=Decimal(STATEMENTS[unit.kind][1]),
                given_on=today,
                reference=f"TEZ-{today:%Y%m%d}-{unit.kind}",
            ),
        )
    run_task(
        task=open_task(esc, EscalationFlow.inform),
        user=caseworker,
        step=lambda a: services.inform(
            escalation=a.process,
            user=caseworker,
            informed_on=today,
            note="当面告知李凤琴会议决定和各项救助，家属表示感谢。",
        ),
    )
    if case.origin_id:
        answer(Call.objects.get(pk=case.origin_id))
    return esc
