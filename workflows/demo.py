"""Demo data: staff for every role and level, households at every step.

Every household is taken through the real 低保 flow by the services, as the
demo staff who hold the posts, so its tasks, deadlines and history are the
ones the system itself writes. Idempotent: a second run changes nothing.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from roles.models import Post, Region, Role
from roles.scope import ancestor_paths

from .core.services import run_task, start_flow
from .dibao import services
from .dibao.flows import DibaoFlow
from .dibao.models import Application, Objection, Opinion, Review
from .registry.idnumber import make_id_number
from .standards.models import IncomeType

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo"


def demo_users():
    return json.loads((DEMO / "users.json").read_text(encoding="utf-8"))


@transaction.atomic
def load_users():
    data = demo_users()
    User = get_user_model()
    created = 0
    for row in data["users"]:
        user, was_created = User.objects.get_or_create(
            username=row["username"],
            defaults={"first_name": row["name"]},
        )
        if was_created:
            user.set_password(data["password"])
            user.save()
            created += 1
        if "unit" in row:  # a member unit's staff: no post, only the unit's group
            from .escalation.models import MemberUnit

            unit = MemberUnit.objects.get(
                district__code=row["district"], kind=row["unit"]
            )
            if not user.groups.filter(pk=unit.group_id).exists():
                user.groups.add(unit.group)
            continue
        Post.objects.get_or_create(
            user=user,
            region=Region.objects.get(code=row["region"]),
            role=Role.objects.get(code=row["role"]),
        )
    admin, was_created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"},
    )
    if was_created:
        admin.set_password(data["password"])
        admin.save()
        created += 1
    # demo passwords are set directly, past the password policy (DEBUG only)
    if settings.DEBUG:
        for username in data["second_factor"]["users"]:
            demo_second_factor(User.objects.get(username=username))
    return created


def demo_second_factor(user):
    """Give a privileged demo login the published demo TOTP secret, so that
    ``make run`` needs no phone (``manage.py demo_otp`` prints its code). A
    known secret is worthless as a second factor: refused with DEBUG off."""
    from django.core.exceptions import ImproperlyConfigured
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not settings.DEBUG:
        raise ImproperlyConfigured("The demo second factor exists only with DEBUG.")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user,
        defaults={
            "name": "演示动态口令",
            "key": demo_users()["second_factor"]["key_hex"],
            "confirmed": True,
        },
    )
    return device


def open_task(case, node):
    return case.task_set.filter(
        flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    ).first()


def user_for(case, role, exclude=None):
    """A demo user whose post covers ``case`` with ``role``, nearest first."""
    User = get_user_model()
    user = (
        User.objects.filter(
            posts__role__code=role,
            posts__is_active=True,
            posts__region__path__in=ancestor_paths(case.region.path),
        )
        .exclude(pk=getattr(exclude, "pk", None))
        .order_by("-posts__region__path", "pk")
        .first()
    )
    if user is None:
        raise LookupError(f"no demo {role} covers {case.region}")
    return user


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


_observer = None


def observe(callback):
    """Route every step of ``drive`` through ``callback(name, run)`` (benchmarks);
    ``None`` stops it."""
    global _observer
    _observer = callback


def _run(name, fn):
    return _observer(name, fn) if _observer is not None else fn()


def step(case, node, user, action):
    return _run(node.name, lambda: _step(case, node, user, action))


def _step(case, node, user, action):
    return run_task(
        task=open_task(case, node), user=user, step=lambda a: action(a.process)
    )


def drive(case, target):
    """Take ``case`` through the flow until it reaches ``target``."""
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
            checked_on=today,
            result="consistent",
            findings="户籍、社保、不动产、车辆、工商、存款等信息与申报一致。",
        ),
    )
    if target == "calculation":
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
        _run("notice", lambda: fast_forward_notice(case, objection))
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


def second_investigator(case, first):
    """The other person of a home visit: someone whose role takes part in
    visits (the village's coordinator first), never ``first``."""
    from roles.grants import people_who_may

    people = [u for u in people_who_may("workflows.visit_case", case) if u != first]
    if not people:
        raise LookupError(f"nobody but {first} may visit in {case.region}")
    coordinators = set(
        Post.objects.active()
        .filter(user__in=people, role__code="village_coordinator")
        .values_list("user_id", flat=True)
    )
    return sorted(people, key=lambda u: (u.pk not in coordinators, u.pk))[0]


def load_households():
    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}
    specs = json.loads((DEMO / "households.json").read_text(encoding="utf-8"))[
        "households"
    ]
    created = 0
    for spec in specs:
        head = spec["members"][0]["name"]
        if Application.objects.filter(
            applicant__name=head, region__code=spec["village"]
        ).exists():
            continue
        if "call" in spec:  # the application answers a hotline call
            from .demo_escalation import call_through

            spec = {**spec, "origin": call_through(spec["call"], "verified")}
        case = apply(spec, users)
        if spec["stage"].startswith("escalation_"):
            from .demo_escalation import escalate

            drive(case, "opinion")
            escalate(Application.objects.get(pk=case.pk), spec["stage"], spec)
        else:
            drive(case, spec["stage"])
        created += 1
    return created
