"""Lists and the alert page, on the scoped selectors."""

import django_filters
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.views import ListModelView

from workflows.core.selectors import cases_visible_to

from ..core.pages import (
    ArchiveMixin,
    CaseLinkMixin,
    DueMixin,
    InboxMixin,
    QueueMixin,
    RememberListMixin,
    TaskListBase,
    task_trail,
)
from ..core.programmes import descendants, followup_starts
from .models import Alert


def alerts_visible_to(user):
    return cases_visible_to(user, Alert).select_related(
        "region", "region__parent", "member", "household", "benefit", "batch"
    )


class AlertTaskList(TaskListBase):
    related = ("process__case__alert", "process__case__alert__member")
    search_field = "process__case__alert__member__name"

    def subject(self, task):
        alert = task.process.case.alert
        return f"{alert.subject} {alert.get_rule_display()}"

    subject.short_description = gettext_lazy("预警事项")


class InboxView(InboxMixin, AlertTaskList):
    pass


class QueueView(QueueMixin, AlertTaskList):
    pass


class ArchiveView(ArchiveMixin, AlertTaskList):
    pass


class AlertFilter(django_filters.FilterSet):
    rule = django_filters.ChoiceFilter(
        label=gettext_lazy("预警规则"), choices=Alert.Rule.choices
    )
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("办理环节"), choices=Alert.Stage.choices
    )
    outcome = django_filters.ChoiceFilter(
        label=gettext_lazy("处理结果"), choices=Alert.Outcome.choices
    )

    class Meta:
        model = Alert
        fields = ["rule", "stage", "outcome"]


class AlertListView(CaseLinkMixin, RememberListMixin, DueMixin, ListModelView):
    """Every alert in the user's regions, newest first."""

    flow_class = None
    model = Alert
    title = gettext_lazy("监测预警")
    columns = ("case_number", "subject", "rule_label", "village", "stage_label")
    filterset_class = AlertFilter
    search_fields = ["member__name"]
    paginate_by = 30

    def get_queryset(self):
        self.queryset = alerts_visible_to(self.request.user).order_by("-created")
        return super().get_queryset()

    def subject(self, alert):
        return alert.subject

    subject.short_description = gettext_lazy("涉及成员")

    def rule_label(self, alert):
        return alert.get_rule_display()

    rule_label.short_description = gettext_lazy("预警规则")

    def village(self, alert):
        return f"{alert.region.parent.name} {alert.region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def stage_label(self, alert):
        return alert.get_stage_display()

    stage_label.short_description = gettext_lazy("办理环节")


class AlertDetailView(generic.DetailView):
    """The alert page: the fact and its evidence, the household's benefit,
    the deadline, the outcome, and the case it led to."""

    flow_class = None
    template_name = "workflows/alerts/alert_detail.html"
    context_object_name = "case"
    pk_url_kwarg = "process_pk"

    def get_queryset(self):
        return alerts_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = self.object
        user = self.request.user
        followups = descendants(alert)
        context.update(
            **task_trail(alert, user),
            followups=followups,
            visible_ids=set(
                cases_visible_to(user)
                .filter(pk__in=[c.pk for c in followups])
                .values_list("pk", flat=True)
            ),
            starts=followup_starts(alert, user),
        )
        return context
