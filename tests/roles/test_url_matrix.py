"""Every URL that takes an object id, for users outside and inside its scope.

The URL resolver is enumerated, so a new URL with an id is covered without
anyone remembering to add it: the test fails if it cannot build one.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from roles.models import CaseGrant, Lockout
from tests.factories import (
    StaffFactory,
    login_with_second_factor,
    one_person_spec,
    set_policy,
)
from workflows import demo
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

pytestmark = pytest.mark.django_db

ID_KWARG = re.compile(r"<(?:(?:int|uuid):)?(\w+_pk|pk|object_id)>")
SKIP_NAMESPACES = {"admin"}  # the admin has its own (staff-only) rule


def id_patterns():
    """(route, namespaces, pattern) for every URL with an id keyword."""
    found = []

    def walk(patterns, prefix, namespaces):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                ns = namespaces + ([p.namespace] if p.namespace else [])
                if SKIP_NAMESPACES.intersection(ns):
                    continue
                walk(p.url_patterns, prefix + route, ns)
            elif isinstance(p, URLPattern) and ID_KWARG.search(prefix + route):
                found.append((prefix + route, namespaces, p))

    walk(get_resolver().url_patterns, "", [])
    return found


def cases_at_every_step(cast):
    """Cases of 龚庄村 holding a task of every node, and their ids."""
    users = {"caseworker": cast.caseworker}
    cases = []
    for stage in ("approved", "rejected", "objection", "awaiting_materials", "recheck"):
        spec = one_person_spec(
            f"户主{stage}", len(cases), "5000.00" if stage == "rejected" else None
        )
        case = demo.apply(spec, users)
        demo.drive(Application.objects.get(pk=case.pk), stage)
        case = Application.objects.get(pk=case.pk)
        if stage == "objection":  # on through the objection's routing gateway
            demo.step(
                case,
                DibaoFlow.handle_objection,
                cast.caseworker,
                lambda c: services.objection_handle(
                    application=c,
                    user=cast.caseworker,
                    handling="community_review",
                    result="属实",
                ),
            )
        cases.append(case)
    return cases


def flow_cases(cast, staff):
    """Hotline calls and escalations of 龚庄村 holding a task of every node of
    their flows (and the 低保 cases they came from): prefix → cases."""
    from django.utils import timezone

    from tests.factories import StaffFactory
    from workflows.core.services import run_task, start_flow
    from workflows.demo import call_through, open_task
    from workflows.escalation import services as esc_services
    from workflows.escalation.flows import EscalationFlow
    from workflows.escalation.models import Escalation, MemberUnit

    set_policy("370402", escalation_quorum=2)
    staff("hotline_operator", "370402")
    units = list(MemberUnit.objects.filter(district__code="370402")[:3])
    for unit in units:
        member = StaffFactory()
        member.save()
        member.groups.add(unit.group)
    call = {
        "village": "370402106201",
        "line": "12349",
        "caller_name": "来电人",
        "caller_phone": "1",
        "caller_relation": "本人",
        "subject_name": "当事人",
        "address": "龚庄村",
        "topic": "temporary",
        "request": "求助",
        "urgency": "normal",
    }
    calls = [
        call_through({**call, "caller_phone": str(i)}, stage)
        for i, stage in enumerate(("dispatch", "verification", "verified", "answered"))
    ]
    today = timezone.localdate()

    def refer(level, **source):
        process = start_flow(
            node=EscalationFlow.refer,
            user=cast.caseworker,
            step=lambda a: esc_services.escalation_refer(
                escalation=a.process,
                user=cast.caseworker,
                level=level,
                hardship="困难",
                referral_reason="理由",
                **source,
            ),
        )
        return Escalation.objects.get(pk=process.pk)

    def step(esc, node, user, action):
        run_task(task=open_task(esc, node), user=user, step=lambda a: action(a.process))

    def prepare(esc):
        step(
            esc,
            EscalationFlow.prepare,
            cast.reviewer,
            lambda e: esc_services.meeting_prepare(
                escalation=e,
                user=cast.reviewer,
                summary="汇报",
                meeting_date=today,
                meeting_place="会议室",
                chair="主持人",
                units=units,
            ),
        )

    def state(esc, unit):
        member = unit.group.user_set.first()
        task = next(
            t
            for t in esc.task_set.filter(flow_task=EscalationFlow.state_measures)
            if t.data["unit"] == unit.pk and t.status in ("NEW", "ASSIGNED")
        )
        run_task(
            task=task,
            user=member,
            step=lambda a: esc_services.statement_give(
                escalation=a.process,
                unit=unit,
                user=member,
                measures="救助",
                amount=1000,
            ),
        )

    def escalate_application(case):
        demo.step(
            case,
            DibaoFlow.first_opinion,
            cast.caseworker,
            lambda c: services.opinion_give(
                application=c, user=cast.caseworker, proposal="escalate", reasons="困难"
            ),
        )
        return Escalation.objects.get(origin=case)

    applications = []
    for n in range(3):
        spec = one_person_spec(f"提级{n}", 10 + n, "5000.00")
        case = demo.apply(spec, {"caseworker": cast.caseworker})
        demo.drive(Application.objects.get(pk=case.pk), "opinion")
        applications.append(Application.objects.get(pk=case.pk))
    # E1: met and decided (measures to record, the household to inform); its
    # application went back to a first opinion
    e1 = escalate_application(applications[0])
    prepare(e1)
    for unit in units:
        state(e1, unit)
    step(
        e1,
        EscalationFlow.record_meeting,
        cast.reviewer,
        lambda e: esc_services.meeting_record(
            escalation=e,
            user=cast.reviewer,
            held_on=today,
            place="会议室",
            chair="主持人",
            attendees="各单位",
            votes=[
                esc_services.UnitVote(u.pk, "for", "同意", "救助", 1000) for u in units
            ],
            decision="measures",
            monthly_amount=0,
            decision_text="给予救助",
            minutes="纪要",
        ),
    )
    # E6: the meeting included the household: its application publishes the
    # decision (公示一事一议纳入决定)
    e6 = escalate_application(applications[2])
    prepare(e6)
    for unit in units:
        state(e6, unit)
    step(
        e6,
        EscalationFlow.record_meeting,
        cast.reviewer,
        lambda e: esc_services.meeting_record(
            escalation=e,
            user=cast.reviewer,
            held_on=today,
            place="会议室",
            chair="主持人",
            attendees="各单位",
            votes=[esc_services.UnitVote(u.pk, "for", "同意", "", 0) for u in units],
            decision="dibao",
            monthly_amount=1000,
            decision_text="纳入低保",
            minutes="纪要",
        ),
    )
    # E2: prepared, one unit has stated, the meeting pending; its application waits
    e2 = escalate_application(applications[1])
    prepare(e2)
    state(e2, units[0])
    # E3: just referred from a call (to prepare); E4 the town handles; E5 done
    e3 = refer("district", source=calls[2])
    e4 = refer("town", source=calls[1])
    e5 = refer("town", source=calls[0])
    step(
        e5,
        EscalationFlow.handle_locally,
        cast.town_supervisor,
        lambda e: esc_services.handle_locally(
            escalation=e, user=cast.town_supervisor, decision="临时救助", measures=[]
        ),
    )
    step(
        e5,
        EscalationFlow.inform,
        cast.caseworker,
        lambda e: esc_services.inform(
            escalation=e, user=cast.caseworker, informed_on=today, note="已告知"
        ),
    )
    # an alert of 龚庄村 at its verification
    from roles.models import Region
    from workflows.alerts.flows import AlertFlow
    from workflows.registry.models import Household

    village = Region.objects.get(code="370402106201")
    household = Household.objects.create(region=village, address="龚庄村", area="rural")
    alert = AlertFlow.raised.run(
        region=village,
        household=household,
        rule="vehicle",
        source="vehicle",
        fact_key="u" * 64,
    )
    # and one verified and closed (dismissed with a reason)
    from workflows.alerts.models import Alert
    from workflows.alerts.services import alert_verify

    closed = AlertFlow.raised.run(
        region=village,
        household=household,
        rule="vehicle",
        source="vehicle",
        fact_key="v" * 64,
    )
    run_task(
        task=closed.task_set.get(flow_task=AlertFlow.verify),
        user=cast.caseworker,
        step=lambda activation: alert_verify(
            alert=Alert.objects.get(pk=activation.process.pk),
            user=cast.caseworker,
            verified_on=today,
            findings="核查属实",
            outcome="dismiss",
            reason="残疾人功能性补偿代步车",
        ),
    )
    return {
        "dibao/": applications,
        "hotline/": calls,
        "escalation/": [e1, e2, e3, e4, e5, e6],
        "review/": review_cases(cast, applications),
        "alert/": [alert, closed],
    }


def review_cases(cast, applications):
    """Reviews of 龚庄村 benefits holding a task of every node: a gradual
    exit stopped by its timer, a household not cooperating, a continuation."""
    from decimal import Decimal

    from viewflow.workflow.timers import fire_due_timers

    from workflows.benefits.services import benefit_grant
    from workflows.core.services import run_task
    from workflows.reviews import decision as rd
    from workflows.reviews import services as rs
    from workflows.reviews.flows import ReviewFlow

    today = timezone.localdate()
    benefits = [
        benefit_grant(
            case=a,
            persons=1,
            monthly_amount=Decimal("500.00"),
            start_month=today.replace(day=1),
            legal_basis="测试",
        )
        for a in applications[:3]
    ]

    def step(review, node, user, fn, **values):
        task = review.task_set.filter(
            flow_task=node, status__in=("NEW", "ASSIGNED", "STARTED")
        ).first()
        run_task(
            task=task,
            user=user,
            step=lambda a: fn(review=a.process, user=user, **values),
        )

    def through(review, outcome, **decision):
        step(
            review,
            ReviewFlow.investigate,
            cast.caseworker,
            rs.review_investigate,
            cooperated=True,
            visited_on=today,
            investigator_1=cast.caseworker,
            investigator_2=cast.coordinator,
            findings="核查",
        )
        step(
            review,
            ReviewFlow.propose,
            cast.caseworker,
            rd.review_propose,
            proposal=outcome,
            reasons="意见",
        )
        step(
            review,
            ReviewFlow.decide,
            cast.district_supervisor,
            rd.review_decide,
            outcome=outcome,
            reasons="决定",
            **decision,
        )
        step(
            review,
            ReviewFlow.deliver,
            cast.caseworker,
            rd.review_deliver,
            delivered_on=today,
        )

    reviews = [
        rs.review_open(benefit=b, trigger="periodic", reason="定期", user=None)
        for b in benefits
    ]
    through(reviews[0], "gradual_exit", exit_months=1)
    timer = reviews[0].task_set.get(flow_task=ReviewFlow.exit_period)
    timer.scheduled = timezone.now() - datetime.timedelta(seconds=1)
    timer.save()
    fire_due_timers()
    step(
        reviews[1],
        ReviewFlow.investigate,
        cast.caseworker,
        rs.review_investigate,
        cooperated=False,
        notice_on=today,
    )
    step(
        reviews[1],
        ReviewFlow.await_report,
        cast.caseworker,
        rs.review_await,
        reported=False,
        on=today,
    )
    through(reviews[2], "continue")
    return reviews


FLOWS = {}


def locked_out(user):
    """A login lockout of ``user``, as django-axes' signal records it."""
    now = timezone.now()
    return Lockout.objects.create(
        kind=Lockout.Kind.ACCOUNT,
        username=user.username,
        user=user,
        ip_address="10.0.0.1",
        failures=5,
        until=now + datetime.timedelta(minutes=30),
    )


def started_job(user):
    """A finished background job ``user`` started (tests/jobs/kinds.py)."""
    from tests.jobs.kinds import allow
    from workflows.jobs.services import job_start

    return job_start(kind="tests.notify", user=allow(user), params={"steps": 1})


def previewed_import(user):
    """An import ``user`` uploaded (checked, not yet confirmed)."""
    from tests.workflows.dataio.conftest import in_format, member_file
    from workflows.dataio.services import import_preview

    data, filename = in_format(member_file(2)[0], "xlsx")
    return import_preview(
        user=user, kind="registry.households", data=data, filename=filename
    )


def _flow_of(route):
    if not FLOWS:
        from workflows.alerts.flows import AlertFlow
        from workflows.escalation.flows import EscalationFlow
        from workflows.hotline.flows import HotlineFlow
        from workflows.reviews.flows import ReviewFlow

        FLOWS.update(
            {
                "alert/": AlertFlow,
                "dibao/": DibaoFlow,
                "hotline/": HotlineFlow,
                "escalation/": EscalationFlow,
                "review/": ReviewFlow,
            }
        )
    for prefix, flow_class in FLOWS.items():
        if route.startswith(prefix):
            return prefix, flow_class
    return None, DibaoFlow


def standard_raise_of(user):
    """A standard raise of the district of 龚庄村 (its record only)."""
    from workflows.benefits.models import StandardRaise
    from workflows.standards.models import AssistanceStandard

    standard = AssistanceStandard.objects.filter(district__code="370402").first()
    return StandardRaise.objects.create(standard=standard, started_by=user)


def build_url(
    route,
    cases,
    cast,
    grant,
    more=None,
    lockout=None,
    job=None,
    run=None,
    raise_run=None,
):
    """Fill the route's ids with objects of 龚庄村 (region A). ``more`` adds
    the cases of the other flows (``flow_cases``), by URL prefix; ``lockout``
    is a login lockout of someone working there; ``job`` a background job the
    caseworker started; ``raise_run`` a standard raise of the district."""
    node_name = None
    m = re.search(r"<int:process_pk>/(\w+)/<int:task_pk>", route)
    if m:
        node_name = m.group(1)
    prefix, flow_class = _flow_of(route)
    if prefix in (more or {}):
        cases = (more[prefix] + cases) if prefix == "dibao/" else more[prefix]
    values = {}
    for name in ID_KWARG.findall(route):
        if name in ("process_pk", "case_pk"):
            values[name] = cases[0].pk
        elif name == "task_pk":
            task = None
            for case in cases:
                task = case.task_set.filter(
                    flow_task=getattr(flow_class, node_name)
                ).first()
                if task:
                    values["process_pk"] = case.pk
                    break
            if task is None:
                return None
            values[name] = task.pk
        elif name == "member_pk":
            values[name] = cases[0].applicant_id
        elif name == "person_pk":
            values[name] = cast.caseworker.pk
        elif name == "grant_pk":
            values[name] = grant.pk
        elif name == "lockout_pk" and lockout is not None:
            values[name] = lockout.pk
        elif name == "job_pk" and job is not None:
            values[name] = job.pk
        elif name == "run_pk" and run is not None:
            values[name] = run.pk
        elif name == "household_pk":
            values[name] = cases[0].household_id
        elif name == "raise_pk" and raise_run is not None:
            values[name] = raise_run.pk
        else:
            return None
    url = "/" + route.replace("<str:fmt>", "csv")
    for name, value in values.items():
        url = re.sub(rf"<(?:(?:int|uuid):)?{name}>", str(value), url)
    return url


def test_every_id_url_is_hidden_outside_its_scope(cast, staff):
    cases = cases_at_every_step(cast)
    more = flow_cases(cast, staff)
    auditor = staff("auditor", "370404")
    grant = CaseGrant.objects.create(
        user=auditor,
        permission=Permission.objects.get(codename="view_application"),
        content_object=cases[0],
        reason="审计",
        granted_by=cast.district_supervisor,
    )
    no_post = StaffFactory()
    no_post.save()
    superuser = StaffFactory(is_superuser=True)
    superuser.save()
    no_post.user_permissions.set(Permission.objects.all())
    lockout = locked_out(cast.caseworker)
    job = started_job(cast.caseworker)
    run = previewed_import(cast.caseworker)
    raise_run = standard_raise_of(cast.district_supervisor)
    outsiders = {
        "sibling village coordinator": cast.other_village_coordinator,
        "sibling town caseworker": cast.other_town_caseworker,
        "sibling district reviewer": cast.other_district_reviewer,
        "sibling district supervisor": staff("district_supervisor", "370404"),
        "all model permissions, no post": no_post,
    }
    insiders = [
        cast.caseworker,
        cast.town_supervisor,
        cast.district_supervisor,
        cast.reviewer,
    ]
    patterns = id_patterns()
    assert len(patterns) > 20
    unbuilt, leaks, hidden_from_insiders = [], [], []
    clients = {}

    def client(user):
        if user.pk not in clients:
            clients[user.pk] = Client()
            if user.is_superuser:
                login_with_second_factor(clients[user.pk], user)
            else:
                clients[user.pk].force_login(user)
        return clients[user.pk]

    for route, _ns, _pattern in patterns:
        url = build_url(route, cases, cast, grant, more, lockout, job, run, raise_run)
        if url is None:
            unbuilt.append(route)
            continue
        insiders_here, outsiders_here = insiders, outsiders
        # a job, an import are their starter's alone, superusers included
        if "job_pk" in route or "run_pk" in route:
            insiders_here = [cast.caseworker]
            outsiders_here = {
                **outsiders,
                **{f"insider {u.username}": u for u in insiders[1:]},
                "superuser": superuser,
            }
        # a standard raise is the district's record: its staff (and wider)
        if "raise_pk" in route:
            insiders_here = [cast.reviewer, cast.district_supervisor]
            outsiders_here = {
                **outsiders,
                "town caseworker": cast.caseworker,
                "town supervisor": cast.town_supervisor,
            }
        for label, user in outsiders_here.items():
            for method in ("get", "post"):
                status = getattr(client(user), method)(url).status_code
                if status not in (403, 404):
                    leaks.append((route, label, method, status))
        statuses = [client(u).get(url).status_code for u in insiders_here]
        # inside the scope the object exists: never 404; a page for reading
        # opens (200) for someone; an action may still be refused (403) when
        # the task's state or the user's role does not allow it
        readable = (
            route.endswith(("/detail/", "_pk>/", "/chart/")) and "work/" not in route
        )
        if 404 in statuses or (readable and not {200, 302} & set(statuses)):
            hidden_from_insiders.append((route, statuses))
    assert unbuilt == [], f"id URLs this test cannot build (teach build_url): {unbuilt}"
    assert leaks == [], "\n".join(map(str, leaks[:60]))
    assert hidden_from_insiders == [], "\n".join(map(str, hidden_from_insiders))
    # the one explicit grant opens exactly one case to the auditor of another district
    auditor_client = client(auditor)
    assert auditor_client.get(f"/dibao/{cases[0].pk}/").status_code == 200
    assert auditor_client.get(f"/dibao/{cases[1].pk}/").status_code == 404


def plain_patterns():
    """(route, pattern) for every staff-site URL without an id keyword."""
    found = []

    def walk(patterns, prefix, namespaces):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                ns = namespaces + ([p.namespace] if p.namespace else [])
                if SKIP_NAMESPACES.intersection(ns):
                    continue
                walk(p.url_patterns, prefix + route, ns)
            elif isinstance(p, URLPattern) and "<" not in prefix + route:
                found.append(prefix + route)

    walk(get_resolver().url_patterns, "", [])
    return found


# pages that change state on GET are none; these only act on POST or log out
PLAIN_SKIP = ("accounts/logout/", "i18n/setlang/")


def test_every_page_without_an_id_opens_for_its_role_and_never_fails(cast, staff):
    """Every page of the staff site (no id in its URL) opens (200 or a
    redirect) for at least one of the roles, and answers no one with a 500 —
    so a new page is walked without anyone remembering to add it."""
    users = {
        "caseworker": cast.caseworker,
        "coordinator": cast.coordinator,
        "town supervisor": cast.town_supervisor,
        "reviewer": cast.reviewer,
        "district supervisor": cast.district_supervisor,
        "auditor": staff("auditor", "370402"),
        "hotline operator": staff("hotline_operator", "370402"),
        "city administrator": staff("city_administrator", "370400"),
        "no post": StaffFactory(),
    }
    routes = [r for r in plain_patterns() if not r.startswith(PLAIN_SKIP)]
    assert any(r.endswith("progress/") for r in routes)
    failures, closed = [], []
    for route in routes:
        url = "/" + route
        statuses = {}
        for label, user in users.items():
            user.save()
            client = Client()
            client.force_login(user)
            statuses[label] = client.get(url).status_code
        if 500 in statuses.values():
            failures.append((route, statuses))
        # a POST-only action answers 405 to GET for those who may use it
        if not {200, 302, 405} & set(statuses.values()):
            closed.append((route, statuses))
    assert failures == [], failures
    assert closed == [], closed


def test_pages_without_ids_open_only_for_their_users(cast, staff):
    """Pages that take no id are not in the walk above: each new one is
    listed here with who opens it and who does not."""
    no_post = StaffFactory()
    no_post.save()
    superuser = StaffFactory(is_superuser=True)
    superuser.save()
    no_post.user_permissions.set(Permission.objects.all())
    locked_out(cast.caseworker)
    pages = {
        # the supervisors' lockout list: supervisors of the region only
        "/work/lockouts/": {
            cast.town_supervisor: 200,
            cast.district_supervisor: 200,
            cast.caseworker: 403,
            cast.reviewer: 403,
            no_post: 403,
        },
        # the supervisors' overdue list (逾期督办): supervisors only
        "/work/overdue/": {
            cast.town_supervisor: 200,
            cast.district_supervisor: 200,
            cast.caseworker: 403,
            cast.reviewer: 403,
            no_post: 403,
        },
        # ...and its export, for the same people (workflows/dataio)
        "/work/overdue/?_export=csv": {
            cast.town_supervisor: 200,
            cast.caseworker: 403,
            no_post: 403,
        },
        # the exports of the workspace's task pages (the region's queue, one
        # person's tasks): for those who open the pages; another town's
        # supervisor does not see this town's caseworker (404)
        "/work/queue/?_export=csv": {
            cast.town_supervisor: 200,
            cast.district_supervisor: 200,
            cast.caseworker: 403,
            cast.reviewer: 403,
            no_post: 403,
        },
        f"/work/people/{cast.caseworker.pk}/?_export=csv": {
            cast.town_supervisor: 200,
            cast.district_supervisor: 200,
            staff("town_supervisor", "370402002"): 404,
            cast.caseworker: 403,
            cast.reviewer: 403,
            no_post: 403,
        },
        # one's own notifications: everyone signed in, a post or not; marking
        # read is a POST (a crafted id of another's: tests/workflows/notify)
        "/notifications/": {cast.caseworker: 200, cast.reviewer: 200, no_post: 200},
        "/notifications/read/": {cast.caseworker: 405, no_post: 405},
        # departmental feeds (部门数据): the district's verification body and
        # the city's administrator (data roles) only; committing is a POST
        "/feeds/": {
            cast.reviewer: 200,
            cast.caseworker: 403,
            cast.district_supervisor: 403,
            no_post: 403,
        },
        "/feeds/upload/": {cast.reviewer: 200, cast.caseworker: 403, no_post: 403},
        "/feeds/template/": {cast.reviewer: 200, cast.caseworker: 403, no_post: 403},
        "/feeds/commit/": {cast.reviewer: 405, cast.caseworker: 403, no_post: 403},
        # second-factor steps: only for privileged accounts; others are sent on
        "/accounts/otp/": {cast.caseworker: 302, no_post: 302},
        "/accounts/otp/setup/": {cast.caseworker: 302, no_post: 302},
        # imports: those holding the import permission in a post (a model-wide
        # permission, as no_post holds every one, does not count)
        "/imports/": {cast.caseworker: 200, cast.coordinator: 403, no_post: 403},
        "/imports/new/registry.households/": {
            cast.caseworker: 200,
            cast.reviewer: 200,
            cast.coordinator: 403,
            cast.town_supervisor: 403,
            no_post: 403,
        },
        "/imports/template/registry.households/": {
            cast.caseworker: 200,
            cast.coordinator: 403,
            no_post: 403,
        },
        # the existing 低保 caseload: the county's (district reviewer), not
        # the town
        "/imports/new/dibao.caseload/": {
            cast.reviewer: 200,
            cast.caseworker: 403,
            no_post: 403,
        },
        "/imports/template/dibao.caseload/": {
            cast.reviewer: 200,
            cast.caseworker: 403,
            no_post: 403,
        },
        "/imports/new/no.such.kind/": {cast.caseworker: 404},
    }
    wrong = []
    for url, expected in pages.items():
        for user, status in expected.items():
            client = Client()
            client.force_login(user)
            got = client.get(url).status_code
            if got != status:
                wrong.append((url, user.username, status, got))
    assert wrong == []
    # nobody anonymous reaches them
    for url in pages:
        assert Client().get(url)["Location"].startswith("/accounts/login/")


def export_lists():
    """Every list page that exports (``workflows.exports.lists``)."""
    from django.urls import resolve

    from workflows.exports.lists import ExportMixin

    found = []
    for route in plain_patterns():
        view_class = getattr(resolve("/" + route).func, "view_class", None)
        if view_class is not None and issubclass(view_class, ExportMixin):
            found.append("/" + route)
    return found


def test_a_list_exports_for_exactly_those_who_may_open_it(cast, staff):
    """Exporting is viewing: for every role, each list's export answers as
    the list does (403 stays 403, a redirect to log in stays one), and a
    download is logged only when the list opened."""
    from workflows.core.models import SensitiveAccess

    no_post = StaffFactory()
    no_post.save()
    no_post.user_permissions.set(Permission.objects.all())
    users = {
        "caseworker": cast.caseworker,
        "coordinator": cast.coordinator,
        "reviewer": cast.reviewer,
        "sibling district reviewer": cast.other_district_reviewer,
        "hotline operator": staff("hotline_operator", "370402"),
        "city administrator": staff("city_administrator", "370400"),
        "all model permissions, no post": no_post,
    }
    urls = export_lists()
    assert len(urls) >= 14, urls  # 3 flows × 4 lists, the roster, common problems
    wrong, opened = [], 0
    for url in urls:
        for label, user in {**users, "anonymous": None}.items():
            client = Client()
            if user is not None:
                client.force_login(user)
            page = client.get(url).status_code
            # the format changes nothing of who may export (tests/workflows/dataio)
            before = SensitiveAccess.objects.count()
            response = client.get(url, {"_export": "csv"})
            logged = SensitiveAccess.objects.count() - before
            if page == 200:
                opened += 1
                ok = response.status_code == 200 and logged == 1
            else:
                ok = response.status_code == page and logged == 0
            if not ok:
                wrong.append((url, label, page, response.status_code))
    assert wrong == []
    assert opened
