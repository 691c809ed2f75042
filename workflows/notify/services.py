"""Writing notifications: creating them once, sending them once, reading them."""

import datetime
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..base.history import bulk_create, bulk_update
from .models import Delivery, Notification
from .senders import senders

logger = logging.getLogger(__name__)

# a channel that raised is tried again on later sweeps, this many times in all
MAX_ATTEMPTS = 3
CHUNK = 500


@dataclass(frozen=True)
class Planned:
    """A notification a sweep means to create (if nobody was told yet)."""

    recipient_id: int
    kind: str
    key: str
    case_id: int | None = None
    task_id: int | None = None
    params: dict = field(default_factory=dict, compare=False, hash=False)


def _existing(planned):
    keys = sorted({p.key for p in planned})
    found = set()
    for start in range(0, len(keys), CHUNK):
        found.update(
            Notification.objects.filter(
                key__in=keys[start : start + CHUNK]
            ).values_list("recipient_id", "key")
        )
    return found


@transaction.atomic
def notifications_create(*, planned: list[Planned], now=None) -> list[Notification]:
    """Create the planned notifications nobody has received yet, with a
    pending delivery per channel that can reach the person (history written
    in bulk). Returns the new ones.

    The unique (recipient, key) constraint makes this safe to repeat: a
    second run finds them and creates nothing; two sweeps at once make the
    later transaction fail whole, and its next run skips what exists."""
    now = now or timezone.now()
    seen = _existing(planned)
    new = []
    for item in planned:
        if (item.recipient_id, item.key) in seen:
            continue
        seen.add((item.recipient_id, item.key))
        new.append(
            Notification(
                recipient_id=item.recipient_id,
                kind=item.kind,
                key=item.key,
                case_id=item.case_id,
                task_id=item.task_id,
                params=item.params,
                created=now,
            )
        )
    if not new:
        return []
    created = bulk_create(Notification, new, reason=_("提醒与逾期督办"))
    channels = senders()
    if channels:
        users = get_user_model().objects.in_bulk({n.recipient_id for n in created})
        deliveries = [
            Delivery(
                notification=notification,
                channel=sender.channel,
                status=(
                    Delivery.Status.PENDING
                    if sender.reaches(users[notification.recipient_id])
                    else Delivery.Status.SKIPPED
                ),
            )
            for notification in created
            for sender in channels
        ]
        bulk_create(Delivery, deliveries, reason=_("提醒与逾期督办"))
    return created


def _claim(pk, now):
    """Mark one delivery as being sent, in its own committed transaction;
    None when someone else took it or it is no longer due."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                pk=pk,
                status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
                attempts__lt=MAX_ATTEMPTS,
            )
            .select_related("notification__recipient")
            .first()
        )
        if delivery is None:
            return None
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.attempted_at = now
        delivery._change_reason = _("发送")
        delivery.save(update_fields=["status", "attempts", "attempted_at"])
    return delivery


def deliveries_send(*, now=None, batch: int = 200) -> int:
    """Send pending deliveries through their channels. Each one is claimed
    (committed) before its channel is called and its outcome written after,
    so a run that dies in between never sends it again. Returns how many
    were sent."""
    now = now or timezone.now()
    by_channel = {sender.channel: sender for sender in senders()}
    due = (
        Delivery.objects.filter(
            channel__in=list(by_channel),
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    sent = 0
    for pk in list(due):
        delivery = _claim(pk, now)
        if delivery is None:
            continue
        try:
            by_channel[delivery.channel].send(delivery.notification)
        except Exception as error:  # a channel's failure is recorded, not raised
            logger.warning("delivery %s (%s) failed: %s", pk, delivery.channel, error)
            delivery.status = Delivery.Status.FAILED
            delivery.error = str(error)[:200]
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            sent += 1
        with transaction.atomic():
            delivery._change_reason = _("发送结果")
            delivery.save(update_fields=["status", "error", "sent_at"])
    return sent


@transaction.atomic
def notifications_mark_read(
    *, user, ids: list[int] | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark the user's own notifications read (``ids``; all unread when
    None). Any id that is not one of the user's own notifications refuses
    the whole request (``Notification.DoesNotExist``): nobody marks, or
    learns of, another person's notifications. Returns how many changed."""
    now = now or timezone.now()
    own = Notification.objects.filter(recipient=user)
    if ids is not None:
        ids = set(ids)
        if own.filter(pk__in=ids).count() != len(ids):
            raise Notification.DoesNotExist
        own = own.filter(pk__in=ids)
    unread = list(own.filter(read_at__isnull=True).select_for_update())
    for notification in unread:
        notification.read_at = now
    if unread:
        bulk_update(Notification, unread, ["read_at"], reason=_("已读"))
    return len(unread)
