"""Delivery channels behind one interface (``NOTIFICATION_SENDERS``).

The in-app list is always on: the ``Notification`` row is what the page and
the header's unread count read. Every other channel is a ``Sender`` named by
its dotted path in the setting, in order; each gets one ``Delivery`` row per
notification, so each sends a notification at most once (``services``).

Writing a channel (an SMS gateway, the government staff app's message
interface): subclass ``Sender``, give it a stable ``channel`` name, say in
``reaches`` whether the person can be reached (a mobile number on file), and
in ``send`` hand the words to the gateway, raising on failure. Add its dotted
path to ``NOTIFICATION_SENDERS`` (docs/operations.md).
"""

import functools
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Sender:
    """One delivery channel."""

    channel = ""  # stored on each delivery; keep it stable

    def reaches(self, recipient) -> bool:
        """Can this channel reach ``recipient`` at all?"""
        return True

    def send(self, notification) -> None:
        """Send ``notification``; raise if it was not sent."""
        raise NotImplementedError


def words(notification):
    """Subject and body in the bureau's language (a channel has no reader
    whose language we know)."""
    from .kinds import render, subject_line

    with translation.override(settings.LANGUAGE_CODE):
        subject, body = subject_line(notification), render(notification)
    site = getattr(settings, "SITE_URL", "")
    if site:
        from django.urls import reverse

        with translation.override(settings.LANGUAGE_CODE):
            body += "\n\n" + site.rstrip("/") + reverse("notifications:index")
    return subject, body


class LogSender(Sender):
    """Development: writes each notification to the log."""

    channel = "log"

    def send(self, notification):
        subject, body = words(notification)
        logger.info(
            "notification %s to %s: %s %s",
            notification.pk,
            notification.recipient,
            subject,
            body,
        )


class EmailSender(Sender):
    """E-mail through Django's mail backend (``EMAIL_URL``), to staff with an
    e-mail address on their account."""

    channel = "email"

    def reaches(self, recipient):
        return bool(recipient.email)

    def send(self, notification):
        subject, body = words(notification)
        EmailMessage(subject, body, to=[notification.recipient.email]).send()


@functools.cache
def _load(paths):
    found = []
    for path in paths:
        sender = import_string(path)()
        if not sender.channel:
            raise ValueError(f"{path} names no channel")
        found.append(sender)
    return tuple(found)


def senders():
    """The configured channels besides the in-app list."""
    return _load(tuple(getattr(settings, "NOTIFICATION_SENDERS", ())))
