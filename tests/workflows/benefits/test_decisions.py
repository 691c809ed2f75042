"""The register filled by the programmes' decisions: a 低保 rejection of a
marginal household enters it as marginal (低保边缘)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import member_row
from tests.workflows.dibao.desk import (
    Desk,
    accept,
    calculate,
    decide,
    income_type,
    investigate,
    propose,
    review,
    submit,
)
from workflows.benefits.models import RegisterEntry
from workflows.benefits.selectors import household_chain

pytestmark = pytest.mark.django_db


def test_marginal_rejection_enters_the_register(cast):
    """Two members with 2,000 yuan of wages in a rural village (standard
    800, marginal up to 1,200 a head): rejected, and in the register as
    marginal since the decision, with the case as its source."""
    members = [
        member_row("孙有田"),
        member_row("周桂英", relation="spouse", male=False),
    ]
    incomes = [
        {"member_no": 2, "income_type": income_type("wage"), "monthly_amount": "2000"}
    ]
    case = submit(Desk(cast.caseworker), cast, members=members, incomes=incomes)
    accept(cast, case)
    investigate(cast, case)
    assert calculate(cast, case).outcome == "marginal"
    propose(cast, case, "reject")
    review(cast, case, "disagree")
    decide(cast, case, "reject")
    entry = RegisterEntry.objects.get(household=case.household)
    assert entry.category == RegisterEntry.Category.MARGINAL
    assert entry.case_id == case.pk and entry.ended_on is None
    assert entry.since == case.decisions.get().decided_on


def test_ineligible_rejection_does_not(cast):
    """A rejection of a household above the marginal line enters nothing."""
    members = [
        member_row("钱有余"),
        member_row("吴美丽", relation="spouse", male=False),
    ]
    incomes = [
        {"member_no": 1, "income_type": income_type("wage"), "monthly_amount": "4000"}
    ]
    case = submit(Desk(cast.caseworker), cast, members=members, incomes=incomes)
    accept(cast, case)
    investigate(cast, case)
    assert calculate(cast, case).outcome == "not_eligible"
    propose(cast, case, "reject")
    review(cast, case, "disagree")
    decide(cast, case, "reject")
    assert not RegisterEntry.objects.filter(household=case.household).exists()


def test_escalation_measures_enter_hardship(people):
    """A 一事一议 meeting that helps the household with measures, without
    putting it on 低保, enters it as a household in hardship."""
    from tests.workflows.escalation.story import meeting_data, prepare, record_meeting
    from tests.workflows.escalation.story import state as unit_states
    from tests.workflows.escalation.test_escalation import escalated

    case, esc = escalated(people)
    prepare(people, esc)
    for kind in people.units:
        unit_states(people, esc, kind)
    data = meeting_data(
        people,
        esc,
        decision="measures",
        monthly_amount="0",
        decision_text="给予临时救助和医疗救助。",
    )
    record_meeting(people, esc, data)
    entry = RegisterEntry.objects.get(household=case.household)
    assert entry.category == RegisterEntry.Category.HARDSHIP
    assert entry.case_id == esc.pk and entry.note == "给予临时救助和医疗救助。"
    # the household's chain holds the call, the application and the
    # escalation, newest first, in the same few queries as one case
    with CaptureQueriesContext(connection) as queries:
        chain = household_chain(household=case.household, user=people.caseworker)
        kinds = [row["case"].kind_label for row in chain["cases"]]
        numbers = [row["case"].number for row in chain["cases"]]
        stages = [row["stage"] for row in chain["cases"]]
    assert [row["case"].pk for row in chain["cases"]] == [
        esc.pk,
        case.pk,
        case.origin_id,
    ]
    assert all(kinds) and all(numbers) and all(stages)
    assert len(queries) <= 5
