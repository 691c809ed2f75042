"""Drive the 低保 flow over HTTP, as the staff who hold the posts would."""

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from viewflow.workflow.status import STATUS

from roles.accounts.second_factor import second_factor_required
from roles.models import Region
from tests.factories import (
    DISTRICT,
    TOWN,
    VILLAGE,
    apply_post_data,
    login_with_second_factor,
    member_row,
    set_policy,
)
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
TODAY = timezone.localdate


def open_task(case, node):
    return case.task_set.filter(flow_task=node, status__in=OPEN).first()


def task_url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def case_url(case, name="process_detail", *args):
    return DibaoFlow.instance.reverse(name, args=[case.pk, *args])


def form_data(form):
    """The values a form shows, as a browser would submit them unchanged."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = "on" if value is True else str(value)
    return data


def formset_data(formset):
    data = form_data(formset.management_form)
    for form in formset.forms:
        data.update(form_data(form))
    return data


class Desk:
    """One member of staff, logged in, working tasks through the web pages."""

    def __init__(self, user):
        self.user = user
        self.client = Client()
        if second_factor_required(user):  # a privileged account: with its code
            login_with_second_factor(self.client, user)
        else:
            self.client.force_login(user)

    def get(self, url, data=None, **kw):
        return self.client.get(url, data, **kw)

    def post(self, url, data=None, **kw):
        return self.client.post(url, data or {}, **kw)

    def apply(self, data):
        url = DibaoFlow.apply.reverse("execute")
        assert self.get(url).status_code == 200
        before = set(Application.objects.values_list("pk", flat=True))
        response = self.post(url, data)
        new = Application.objects.exclude(pk__in=before)
        if response.status_code != 302:
            return response, None
        return response, new.get()

    def queue_ids(self):
        response = self.get(DibaoFlow.instance.reverse("queue"))
        assert response.status_code == 200
        return {task.pk for task in response.context["object_list"]}

    def take(self, case, node):
        task = open_task(case, node)
        assert task is not None, f"no open {node.name} task"
        if task.owner_id is None:
            response = self.post(task_url(task, "assign"))
            assert response.status_code == 302, response.status_code
            task.refresh_from_db()
        return task

    def open(self, case, node):
        """The step's page (GET), after taking the task."""
        task = self.take(case, node)
        response = self.get(task_url(task, "execute"))
        assert response.status_code == 200
        return task, response

    def complete(self, case, node, data=None, expect=302):
        task = self.take(case, node)
        response = self.post(task_url(task, "execute"), data or {})
        assert response.status_code == expect, _errors(response)
        return response


def _errors(response):
    context = getattr(response, "context", None) or {}
    form = context.get("form") if hasattr(context, "get") else None
    if form is not None and form.errors:
        return form.errors.as_json()
    return response.status_code


@dataclass
class Cast:
    """The people who handle a 龚庄村 case, and outsiders who must not."""

    caseworker: object
    caseworker2: object
    town_supervisor: object
    coordinator: object
    reviewer: object
    checker: object  # another district reviewer, who records the cross-check
    district_supervisor: object
    other_town_caseworker: object
    other_village_coordinator: object
    other_district_reviewer: object

    @property
    def village(self):
        return Region.objects.get(code=VILLAGE)


@pytest.fixture
def cast(staff):
    return make_cast(staff)


def make_cast(staff):
    """The ``cast`` fixture's people; ``staff(role, region_code)`` makes each."""
    # Deterministic review: no random spot check unless a test asks for one.
    set_policy(DISTRICT, spot_check_ratio=0)
    return Cast(
        caseworker=staff("town_caseworker", TOWN),
        caseworker2=staff("town_caseworker", TOWN),
        town_supervisor=staff("town_supervisor", TOWN),
        coordinator=staff("village_coordinator", VILLAGE),
        reviewer=staff("district_reviewer", DISTRICT),
        checker=staff("district_reviewer", DISTRICT),
        district_supervisor=staff("district_supervisor", DISTRICT),
        other_town_caseworker=staff("town_caseworker", "370402002"),
        other_village_coordinator=staff("village_coordinator", "370402106202"),
        other_district_reviewer=staff("district_reviewer", "370404"),
    )


def today():
    return TODAY().isoformat()


def poor_household(name="李大山"):
    """Two members, 900 yuan wages: eligible in a rural village (standard 800)."""
    return [member_row(name), member_row("王小花", relation="spouse", male=False)]


def submit(desk, cast, members=None, incomes=None, **extra):
    """Apply for a household in 龚庄村; returns the case."""
    members = members or poor_household()
    incomes = (
        incomes
        if incomes is not None
        else [
            {
                "member_no": 2,
                "income_type": income_type("wage"),
                "monthly_amount": "900.00",
            }
        ]
    )
    data = apply_post_data(cast.village, members, incomes=incomes, **extra)
    response, case = desk.apply(data)
    assert case is not None, _errors(response)
    return case


def income_type(code):
    from workflows.standards.models import IncomeType

    return IncomeType.objects.get(code=code).pk


def accept(cast, case):
    Desk(cast.caseworker).complete(
        case, DibaoFlow.accept, {"complete": "yes", "missing_items": ""}
    )


def investigate(cast, case, crosscheck="consistent"):
    worker = Desk(cast.caseworker)
    worker.complete(
        case,
        DibaoFlow.home_visit,
        {
            "visited_on": today(),
            "method": "in_person",
            "investigator_1": cast.caseworker.pk,
            "investigator_2": cast.coordinator.pk,
            "family_present": "户主本人",
            "household_signed": "on",
            "living_conditions": "住房简陋",
            "findings": "情况属实",
        },
    )
    worker.complete(
        case,
        DibaoFlow.neighbour_visit,
        {"visited_on": today(), "persons_interviewed": "邻居两户", "findings": "属实"},
    )
    Desk(cast.checker).complete(
        case,
        DibaoFlow.cross_check,
        {
            "report_number": "HD001",
            "manual_reason": "核对机构出具的书面报告",
            "checked_on": today(),
            "result": crosscheck,
            "findings": "一致"
            if crosscheck == "consistent"
            else "核对发现名下车辆一辆",
        },
    )


def calculate(cast, case):
    desk = Desk(cast.caseworker)
    _, page = desk.open(case, DibaoFlow.calculate)
    data = {}
    for formset in page.context["formsets"].values():
        data.update(formset_data(formset))
    data["_confirm"] = "1"
    desk.complete(case, DibaoFlow.calculate, data)
    case.refresh_from_db()
    return case.current_assessment


def propose(cast, case, proposal="include", **extra):
    data = {"proposal": proposal, "reasons": "理由", "notice_place": "村务公开栏"}
    data.update(extra)
    Desk(cast.caseworker).complete(case, DibaoFlow.first_opinion, data)
    case.refresh_from_db()


def review(cast, case, conclusion="confirm", expect=302, **extra):
    data = {"conclusion": conclusion, "remarks": "审核意见"}
    data.update(extra)
    return Desk(cast.reviewer).complete(case, DibaoFlow.review, data, expect=expect)


def decide(cast, case, outcome="approve"):
    Desk(cast.district_supervisor).complete(
        case, DibaoFlow.decide, {"outcome": outcome, "reasons": "决定理由"}
    )
    case.refresh_from_db()


def through_notice(case, objection=None):
    from workflows.demo import fast_forward_notice

    fast_forward_notice(case, objection)


def days_ago(n):
    return (TODAY() - datetime.timedelta(days=n)).isoformat()
