"""A 低保 household approved through the pages (so the benefit, its first
amount, its register entry and its review date come from the real
decision), and helpers that drive the review's steps through the services
as the pages do (``core.services.run_task``)."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests.factories import member_row
from workflows.core.services import run_task
from workflows.reviews import decision, services
from workflows.reviews.flows import ReviewFlow

from ..dibao.desk import (  # noqa: F401  (cast: fixture)
    Desk,
    accept,
    calculate,
    cast,
    decide,
    investigate,
    propose,
    review,
    submit,
    through_notice,
)

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def approve(crew, members=None, incomes=None):
    """An approved 低保 case of 龚庄村; returns its benefit."""
    case = submit(Desk(crew.caseworker), crew, members=members, incomes=incomes)
    accept(crew, case)
    investigate(crew, case)
    calculate(crew, case)
    propose(crew, case, "include")
    through_notice(case)
    review(crew, case, "confirm")
    decide(crew, case, "approve")
    return backdated(case.benefits.get())


def backdated(benefit, months=3):
    """The benefit as if decided ``months`` ago (paid since), so that a
    review's "from the next month" differs from its first month."""
    from workflows.benefits.models import Benefit, BenefitAmount
    from workflows.benefits.services import add_months

    start = add_months(benefit.start_month, -months)
    Benefit.objects.filter(pk=benefit.pk).update(
        start_month=start, next_review_on=add_months(start, 12)
    )
    BenefitAmount.objects.filter(benefit=benefit).update(from_month=start)
    benefit.refresh_from_db()
    return benefit


def three_persons():
    """Three members, 900 yuan wages of the spouse."""
    return [
        member_row("李大山"),
        member_row("王小花", relation="spouse", male=False),
        member_row("李小宝", relation="child", born=datetime.date(2015, 3, 1)),
    ]


@pytest.fixture
def benefit(cast):  # noqa: F811  (the fixture imported above)
    return approve(cast)


def today():
    return timezone.localdate()


def task_of(review, node):
    return review.task_set.filter(flow_task=node, status__in=OPEN).first()


def step(review, node, user, fn, **values):
    task = task_of(review, node)
    assert task is not None, f"no open {node.name} task"
    run_task(
        task=task,
        user=user,
        step=lambda activation: fn(review=activation.process, user=user, **values),
    )
    review.refresh_from_db()
    return review


def investigated(crew, review):
    return step(
        review,
        ReviewFlow.investigate,
        crew.caseworker,
        services.review_investigate,
        cooperated=True,
        visited_on=today(),
        investigator_1=crew.caseworker,
        investigator_2=crew.coordinator,
        findings="家庭情况已核实",
    )


def decided(crew, review, proposal, outcome=None, **values):
    """Investigated, proposed by the town, decided by the district, the
    notice delivered: the decision is applied."""
    investigated(crew, review)
    step(
        review,
        ReviewFlow.propose,
        crew.caseworker,
        decision.review_propose,
        proposal=proposal,
        reasons="镇（街道）意见",
        amount=values.pop("proposed_amount", None),
    )
    step(
        review,
        ReviewFlow.decide,
        crew.district_supervisor,
        decision.review_decide,
        outcome=outcome or proposal,
        reasons="复核决定理由",
        **values,
    )
    step(
        review,
        ReviewFlow.deliver,
        crew.caseworker,
        decision.review_deliver,
        delivered_on=today(),
    )
    return review
