"""Template helpers of the staff pages."""

from django import template

register = template.Library()


@register.filter
def person(user):
    """A user's display name: full name, else username, else empty."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


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
    from roles.grants import permission_label as label

    return label(permission)
