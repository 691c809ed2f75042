"""Template helpers of the staff pages."""

from django import template

register = template.Library()


@register.filter
def person(user):
    """A user's display name: full name, else username, else empty."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
