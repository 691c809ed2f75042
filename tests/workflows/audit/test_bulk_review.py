"""Review of the bulk writer (``insert_many`` and the copied history rows):
it writes what ``bulk_create`` and simple-history's own bulk writer write,
on SQLite and PostgreSQL alike."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from workflows.audit.chain import check_chain
from workflows.audit.live import check_model
from workflows.base.bulkinsert import insert_many
from workflows.base.context import acting
from workflows.base.history import bulk_create, bulk_update
from workflows.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def _notification(user, key, **kwargs):
    return Notification(
        recipient=user, kind=Notification.Kind.REMINDER, key=key, **kwargs
    )


def test_a_parent_saved_after_it_was_assigned_gives_its_id(staff):
    """``bulk_create`` takes the id of a related object saved after it was
    assigned (``_prepare_related_fields_for_save``); so must the COPY."""
    user = User.objects.create(username="bulk-review")
    notification = _notification(user, "k1")
    delivery = Delivery(notification=notification, channel="email")
    notification.save()  # saved after the delivery was built
    insert_many(Delivery, [delivery])
    assert Delivery.objects.get(pk=delivery.pk).notification_id == notification.pk


def test_an_unsaved_parent_is_refused_as_bulk_create_refuses_it(staff):
    user = User.objects.create(username="bulk-review")
    delivery = Delivery(notification=_notification(user, "k1"), channel="email")
    with pytest.raises(ValueError), transaction.atomic():
        insert_many(Delivery, [delivery])
    assert not Delivery.objects.exists()


def test_a_save_after_a_bulk_insert_takes_a_fresh_id(staff):
    user = User.objects.create(username="bulk-review")
    written = bulk_create(
        Notification, [_notification(user, f"k{n}") for n in range(3)], reason="r"
    )
    later = _notification(user, "later")
    later.save()
    assert later.pk > max(n.pk for n in written)
    assert Notification.history.filter(id=later.pk).count() == 1


def test_history_rows_of_bulk_writes_hold_what_was_stored(staff):
    """JSON, nullable FKs, datetimes: the '+' and '~' rows equal the live
    rows, who and job as the context says, hashes clean."""
    user = User.objects.create(username="bulk-review")
    with acting(job="review:bulk", user=user):
        written = bulk_create(
            Notification,
            [
                _notification(user, "a", params={"n": 1, "s": "中文"}),
                _notification(user, "b", params={}),
            ],
            reason="批量",
        )
        for n in written:
            n.params = {"changed": True}
        bulk_update(Notification, written, ["params"], reason="更正")
    rows = Notification.history.filter(recipient=user).order_by("history_id")
    assert [(r.history_type, r.key, r.params) for r in rows] == [
        ("+", "a", {"n": 1, "s": "中文"}),
        ("+", "b", {}),
        ("~", "a", {"changed": True}),
        ("~", "b", {"changed": True}),
    ]
    assert {(r.history_job, r.history_user_id) for r in rows} == {
        ("review:bulk", user.pk)
    }
    assert [r.case_id for r in rows] == [None] * 4
    assert check_chain() == []
    assert list(check_model(Notification)) == []


def test_the_same_object_twice_in_a_bulk_update_writes_history(staff):
    """simple-history writes a '~' row per object given; the copy must not
    fail the whole update when a list names one row twice."""
    user = User.objects.create(username="bulk-review")
    (n,) = bulk_create(Notification, [_notification(user, "a")], reason="r")
    n.params = {"x": 1}
    bulk_update(Notification, [n, n], ["params"], reason="r")
    assert Notification.history.filter(id=n.pk, history_type="~").count() == 2


def test_rows_with_their_own_user_and_reason_and_the_date(staff):
    """Objects carrying ``_history_user``/``_change_reason`` get their rows
    built (COPY on PostgreSQL); every row dated now, aware, hashes clean."""
    import datetime

    from django.utils import timezone

    user = User.objects.create(username="bulk-review")
    other = User.objects.create(username="bulk-review-2")
    built = [_notification(user, "own"), _notification(user, "own2")]
    built[0]._history_user = other
    built[0]._change_reason = "自己的理由"
    before = timezone.now()
    with acting(job="review:bulk", user=user):
        bulk_create(Notification, built, reason="批量")
        bulk_create(Notification, [_notification(user, "copied")], reason="批量")
    rows = Notification.history.filter(recipient=user).order_by("history_id")
    assert [(r.key, r.history_user_id, r.history_change_reason) for r in rows] == [
        ("own", other.pk, "自己的理由"),
        ("own2", user.pk, "批量"),
        ("copied", user.pk, "批量"),
    ]
    assert {r.history_job for r in rows} == {"review:bulk"}
    for row in rows:
        assert timezone.is_aware(row.history_date)
        assert before <= row.history_date <= timezone.now()
        assert row.history_date - before < datetime.timedelta(minutes=1)
    assert check_chain() == []
    assert list(check_model(Notification)) == []
