"""The escalation process map: 提级复审 / 一事一议 (docs/guide-escalation.md).

提请 → (镇街个案处置 | 会议准备 → 各成员单位提出措施 ∥ 会议表决和决定) →
向低保申请反馈 → 各单位落实措施 ∥ 告知救助对象 → 办结.

Open-source viewflow has no Subprocess node: a 低保 application that asks for
an escalation starts this process (linked both ways) and waits at its own
``await_escalation`` node, which ``report_back`` completes after the meeting.
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import act
from viewflow.workflow.flow import Flow

from roles.models import Role
from workflows.core.grants import ANYWHERE, GrantRule

from ..core import flow
from ..core.flow import ScopedFlowMixin
from . import services, views
from .models import Escalation, Measure

R = Role.Code
VIEW = ["workflows.view_escalation"]
TOWN_STEPS = [
    "workflows.refer_escalation",
    "workflows.handle_locally_escalation",
    "workflows.inform_escalation",
]
DISTRICT_STEPS = ["workflows.prepare_escalation", "workflows.record_meeting_escalation"]
UNIT_STEPS_PERMS = [
    "workflows.state_measures_escalation",
    "workflows.record_measure_escalation",
]

RULE = gettext_lazy(
    "《关于改革完善社会救助制度的意见》（2020）；"
    "枣庄市《关于健全完善社会救助“一事一议”制度的通知》"
)


class EscalationFlow(ScopedFlowMixin, Flow):
    """提级复审（一事一议）

    提请 → 会议准备 → 成员单位提出措施 ∥ 会议表决 → 措施落实 ∥ 告知 → 办结。
    """

    process_class = Escalation
    summary_template = "workflows/escalation/includes/summary.html"

    # Who may give whom which power on one escalation (workflows.core.grants): the
    # town its own steps, the district the meeting's; a unit's steps go only
    # to member units' staff, through their group, from whoever convenes.
    grant_rules = (
        GrantRule(perms=VIEW + TOWN_STEPS, by={R.TOWN_SUPERVISOR}),
        GrantRule(perms=VIEW + TOWN_STEPS + DISTRICT_STEPS, by={R.DISTRICT_SUPERVISOR}),
        GrantRule(
            perms=VIEW + ["workflows.audit_case"],
            by={R.DISTRICT_SUPERVISOR, R.CITY_ADMINISTRATOR},
            reach=ANYWHERE,
        ),
        GrantRule(
            perms=VIEW + UNIT_STEPS_PERMS,
            by={R.DISTRICT_REVIEWER, R.DISTRICT_SUPERVISOR},
            to_units=True,
        ),
    )

    # 1. 提请: from a town caseworker, a district reviewer, a hotline call or a
    #    rejected / ineligible 低保 application, linked to its file.
    refer = (
        flow.Start(views.ReferView.as_view())
        .Annotation(title=gettext_lazy("提请提级复审"))
        .Permission("workflows.refer_escalation")
        .Next(this.check_level)
    )
    check_level = (
        flow.If(act.process.handled_by_town)
        .Annotation(title=gettext_lazy("处置层级"))
        .Then(this.handle_locally)
        .Else(this.prepare)
    )

    # town tier: the town handles the case itself and records what it gave
    handle_locally = (
        flow.View(views.HandleLocallyView.as_view())
        .Annotation(
            title=gettext_lazy("镇（街道）个案处置"),
            description=gettext_lazy(
                "镇（街道）对个案灵活处置：写明处置意见，登记已给予的救助（单位、措施、金额、日期、凭证）。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.handle_locally_escalation")
        .Deadline("escalation_prepare")
        .Next(this.report_back)
    )

    # 2. 会议准备: the bureau prepares the case and convenes the meeting
    prepare = (
        flow.View(views.PrepareView.as_view())
        .Annotation(
            title=gettext_lazy("会议准备"),
            description=gettext_lazy(
                "整理案情，形成情况汇报；确定会议日期、地点、主持人，邀请相关成员单位"
                "（不少于最少到会单位数）。受邀单位将收到本案的查看权限和提出措施的任务。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.prepare_escalation")
        .Deadline("escalation_prepare")
        .Next(this.convene)
    )
    # 3. each invited unit states its measures, in parallel with the meeting
    convene = (
        flow.Split()
        .Annotation(title=gettext_lazy("召集成员单位"))
        .Next(this.state_measures, data_source=this.invited_units)
        .Next(this.record_meeting)
    )
    state_measures = (
        flow.View(views.StatementView.as_view())
        .Annotation(
            title=gettext_lazy("成员单位提出救助措施"),
            description=gettext_lazy(
                "立足本单位职责，提出可以采取的救助措施和金额，供会议研究。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.state_measures_escalation")
        .Deadline("unit_statement")
        .Next(this.statement_done)
    )
    statement_done = flow.End().Annotation(title=gettext_lazy("单位意见已提出"))

    # 4. 会议表决和决定
    record_meeting = (
        flow.View(views.MeetingView.as_view())
        .Annotation(
            title=gettext_lazy("会议表决和决定"),
            description=gettext_lazy(
                "会后记录到会单位、各单位意见和表决（赞成、反对、弃权、缺席）、会议决定和会议纪要。"
                "到会单位少于最少到会单位数的，不能作出决定；表决以到会单位过半数赞成通过。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.record_meeting_escalation")
        .Next(this.report_back)
    )
    report_back = (
        flow.Function(this.tell_application)
        .Annotation(title=gettext_lazy("向低保申请反馈"))
        .Next(this.carry_out)
    )

    # 5. each agreed measure carried out by its unit; the household informed
    carry_out = (
        flow.Split()
        .Annotation(title=gettext_lazy("落实措施"))
        .Next(this.record_measure, data_source=this.units_with_measures)
        .Next(this.inform)
    )
    record_measure = (
        flow.View(views.MeasureView.as_view())
        .Annotation(
            title=gettext_lazy("登记措施落实"),
            description=gettext_lazy("登记本单位实际给予的救助：金额、日期、凭证号。"),
        )
        .Rule(RULE)
        .Permission("workflows.record_measure_escalation")
        .Deadline("measure_delivery")
        .Next(this.carried_out)
    )
    inform = (
        flow.View(views.InformView.as_view())
        .Annotation(
            title=gettext_lazy("告知救助对象"),
            description=gettext_lazy(
                "将处理结果和各项救助措施告知救助对象（或来电人）。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.inform_escalation")
        .Next(this.carried_out)
    )
    carried_out = (
        flow.Join().Annotation(title=gettext_lazy("措施落实完毕")).Next(this.close)
    )
    close = (
        flow.Function(this.close_case)
        .Annotation(title=gettext_lazy("办结"))
        .Next(this.closed)
    )
    closed = flow.End().Annotation(title=gettext_lazy("已办结"))

    # --- data sources and handlers -------------------------------------------

    def invited_units(self, activation):
        return [{"unit": u.pk} for u in activation.process.invited_units.all()]

    def units_with_measures(self, activation):
        units = (
            activation.process.measures.filter(status=Measure.Status.PLANNED)
            .exclude(unit=None)
            .values_list("unit_id", flat=True)
            .distinct()
        )
        return [{"unit": pk} for pk in units]

    def tell_application(self, activation):
        services.report_back(escalation=activation.process)

    def close_case(self, activation):
        services.close(escalation=activation.process)

    # --- a unit's task is for that unit's staff only ---------------------------

    UNIT_STEPS = ("state_measures", "record_measure")

    def step_conflict(self, user, case, perm):
        """A unit's steps are for member units' staff only."""
        if (
            perm in UNIT_STEPS_PERMS
            and not user.groups.filter(member_unit__isnull=False).exists()
        ):
            return _("提出和落实救助措施只能由受邀成员单位的工作人员办理。")
        return None

    def duty_conflict(self, user, task):
        if task.flow_task.name not in self.UNIT_STEPS:
            return self.step_conflict(user, task.process.coerced, task.owner_permission)
        unit_pk = (task.data or {}).get("unit")
        if unit_pk and user.groups.filter(member_unit__pk=unit_pk).exists():
            return None
        from .models import MemberUnit

        unit = MemberUnit.objects.filter(pk=unit_pk).first()
        return _("此任务属于%(unit)s，只能由该单位的工作人员办理。") % {
            "unit": unit.name if unit else "—"
        }

    def unit_conflict(self, group, case):
        """Only a member unit of the case's district, in service."""
        from .models import MemberUnit

        unit = MemberUnit.objects.filter(group=group).first()
        district = case.region.district
        if unit is None or unit.district_id != district.pk or not unit.is_active:
            return _("%(group)s 不是%(district)s在册的成员单位。") % {
                "group": group.name,
                "district": district.name,
            }
        return None

    def conflict_q(self, user):
        mine = list(
            user.groups.filter(member_unit__isnull=False).values_list(
                "member_unit__pk", flat=True
            )
        )
        unit_steps = Q(flow_task=self.state_measures) | Q(flow_task=self.record_measure)
        return unit_steps & ~Q(data__unit__in=mine)
