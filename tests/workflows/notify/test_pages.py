"""A person's notifications: their own only, marked read by them only; the
header's unread count in one query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.workflows.dibao.desk import Desk
from workflows.notify.models import Notification
from workflows.notify.sweeps import report_lateness

from .story import accepted_case, day, set_due, tasks

pytestmark = pytest.mark.django_db


def late_home_visit(cast):
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, day(7).date())
    report_lateness(now=day(8))
    return case, home


def mine(user):
    return Notification.objects.get(recipient=user)


def test_the_list_shows_only_ones_own_with_a_link_while_visible(cast):
    case, home = late_home_visit(cast)
    page = Desk(cast.caseworker).get("/notifications/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [r["n"] for r in rows] == [mine(cast.caseworker)]
    assert rows[0]["url"] == home.flow_task.reverse("index", args=[case.pk, home.pk])
    text = page.content.decode()
    assert "已超过期限" in text and case.number in text
    # someone else's notification is nowhere on the page
    assert str(mine(cast.town_supervisor).pk) not in [str(r["n"].pk) for r in rows]
    assert Desk(cast.other_town_caseworker).get("/notifications/").context["rows"] == []


def test_no_link_once_the_case_is_out_of_the_readers_scope(cast, staff):
    case, home = late_home_visit(cast)
    moved = cast.caseworker
    moved.posts.update(is_active=False)  # left the town
    page = Desk(moved).get("/notifications/")
    (row,) = page.context["rows"]
    assert row["url"] is None
    assert case.number in page.content.decode()  # the words stay


def test_marking_read_ones_own_and_never_anothers(cast):
    late_home_visit(cast)
    own, other = mine(cast.caseworker), mine(cast.town_supervisor)
    desk = Desk(cast.caseworker)
    # a crafted POST naming someone else's notification: 404, nothing changes
    assert (
        desk.post("/notifications/read/", {"notification": other.pk}).status_code == 404
    )
    assert (
        desk.post(
            "/notifications/read/", {"notification": [own.pk, other.pk]}
        ).status_code
        == 404
    )
    assert desk.post("/notifications/read/", {"notification": "x"}).status_code == 404
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.read_at is None and own.read_at is None
    # one's own: read, in the history
    response = desk.post("/notifications/read/", {"notification": own.pk})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.read_at is not None
    assert own.history.first().read_at == own.read_at
    # "all" marks only one's own
    Desk(cast.town_supervisor).post("/notifications/read/", {"all": "1"})
    other.refresh_from_db()
    assert other.read_at is not None
    assert desk.get("/notifications/read/").status_code == 405


def test_the_header_counts_unread_in_one_query(cast):
    late_home_visit(cast)
    desk = Desk(cast.caseworker)
    desk.get("/work/absences/")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        page = desk.get("/notifications/")
    text = page.content.decode()
    assert 'class="zz-bell__count">1<' in text
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "workflows_notification" in q["sql"] and "COUNT" in q["sql"].upper()
    ]
    assert len(counts) == 2  # the bell, and the list's paginator
    desk.post("/notifications/read/", {"all": "1"})
    assert "zz-bell__count" not in desk.get("/notifications/").content.decode()


def test_the_list_and_the_overdue_page_run_the_same_queries_at_any_size(cast):
    def queries(desk, url):
        desk.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert desk.get(url).status_code == 200
        return len(ctx.captured_queries)

    def late_now():
        """A notice (dated in the week of the story), and a home visit late
        on the real clock, so the overdue page lists it."""
        _, home = late_home_visit(cast)
        set_due(home, timezone.localdate() - datetime.timedelta(days=10))

    late_now()
    worker, supervisor = Desk(cast.caseworker), Desk(cast.town_supervisor)
    small = (queries(worker, "/notifications/"), queries(supervisor, "/work/overdue/"))
    for _ in range(5):
        late_now()
    large = (queries(worker, "/notifications/"), queries(supervisor, "/work/overdue/"))
    assert large == small
    assert len(worker.get("/notifications/").context["rows"]) >= 6
    assert len(supervisor.get("/work/overdue/").context["rows"]) == 6
