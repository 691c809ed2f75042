"""The 低保 cases the race tests race on, and the requests each path sends."""

import datetime
import itertools
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from tests.factories import DISTRICT, TOWN, VILLAGE
from tests.workflows.dibao.desk import Cast, open_task, task_url
from workflows import demo
from workflows.core.services import run_task
from workflows.dibao import services as dibao
from workflows.dibao.flows import DibaoFlow
from workflows.registry.idnumber import make_id_number

from .harness import Request


@dataclass
class Crew:
    """The cast of a 龚庄村 case, a second district reviewer, and a logged-in
    test client for each (two for the caseworker: two browser tabs)."""

    cast: Cast
    reviewer2: object
    clients: dict

    def __getattr__(self, name):
        return getattr(self.cast, name)


def make_crew(cast, staff):
    """``cast``: the people of a 龚庄村 case (``tests.workflows.dibao.desk``);
    ``staff(role, region_code)`` makes a user holding a post."""
    reviewer2 = staff("district_reviewer", DISTRICT)
    people = {
        "caseworker": cast.caseworker,
        "caseworker_tab2": cast.caseworker,
        "caseworker2": cast.caseworker2,
        # the district may move the district's steps too (the grant map)
        "supervisor": cast.district_supervisor,
        "reviewer": cast.reviewer,
        "reviewer2": reviewer2,
    }
    clients = {}
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return Crew(cast=cast, reviewer2=reviewer2, clients=clients)


_households = itertools.count()


def accepted_case(crew):
    """A new accepted one-person case in 龚庄村 (through the services the
    pages use): home and neighbour visits held by the caseworker, the
    cross-check in the district's queue."""
    case = applied_case(crew)
    run_task(
        task=open_task(case, DibaoFlow.accept),
        user=crew.caseworker,
        step=lambda a: dibao.application_accept(
            application=a.process, user=crew.caseworker
        ),
    )
    return case


def applied_case(crew):
    """A new one-person application in 龚庄村, waiting for acceptance."""
    n = next(_households)
    born = datetime.date(1941, 1, 1) + datetime.timedelta(days=n)
    spec = {
        "village": VILLAGE,
        "address": f"测试{n}号",
        "area": "rural",
        "channel": "window",
        "submitted_by": "caseworker",
        "reason": "生活困难",
        "members": [
            {
                "name": f"户主{n}",
                "born": born.isoformat(),
                "sex": "M",
                "relation": "head",
                "employment": "unable",
                "id_number": make_id_number(TOWN[:6], born, 101),
            }
        ],
        "incomes": [],
        "deductions": [],
        "assets": [],
    }
    return demo.apply(spec, {"caseworker": crew.caseworker})


# --- the requests each path sends ---------------------------------------------


def complete_home_visit(crew, task, desk="caseworker"):
    today = timezone.localdate().isoformat()
    return Request(
        desk,
        task_url(task, "execute"),
        {
            "visited_on": today,
            "method": "in_person",
            "investigator_1": crew.caseworker.pk,
            "investigator_2": crew.coordinator.pk,
            "family_present": "户主本人",
            "household_signed": "on",
            "living_conditions": "住房简陋",
            "findings": "情况属实",
        },
    )


def complete_neighbour_visit(task, desk="caseworker"):
    return Request(
        desk,
        task_url(task, "execute"),
        {
            "visited_on": timezone.localdate().isoformat(),
            "persons_interviewed": "邻居两户",
            "findings": "属实",
        },
    )


def take(task, desk):
    return Request(desk, task_url(task, "assign"))


def unassign(task):
    return Request(
        "supervisor",
        "/work/unassign/",
        {"task": [task.pk], "reason": "调整分工", "back": "/work/"},
    )


def reassign(task, to_user):
    return Request(
        "supervisor",
        "/work/reassign/",
        {"task": [task.pk], "to_user": to_user.pk, "reason": "调整分工"},
    )
