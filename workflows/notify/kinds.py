"""Notifications in words, made when they are read (in the reader's language).

A notification stores its kind and parameters; the words come from here, so
the same record reads in Chinese on the page and in an e-mail, and in English
for a reader who chose English.
"""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Notification

Kind = Notification.Kind


def _due(params):
    """The deadline as people read it: a moment for limits in hours."""
    if params.get("due_at"):
        moment = timezone.localtime(datetime.datetime.fromisoformat(params["due_at"]))
        return formats.date_format(moment, "Y-m-d H:i")
    if params.get("due_on"):
        return params["due_on"]
    return ""


def _unit(code):
    from ..clock.models import TimeLimit

    return dict(TimeLimit.Unit.choices).get(code, code or "")


def _level(code):
    from roles.models import Level

    return dict(Level.choices).get(code, code or "")


def _subject(notification):
    """「step」（case number）, or what is known of them."""
    step = ""
    if notification.task_id is not None:
        node = notification.task.flow_task
        step = str(getattr(node, "task_title", "") or "")
    number = notification.case.number if notification.case_id else ""
    if step and number:
        return _("%(case)s「%(step)s」") % {"case": number, "step": step}
    return number or step


def render(notification) -> str:
    params = notification.params or {}
    values = {
        "subject": _subject(notification),
        "due": _due(params),
        "level": _level(params.get("level")),
        "days": params.get("days", ""),
        "unit": _unit(params.get("unit")),
    }
    kind = notification.kind
    if kind == Kind.REMINDER:
        return _("%(subject)s将于 %(due)s 到期，请及时办理。") % values
    if kind == Kind.OVERDUE:
        return (
            _("%(subject)s已超过期限（%(due)s），已列入%(level)s负责人的督办清单。")
            % values
        )
    if kind == Kind.OVERDUE_ESCALATED:
        return (
            _(
                "%(subject)s已超过期限（%(due)s），逾期满 %(days)s 个%(unit)s"
                "仍未办结，已报%(level)s负责人督办。"
            )
            % values
        )
    return str(notification.get_kind_display())


def subject_line(notification) -> str:
    """A short title (e-mail subject)."""
    return _("【社会救助】%(kind)s：%(subject)s") % {
        "kind": notification.get_kind_display(),
        "subject": _subject(notification),
    }
