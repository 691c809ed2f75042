"""Lists and the case page of the escalation app; the city's list of
common problems (共性问题) raised by district meetings."""

import django_filters
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.views import ListModelView

from roles.scope import region_q
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
from ..exports.lists import ExportMixin
from ..templatetags.workflows_tags import yuan
from .models import Escalation, Meeting, UnitStatement, given_sum


def escalations_visible_to(user):
    return cases_visible_to(user, Escalation).select_related("region", "region__parent")


class EscalationTaskList(TaskListBase):
    related = ("process__case__escalation",)
    search_field = "process__case__escalation__subject_name"

    def subject(self, task):
        return task.process.case.escalation.subject_name

    subject.short_description = gettext_lazy("救助对象")


class InboxView(InboxMixin, EscalationTaskList):
    pass


class QueueView(QueueMixin, EscalationTaskList):
    pass


class ArchiveView(ArchiveMixin, EscalationTaskList):
    pass


class EscalationFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("办理环节"), choices=Escalation.Stage.choices
    )
    level = django_filters.ChoiceFilter(
        label=gettext_lazy("处置层级"), choices=Escalation.Level.choices
    )

    class Meta:
        model = Escalation
        fields = ["stage", "level"]


class EscalationListView(
    ExportMixin, CaseLinkMixin, RememberListMixin, DueMixin, ListModelView
):
    flow_class = None
    model = Escalation
    title = gettext_lazy("提级复审案件")
    columns = ("case_number", "subject", "village", "level", "stage", "opened_on")
    filterset_class = EscalationFilter
    search_fields = ["subject_name"]
    paginate_by = 30

    def get_queryset(self):
        self.queryset = escalations_visible_to(self.request.user).order_by("-created")
        return super().get_queryset()

    def subject(self, case):
        return case.subject_name

    subject.short_description = gettext_lazy("救助对象")

    def village(self, case):
        return f"{case.region.parent.name} {case.region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def level(self, case):
        return case.get_level_display()

    level.short_description = gettext_lazy("处置层级")

    def stage(self, case):
        return case.get_stage_display()

    stage.short_description = gettext_lazy("办理环节")


class EscalationDetailView(generic.DetailView):
    """The case: who raised it and why, the linked file of the source case,
    the meeting (units, votes, decision, minutes) and every measure with the
    total of all assistance given."""

    flow_class = None
    template_name = "workflows/escalation/case_detail.html"
    context_object_name = "case"
    pk_url_kwarg = "process_pk"

    def get_queryset(self):
        return escalations_visible_to(self.request.user).select_related(
            "origin", "referred_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        user = self.request.user
        meeting = case.meeting
        measures = list(case.measures.select_related("unit", "recorded_by"))
        origins = case.origin_chain
        # the source cases' files (e.g. a 低保 investigation), linked, not
        # copied: each programme renders its own
        referral_files = [
            render_to_string(o.REFERRAL_TEMPLATE, o.referral_context(), self.request)
            for o in origins
            if o.REFERRAL_TEMPLATE
        ]
        context.update(
            **task_trail(case, user),
            statements=UnitStatement.objects.filter(escalation=case).select_related(
                "unit", "stated_by"
            ),
            invited=case.invited_units.all(),
            meeting=meeting,
            votes=meeting.votes.select_related("unit") if meeting else [],
            measures=measures,
            total_given=case.total_given,
            total_planned=sum((m.planned_amount for m in measures), 0),
            origins=origins,
            referral_files=referral_files,
            # the source cases link only for those who may open them
            visible_ids=set(
                cases_visible_to(user)
                .filter(pk__in=[o.pk for o in origins])
                .values_list("pk", flat=True)
            ),
        )
        return context


class CommonProblemListView(
    ExportMixin, CaseLinkMixin, RememberListMixin, ListModelView
):
    """共性问题: district decisions tagged for the city's policy guidance
    (the city tier of Zaozhuang's 一事一议 notice)."""

    flow_class = None
    model = Meeting
    title = gettext_lazy("共性问题")

    def has_view_permission(self, user, obj=None):
        return user.has_perm("workflows.view_common_problems")

    columns = ("case_number", "district", "held_on", "decision", "note", "total")
    paginate_by = 30

    def get_queryset(self):
        user = self.request.user
        qs = Meeting.objects.filter(common_problem=True).select_related(
            "escalation", "escalation__region__parent__parent"
        )
        if not user.is_superuser:
            qs = qs.filter(
                region_q(
                    user,
                    "workflows.view_common_problems",
                    path_field="escalation__region__path",
                )
            )
        return qs.annotate(given=given_sum("escalation__measures__")).order_by(
            "-held_on"
        )

    def case_number(self, meeting):
        return self.link(meeting.escalation)

    case_number.short_description = gettext_lazy("编号")

    def district(self, meeting):
        return meeting.escalation.region.parent.parent.name  # village → town → district

    district.short_description = gettext_lazy("区（市）")

    def held_on(self, meeting):
        return meeting.held_on.isoformat()

    held_on.short_description = gettext_lazy("会议日期")

    def decision(self, meeting):
        return meeting.get_decision_display()

    decision.short_description = gettext_lazy("会议决定")

    def note(self, meeting):
        return meeting.common_problem_note

    note.short_description = gettext_lazy("共性问题说明")

    def total(self, meeting):
        return yuan(meeting.given or 0)

    total.short_description = gettext_lazy("救助合计（元）")
