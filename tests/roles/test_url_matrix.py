"""Every URL that takes an object id, for users outside and inside its scope.

The URL resolver is enumerated, so a new URL with an id is covered without
anyone remembering to add it: the test fails if it cannot build one.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from roles.models import CaseGrant
from tests.factories import StaffFactory
from workflows import demo
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

pytestmark = pytest.mark.django_db

ID_KWARG = re.compile(r"<(?:int:)?(\w+_pk|pk|object_id)>")
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
    for stage in ("approved", "rejected", "objection", "awaiting_materials"):
        spec = {
            "village": "370402106201",
            "address": "测试",
            "area": "rural",
            "channel": "window",
            "submitted_by": "caseworker",
            "reason": "x",
            "members": [
                {
                    "name": f"户主{stage}",
                    "born": "1960-01-01",
                    "sex": "M",
                    "relation": "head",
                    "employment": "unable",
                    "id_number": _id(len(cases)),
                },
            ],
            "incomes": [] if stage != "rejected" else [[0, "wage", "5000.00"]],
            "deductions": [],
            "assets": [],
        }
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


def _id(n):
    import datetime

    from workflows.registry.idnumber import make_id_number

    return make_id_number("370402", datetime.date(1960, 1, 1 + n), 101 + 2 * n)


def build_url(route, cases, cast, grant):
    """Fill the route's ids with objects of 龚庄村 (region A)."""
    node_name = None
    m = re.search(r"<int:process_pk>/(\w+)/<int:task_pk>", route)
    if m:
        node_name = m.group(1)
    values = {}
    for name in ID_KWARG.findall(route):
        if name in ("process_pk", "case_pk"):
            values[name] = cases[0].pk
        elif name == "task_pk":
            task = None
            for case in cases:
                task = case.task_set.filter(
                    flow_task=getattr(DibaoFlow, node_name)
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
        else:
            return None
    url = "/" + route.replace("<str:fmt>", "csv")
    for name, value in values.items():
        url = re.sub(rf"<(?:int:)?{name}>", str(value), url)
    return url


def test_every_id_url_is_hidden_outside_its_scope(cast, staff):
    cases = cases_at_every_step(cast)
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
    no_post.user_permissions.set(Permission.objects.all())
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
            clients[user.pk].force_login(user)
        return clients[user.pk]

    for route, _ns, _pattern in patterns:
        url = build_url(route, cases, cast, grant)
        if url is None:
            unbuilt.append(route)
            continue
        for label, user in outsiders.items():
            for method in ("get", "post"):
                status = getattr(client(user), method)(url).status_code
                if status not in (403, 404):
                    leaks.append((route, label, method, status))
        statuses = [client(u).get(url).status_code for u in insiders]
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
