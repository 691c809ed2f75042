"""Template helpers of the staff pages."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from ..clock.selectors import (
    may_maintain_calendar,
    unconfirmed_years,
    years_awaiting_confirmation,
)

register = template.Library()


@register.filter
def person(user):
    """A user's display name: full name, else username, else empty."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def seconds(duration):
    """A duration (``timedelta``) as seconds with one decimal: “0.2 秒”."""
    if duration is None:
        return "—"
    return _("%(s).1f 秒") % {"s": duration.total_seconds()}


@register.filter
def case_url(case):
    """The page of a case of any kind (its flow's case page)."""
    return case.get_absolute_url()


@register.filter
def yuan(amount):
    """An amount of money as people read it: 122,200.00. Empty stays empty."""
    if amount is None or amount == "":
        return ""
    return f"{amount:,.2f}"


@register.filter
def permission_label(permission):
    """A permission by its name in the reader's language."""
    from workflows.core.grants import permission_label as label

    return label(permission)


def _year_list(years):
    """2026年、2027 (the template adds the last 年); 2026, 2027 in English."""
    from django.utils.translation import pgettext

    return pgettext("between years in a list", "年、").join(str(y) for y in years)


@register.inclusion_tag("workflows/includes/calendar_warning.html", takes_context=True)
def calendar_warning(context, *due):
    """A warning when any of the deadlines ``due`` (dates, or lists of them)
    falls in a year whose working-day calendar is not confirmed: those
    deadlines are counted Monday–Friday until it is entered. The confirmed
    years are read once per request."""
    years = unconfirmed_years(*due, request=context.get("request"))
    return {"years": years, "year_list": _year_list(years)}


@register.inclusion_tag("workflows/includes/calendar_notice.html", takes_context=True)
def calendar_notice(context):
    """For whoever maintains the calendar: the years still to be entered and
    confirmed (this year; from 1 November, next year too), with a link to do
    it. Nothing, and no query, for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_maintain_calendar(user):
        return {"years": []}
    years = years_awaiting_confirmation(request=request)
    return {
        "years": years,
        "year_list": _year_list(years),
        "url": reverse("calendar:index") + (f"?year={years[0]}" if years else ""),
    }
