"""Form helpers every programme's step pages share: money, dates in the
past, the two people of a home visit."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.grants import people_who_may

from ..registry.models import MAX_MONTHLY
from .widgets import DateInput

VISIT = "workflows.visit_case"


def money(label, maximum=MAX_MONTHLY, **kwargs):
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=maximum,
        max_digits=14,
        decimal_places=2,
        error_messages={
            "min_value": _("金额不能为负数。"),
            "max_value": _("金额超出合理范围（不超过 %(limit_value)s 元），请核对。"),
        },
        **kwargs,
    )


def with_blank(choices):
    """Choices with an empty first option, so an untouched formset row stays
    empty (and is ignored) instead of submitting a preselected value."""
    return [("", "—")] + list(choices)


def past_date(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=DateInput(),
        validators=[_not_in_future],
        **kwargs,
    )


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))


TEXTAREA = forms.Textarea(attrs={"rows": 3})


def visit_staff(case):
    """Staff who may be one of the two people of a home visit: a post in
    force covering the case whose role takes part in visits (caseworkers,
    village coordinators), or a grant of it — not the auditor, the hotline
    operator, nor the supervisor who will later decide."""
    people = people_who_may(VISIT, case)
    return (
        get_user_model()
        .objects.filter(pk__in=[u.pk for u in people])
        .order_by("last_name", "first_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class TwoInvestigatorsMixin:
    """A home visit's two investigators: staff whose post covers the case;
    the person filling the form is the first by default."""

    def set_investigators(self, case, user):
        staff = visit_staff(case)
        self.fields["investigator_1"].queryset = staff
        self.fields["investigator_2"].queryset = staff
        self.fields["investigator_1"].initial = user.pk
