"""The 低保 part of the demo: applications, and taking one through the flow
to a stage, as the demo staff who hold the posts."""

import datetime
from decimal import Decimal

from django.utils import timezone
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from roles.models import Region

from ..core.services import start_flow
from ..dibao import services
from ..dibao.flows import DibaoFlow
from ..dibao.models import Application, Objection, Opinion, Review
from ..registry.idnumber import make_id_number
from ..standards.models import IncomeType
from .base import open_task, second_investigator, user_for
from .base import step as base_step


def _as_is(name, fn):
    return fn()


def fast_forward_notice(case, objection=None):
    """Let the 7-day notice of ``case`` run out now (demo/testing only).

    Moves the notice back so that it ended yesterday, records ``objection``
    (a dict) as received during it, and fires the due timer.
    """
    with DibaoFlow.lock(case.pk):  # the case lock, as every task writer takes it
        notice = case.notices.filter(ended=False).latest("pk")
        today = timezone.localdate()
        notice.starts_on = today - datetime.timedelta(days=7)
        notice.ends_on = today - datetime.timedelta(days=1)
        notice.save()
        if objection:
            Objection.objects.create(
                application=case,
                notice=notice,
                received_on=notice.starts_on + datetime.timedelta(days=2),
                **objection,
            )
        timer = (
            open_task(case, DibaoFlow.notice)
            or case.task_set.filter(
                flow_task=DibaoFlow.notice, status=STATUS.SCHEDULED
            ).first()
        )
        timer.scheduled = timezone.now() - datetime.timedelta(seconds=1)
        timer.save(update_fields=["scheduled"])
    fire_due_timers()
    case.refresh_from_db()


def _member_data(row, index, district_code):
    born = datetime.date.fromisoformat(row["born"])
    seq = 100 + index * 2 + (1 if row["sex"] == "M" else 0)
    return services.MemberData(
        name=row["name"],
        id_number=row.get("id_number") or make_id_number(district_code, born, seq),
        relation=row["relation"],
        employment=row["employment"],
        disability_grade=row.get("disability_grade", 0),
        disability_kind=row.get("disability_kind", ""),
        major_illness=row.get("major_illness", False),
        illness_note=row.get("illness_note", ""),
    )


def apply(spec, users):
    region = Region.objects.get(code=spec["village"])
    district = region.district.code
    types = {t.code: t for t in IncomeType.objects.all()}
    data = services.ApplicationData(
        region=region,
        address=spec["address"],
        area=spec["area"],
        channel=spec["channel"],
        reason=spec["reason"],
        members=[_member_data(m, i, district) for i, m in enumerate(spec["members"])],
        incomes=[
            services.IncomeData(i, types[code], Decimal(amount))
            for i, code, amount in spec["incomes"]
        ],
        deductions=[
            services.DeductionData(
                row[0], row[1], Decimal(row[2]), row[3] if len(row) > 3 else ""
            )
            for row in spec["deductions"]
        ],
        assets=[
            services.AssetData(kind, Decimal(value), qty, exempt, note)
            for kind, value, qty, exempt, note in spec["assets"]
        ],
        proxy_name=spec.get("proxy_name", ""),
        proxy_relation=spec.get("proxy_relation", ""),
        entrustment_recorded=spec["channel"] == "proxy",
        authorization_signed=True,
        declaration_signed=True,
        origin=spec.get("origin"),
    )
    submitter = users[spec["submitted_by"]]
    process = start_flow(
        node=DibaoFlow.apply,
        user=submitter,
        step=lambda a: services.application_submit(
            application=a.process, user=submitter, data=data
        ),
    )
    return Application.objects.get(pk=process.pk)


def drive(case, target, *, observer=None):
    """Take ``case`` through the flow until it reaches ``target``; each step
    goes through ``observer(name, run)`` when given (the benchmark times
    them)."""
    run = observer or _as_is

    def step(case, node, user, action):  # every step through the observer
        return run(node.name, lambda: base_step(case, node, user, action))

    if target == "acceptance":
        return
    caseworker = user_for(case, "town_caseworker")
    if target == "awaiting_materials":
        step(
            case,
            DibaoFlow.accept,
            caseworker,
            lambda c: services.application_accept(
                application=c,
                user=caseworker,
                missing_items="户口簿复印件\n近三个月医疗费用票据",
            ),
        )
        return
    step(
        case,
        DibaoFlow.accept,
        caseworker,
        lambda c: services.application_accept(application=c, user=caseworker),
    )
    second = second_investigator(case, caseworker)
    today = timezone.localdate()
    step(
        case,
        DibaoFlow.home_visit,
        caseworker,
        lambda c: services.home_visit_record(
            application=c,
            user=caseworker,
            visited_on=today,
            method="in_person",
            remote_reason="",
            investigator_1=caseworker,
            investigator_2=second,
            family_present=c.applicant.name,
            household_signed=True,
            living_conditions="住房简陋，家用电器陈旧，家庭成员情况与申报一致。",
            findings="家庭生活困难情况属实。",
        ),
    )
    if target == "investigation":
        return
    step(
        case,
        DibaoFlow.neighbour_visit,
        caseworker,
        lambda c: services.neighbour_visit_record(
            application=c,
            user=caseworker,
            visited_on=today,
            persons_interviewed="左右邻居两户、村（居）委会主任",
            findings="邻居反映该户生活确有困难，未发现隐瞒收入情况。",
        ),
    )
    reviewer = user_for(case, "district_reviewer")
    step(
        case,
        DibaoFlow.cross_check,
        reviewer,
        lambda c: services.crosscheck_record(
            application=c,
            user=reviewer,
            report_number=f"HD{today:%Y%m%d}{c.pk:04d}",
            manual_reason="区（市）核对机构出具的书面核对报告",
            checked_on=today,
            result="discrepant" if target == "recheck" else "consistent",
            findings="核对发现申请人名下登记机动车一辆，申报时未填报。"
            if target == "recheck"
            else "户籍、社保、不动产、车辆、工商、存款等信息与申报一致。",
        ),
    )
    if target in ("calculation", "recheck"):
        return
    step(
        case,
        DibaoFlow.calculate,
        caseworker,
        lambda c: services.income_assess(application=c, user=caseworker),
    )
    case.refresh_from_db()
    if target == "opinion":
        return
    outcome = case.current_assessment.outcome
    if target == "approved_single":
        candidate = case.current_assessment.result["single_candidates"][0]["member"]
        member = case.household.members.get(pk=candidate)
        proposal = dict(
            proposal=Opinion.Proposal.INCLUDE_SINGLE,
            single_member=member,
            reasons="低保边缘家庭，户主一级肢体残疾，符合单人保条件。",
        )
    elif outcome == "eligible":
        proposal = dict(
            proposal=Opinion.Proposal.INCLUDE,
            reasons="家庭人均收入低于当地低保标准，财产状况符合规定。",
        )
    else:
        proposal = dict(
            proposal=Opinion.Proposal.REJECT, reasons="家庭人均收入高于当地低保标准。"
        )
    step(
        case,
        DibaoFlow.first_opinion,
        caseworker,
        lambda c: services.opinion_give(
            application=c,
            user=caseworker,
            notice_place=f"{c.region.name}村（居）务公开栏",
            **proposal,
        ),
    )
    case.refresh_from_db()
    if target == "notice":
        return
    if case.notices.filter(ended=False).exists():
        objection = None
        if target == "objection":
            objection = dict(
                objector="",
                recorded_by=caseworker,
                content="反映申请人有亲属经营门店，可能有未申报的经营收入。",
            )
        run("notice", lambda: fast_forward_notice(case, objection))
    if target == "objection":
        return
    supervisor = user_for(case, "district_supervisor")
    if target == "review":
        return
    approve = target in ("approved", "approved_single")  # else: a rejection
    # whoever recorded the cross-check took part in the investigation and
    # does not confirm the case (S1 Art 20): another reviewer of the district
    reviewer = user_for(case, "district_reviewer", exclude=reviewer)
    step(
        case,
        DibaoFlow.review,
        reviewer,
        lambda c: services.review_record(
            application=c,
            user=reviewer,
            conclusion=Review.Conclusion.CONFIRM
            if approve
            else Review.Conclusion.DISAGREE,
            remarks="材料齐全，调查属实。"
            if approve
            else "家庭人均收入高于标准，不符合条件。",
            visited_on=today if c.home_visit_reasons else None,
            visit_findings="入户核查情况与调查结论一致。"
            if c.home_visit_reasons
            else "",
        ),
    )
    if target == "decision":
        return
    step(
        case,
        DibaoFlow.decide,
        supervisor,
        lambda c: services.decision_record(
            application=c,
            user=supervisor,
            outcome="approve" if approve else "reject",
            reasons="经审核确认，符合最低生活保障条件。"
            if approve
            else "经审核确认，家庭人均收入高于当地最低生活保障标准，不符合条件。",
        ),
    )
    if target == "delivery":
        return
    if target == "rejected":
        step(
            case,
            DibaoFlow.deliver_rejection,
            caseworker,
            lambda c: services.rejection_deliver(
                application=c, user=caseworker, delivered_on=today, method="当面送达"
            ),
        )
