"""Two desks submit the same person at the same moment (security review,
finding 7): on PostgreSQL one application is registered, the other gets the
clear "already in case …" refusal instead of an HTTP 500, and nothing of it
is written.

The two submissions run in two threads (two connections, really
concurrent transactions), held at a barrier after the duplicate check so that
both have passed it before either inserts. SQLite serialises writers
(``BEGIN IMMEDIATE``): the second could not even start, so the race does not
exist there (test_duplicates.py runs the refusal path on both databases).
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from roles.models import Region
from tests.factories import TOWN, VILLAGE, member_row
from workflows.core.services import start_flow
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.services import application as application_services
from workflows.models import Application, Household, Member

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers: two submissions cannot race there",
    ),
    pytest.mark.django_db(transaction=True),
]


def application_of(row, region):
    return services.ApplicationData(
        region=region,
        address="测试地址",
        area="rural",
        channel="window",
        reason="生活困难",
        members=[
            services.MemberData(
                name=row["name"],
                id_number=row["id_number"],
                relation="head",
                employment="unable",
            )
        ],
        authorization_signed=True,
        declaration_signed=True,
    )


def test_two_simultaneous_submissions_of_one_person(staff, monkeypatch):
    desks = [staff("town_caseworker", TOWN), staff("town_caseworker", TOWN)]
    region = Region.objects.get(code=VILLAGE)
    row = member_row("李大山")
    number = row["id_number"]

    both_checked = threading.Barrier(2, timeout=20)
    check = application_services._check_duplicates

    def check_then_wait(members, user):
        check(members, user)  # passes: neither has inserted yet
        both_checked.wait()

    monkeypatch.setattr(application_services, "_check_duplicates", check_then_wait)
    outcomes = [None, None]

    def submit(i):
        user = desks[i]
        data = application_of(row, region)
        try:
            outcomes[i] = start_flow(
                node=DibaoFlow.apply,
                user=user,
                step=lambda a: services.application_submit(
                    application=a.process, user=user, data=data
                ),
            )
        except Exception as error:  # reported by the asserts below
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    started = [o for o in outcomes if isinstance(o, Application)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(started) == 1 and len(refusals) == 1, outcomes
    case = Application.objects.get()
    (error,) = refusals[0].error_list
    assert error.code == "duplicate"
    masked = case.applicant.masked_id_number
    assert error.message == f"李大山（{masked}）已在办理中的案件 {case.number} 中。"
    # nothing of the refused submission was written
    assert Household.objects.count() == 1
    assert list(Member.objects.values_list("id_number", flat=True)) == [number]
