"""List pages run a fixed number of SQL queries, however many cases there are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.city import IdNumbers
from bench.clone import Capture, Stamper
from bench.load import reset_sequences
from roles.models import Region
from tests.factories import member_row
from tests.workflows.dibao.desk import Desk, accept, submit
from workflows.dibao.flows import DibaoFlow

pytestmark = pytest.mark.django_db
IDS = IdNumbers()  # shared: every copied person needs a number not used before


def add_cases(cast, n):
    """n more accepted cases in 龚庄村, copied from one real one (bench.clone)."""
    with Capture() as capture:
        case = submit(
            Desk(cast.caseworker), cast, members=[member_row("原型")], incomes=[]
        )
        accept(cast, case)
    village = Region.objects.get(code="370402106201")
    roles = {
        cast.caseworker.pk: "town_caseworker",
        cast.coordinator.pk: "village_coordinator",
        cast.reviewer.pk: "district_reviewer",
    }
    stamper = Stamper(capture, village.pk, roles, writers := {})
    stamper.reserve(n)
    people = {}
    ctx = {
        "village": village.pk,
        "staff": {role: pk for pk, role in roles.items()},
        "shift": datetime.timedelta(0),
        "address": "复制户",
        "person": lambda mid: people.setdefault(
            mid,
            {
                "name": "复制",
                "id_number": (
                    n_ := IDS.new(
                        "370402", datetime.date(1936, 1, 1 + len(people) % 28)
                    )
                ),
                "birth_date": datetime.date(1936, 1, 1 + len(people) % 28),
                "sex": "M" if int(n_[16]) % 2 else "F",
            },
        ),
    }
    for k in range(n):
        stamper.stamp(k, ctx)
    for writer in writers.values():
        writer.flush()
    from django.apps import apps

    reset_sequences(apps.get_models(include_auto_created=True))


PAGES = [
    ("caseworker", "inbox"),
    ("caseworker", "process_list"),
    ("reviewer", "queue"),
    ("reviewer", "process_list"),
    ("coordinator", "process_list"),
    ("coordinator", "inbox"),
]


def count_queries(cast):
    counts = {}
    for who, page in PAGES:
        desk = Desk(getattr(cast, who))
        url = DibaoFlow.instance.reverse(page)
        desk.get(url)  # session and caches as on any later visit
        with CaptureQueriesContext(connection) as ctx:
            response = desk.get(url)
        assert response.status_code == 200
        counts[(who, page)] = len(ctx.captured_queries)
    return counts


def test_list_pages_run_the_same_queries_at_10_and_2000_cases(cast):
    add_cases(cast, 9)
    small = count_queries(cast)
    add_cases(cast, 1990)
    large = count_queries(cast)
    assert large == small
    # and the lists really are full
    inbox = Desk(cast.caseworker).get(DibaoFlow.instance.reverse("inbox"))
    assert inbox.context["paginator"].count >= 3998
    # 12 before issue 11; the header's unread count and the check of the
    # calendar years the page's deadlines fall in add one query at most
    assert max(small.values()) <= 13
