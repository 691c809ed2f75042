"""The page header's notification bell: one count query per page."""

from django import template

register = template.Library()


@register.inclusion_tag("workflows/notify/bell.html", takes_context=True)
def notification_bell(context):
    from ..notify.selectors import unread_count

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": unread_count(user) if user is not None else 0}
