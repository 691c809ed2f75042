"""Channels: each notification sent once per channel, whatever happens."""

import pytest
from django.core import mail

from workflows.notify import senders as senders_module
from workflows.notify.models import Delivery, Notification
from workflows.notify.senders import Sender
from workflows.notify.services import MAX_ATTEMPTS, deliveries_send
from workflows.notify.sweeps import remind, report_lateness

from .story import accepted_case, day, set_due, tasks

pytestmark = pytest.mark.django_db
RECORDING = "tests.workflows.notify.test_delivery.Recording"
EMAIL = "workflows.notify.senders.EmailSender"


class Recording(Sender):
    channel = "recording"
    sent = []

    def send(self, notification):
        type(self).sent.append(notification.pk)


class Broken(Sender):
    channel = "broken"
    calls = 0

    def send(self, notification):
        type(self).calls += 1
        raise ConnectionError("gateway down")


class Crashing(Sender):
    """The process dies while the channel is sending."""

    channel = "crashing"
    calls = 0

    def send(self, notification):
        type(self).calls += 1
        raise KeyboardInterrupt


@pytest.fixture
def channels(settings):
    def use(*paths):
        settings.NOTIFICATION_SENDERS = list(paths)
        Recording.sent, Broken.calls, Crashing.calls = [], 0, 0

    yield use
    senders_module._load.cache_clear()


def overdue_story(cast):
    """A home visit a day late: the town supervisor and the caseworker are
    told; only the caseworker has an e-mail address."""
    cast.caseworker.email = "chen@example.org"
    cast.caseworker.save()
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, day(7).date())
    report_lateness(now=day(8))
    return home


def test_each_notification_goes_once_through_each_channel(cast, channels):
    channels(RECORDING, EMAIL)
    home = overdue_story(cast)
    notifications = list(Notification.objects.filter(task=home))
    assert len(notifications) == 2
    assert deliveries_send(now=day(8)) == 3  # two recorded, one e-mail
    assert deliveries_send(now=day(8)) == 0
    report_lateness(now=day(8, 11))  # a later sweep: nothing new
    assert deliveries_send(now=day(8, 11)) == 0
    assert sorted(Recording.sent) == sorted(n.pk for n in notifications)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chen@example.org"]
    assert "已超过期限" in mail.outbox[0].body
    skipped = Delivery.objects.get(
        channel="email", notification__recipient=cast.town_supervisor
    )
    assert skipped.status == Delivery.Status.SKIPPED  # no address on file
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3


def test_a_failing_channel_is_tried_a_few_times_then_left(cast, channels):
    channels(f"{__name__}.Broken")
    overdue_story(cast)
    for _ in range(MAX_ATTEMPTS + 2):
        deliveries_send(now=day(8))
    assert Broken.calls == 2 * MAX_ATTEMPTS
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED)
    assert failed.count() == 2
    assert all(d.error == "gateway down" for d in failed)


def test_a_send_cut_short_is_never_sent_again(cast, channels):
    """Claimed before sending: a sweep that dies mid-send leaves the delivery
    'sending', and no later sweep sends it a second time."""
    channels(f"{__name__}.Crashing")
    overdue_story(cast)
    with pytest.raises(KeyboardInterrupt):
        deliveries_send(now=day(8))
    assert Crashing.calls == 1
    stuck = Delivery.objects.get(status=Delivery.Status.SENDING)
    assert stuck.attempts == 1
    with pytest.raises(KeyboardInterrupt):
        deliveries_send(now=day(8))  # the other notification's turn
    deliveries_send(now=day(8))
    assert Crashing.calls == 2
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() == 2


def test_reminders_are_delivered_like_any_notification(cast, channels):
    channels(RECORDING)
    case = accepted_case(cast)
    home, _ = tasks(case)
    set_due(home, day(11).date())
    remind(now=day(9))
    assert deliveries_send(now=day(9)) == 1
    assert Recording.sent == [Notification.objects.get(task=home).pk]
