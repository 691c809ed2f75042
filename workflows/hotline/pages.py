"""Lists and the call page of the hotline app, on the scoped selectors."""

import django_filters
from django.utils.html import format_html
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
from ..exports.lists import ExportMixin
from .models import Call


def calls_visible_to(user):
    return cases_visible_to(user, Call).select_related(
        "region", "region__parent", "town"
    )


class CallTaskList(TaskListBase):
    related = ("process__case__call",)
    search_field = "process__case__call__subject_name"

    def subject(self, task):
        call = task.process.case.call
        if call.urgency == Call.Urgency.URGENT:
            return format_html(
                '{} <span class="zz-chip zz-chip--bad">{}</span>',
                call.subject_name,
                call.get_urgency_display(),
            )
        return call.subject_name

    subject.short_description = gettext_lazy("当事人")


class InboxView(InboxMixin, CallTaskList):
    pass


class QueueView(QueueMixin, CallTaskList):
    pass


class ArchiveView(ArchiveMixin, CallTaskList):
    pass


class CallFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("办理环节"), choices=Call.Stage.choices
    )
    outcome = django_filters.ChoiceFilter(
        label=gettext_lazy("办理结果"), choices=Call.Outcome.choices
    )
    urgency = django_filters.ChoiceFilter(
        label=gettext_lazy("紧急程度"), choices=Call.Urgency.choices
    )

    class Meta:
        model = Call
        fields = ["stage", "outcome", "urgency"]


class CallListView(
    ExportMixin, CaseLinkMixin, RememberListMixin, DueMixin, ListModelView
):
    """Every call in the user's regions, newest first."""

    flow_class = None
    model = Call
    title = gettext_lazy("热线来电")
    columns = ("case_number", "subject", "topic", "village", "stage", "received")
    filterset_class = CallFilter
    search_fields = ["subject_name", "caller_name"]
    paginate_by = 30

    def get_queryset(self):
        self.queryset = calls_visible_to(self.request.user).order_by("-received_at")
        return super().get_queryset()

    def subject(self, call):
        return call.subject_name

    subject.short_description = gettext_lazy("当事人")

    def topic(self, call):
        return call.get_topic_display()

    topic.short_description = gettext_lazy("求助事项")

    def village(self, call):
        return f"{call.region.parent.name} {call.region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def stage(self, call):
        return call.get_stage_display()

    stage.short_description = gettext_lazy("办理环节")

    def received(self, call):
        from django.utils import timezone

        return timezone.localtime(call.received_at).strftime("%Y-%m-%d %H:%M")

    received.short_description = gettext_lazy("来电时间")


class CallDetailView(generic.DetailView):
    """The call page: what was asked, where it went, what was found and
    answered, the cases it led to, and buttons to start them."""

    flow_class = None
    template_name = "workflows/hotline/call_detail.html"
    context_object_name = "case"
    pk_url_kwarg = "process_pk"

    def get_queryset(self):
        return calls_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        call = self.object
        user = self.request.user
        followups = descendants(call)
        context.update(
            **task_trail(call, user),
            followups=followups,
            # what the call led to shows by number and stage to everyone who
            # sees the call; the file opens only for those who may read it
            visible_ids=set(
                cases_visible_to(user)
                .filter(pk__in=[c.pk for c in followups])
                .values_list("pk", flat=True)
            ),
            starts=followup_starts(call, user),
        )
        return context
