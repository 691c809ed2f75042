"""保障名册 of the 低保 app: the households on 低保 in any month, with the
amount in force that month (the spine's amounts over time, in SQL) and each
benefit's state."""

import datetime

import django_filters
from django import forms
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.views import ListModelView

from ..benefits.models import Benefit
from ..benefits.selectors import amounts_in_force, benefits_visible_to
from ..core.programmes import subject_joins
from ..exports.lists import ExportMixin
from .models import Application


class RosterFilter(django_filters.FilterSet):
    """The month whose amounts the roster shows (read by the view) and the
    benefit's state."""

    month = django_filters.CharFilter(
        label=gettext_lazy("月份"),
        method="keep",
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=Benefit.Status.choices
    )

    class Meta:
        model = Benefit
        fields = ["status"]

    def keep(self, queryset, name, value):
        return queryset


def roster_month(value) -> datetime.date:
    """``?month=YYYY-MM`` as the first of that month; this month otherwise."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


class RosterView(ExportMixin, ListModelView):
    """保障名册: households on 低保, for publication (no ID numbers), with
    the amount and persons in force in a month (``?month=``, default this
    month; blank before a household's first month and after its last: read
    from the amounts over time in SQL) and the state — suspended, in gradual
    exit until its month, stopped with reason and date. Reads the spine's
    benefits of the 低保 programme."""

    flow_class = None
    model = Benefit
    title = gettext_lazy("低保保障名册（公布名单）")
    columns = (
        "name",
        "village",
        "persons_in_month",
        "amount_in_month",
        "from_month",
        "state",
        "stop",
    )
    filterset_class = RosterFilter
    paginate_by = 50

    def has_view_permission(self, user, obj=None):
        return user.has_perm("workflows.view_application")

    def get_queryset(self):
        month = roster_month(self.request.GET.get("month"))
        self.month = month
        self.queryset = amounts_in_force(
            benefits_visible_to(
                self.request.user,
                kind=Application.KIND,
                perm="workflows.view_application",
            ).select_related(*subject_joins("case__")),
            month,
        )
        return super().get_queryset()

    def name(self, benefit):
        url = reverse(
            "register:household", kwargs={"household_pk": benefit.household_id}
        )
        return format_html('<a href="{}">{}</a>', url, benefit.name)

    name.short_description = gettext_lazy("姓名")

    def village(self, benefit):
        return f"{benefit.region.parent.name} {benefit.region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def persons_in_month(self, benefit):
        return benefit.persons_in_month

    persons_in_month.short_description = gettext_lazy("保障人数")

    def amount_in_month(self, benefit):
        return benefit.amount_in_month

    amount_in_month.short_description = gettext_lazy("当月保障金额（元）")

    def from_month(self, benefit):
        return formats.date_format(benefit.start_month, "YEAR_MONTH_FORMAT")

    from_month.short_description = gettext_lazy("起始月份")

    def state(self, benefit):
        label = benefit.get_status_display()
        if benefit.status == Benefit.Status.EXITING and benefit.exit_until:
            until = formats.date_format(benefit.exit_until, "YEAR_MONTH_FORMAT")
            return _("%(state)s（至 %(month)s）") % {"state": label, "month": until}
        if benefit.status == Benefit.Status.SUSPENDED and benefit.suspended_on:
            return _("%(state)s（%(day)s 起）") % {
                "state": label,
                "day": benefit.suspended_on.isoformat(),
            }
        return label

    state.short_description = gettext_lazy("状态")

    def stop(self, benefit):
        if benefit.status != Benefit.Status.STOPPED:
            return ""
        return _("%(day)s %(reason)s") % {
            "day": benefit.stopped_on.isoformat() if benefit.stopped_on else "",
            "reason": benefit.get_stop_reason_display(),
        }

    stop.short_description = gettext_lazy("停保日期和原因")
