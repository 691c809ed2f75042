"""The hotline process map: 登记 → 转办 → 入户核实 → 回访 (the 12349
practice of the source article; docs/statutory-rules.md).

A call may lead to a 低保 application or an escalation (started from the
call's page and linked to it); the answer records which. Each deadline is a
dated parameter (``TimeLimit``), so overdue calls show up for supervisors.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow.flow import Flow

from roles.models import Role
from workflows.core.grants import ANYWHERE, GrantRule

from ..core import flow
from ..core.flow import ScopedFlowMixin
from . import views
from .models import Call

R = Role.Code
VIEW = ["workflows.view_call"]
TOWN_STEPS = ["workflows.verify_call", "workflows.visit_case"]
HOTLINE_STEPS = [
    "workflows.register_call",
    "workflows.dispatch_call",
    "workflows.answer_call",
]

RULE = _("社会救助热线（12349 / 6612349）来电办理规程；时限为区（市）设定的参数")


class HotlineFlow(ScopedFlowMixin, Flow):
    """社会救助热线来电

    登记来电 → 转办镇（街道）→ 入户核实 → 回访来电人。
    """

    process_class = Call
    summary_template = "workflows/hotline/includes/call_summary.html"

    # Who may give whom which power on one call (workflows.core.grants).
    grant_rules = (
        GrantRule(perms=VIEW + TOWN_STEPS, by={R.TOWN_SUPERVISOR}),
        GrantRule(perms=VIEW + TOWN_STEPS + HOTLINE_STEPS, by={R.DISTRICT_SUPERVISOR}),
        GrantRule(perms=VIEW + HOTLINE_STEPS, by={R.CITY_ADMINISTRATOR}),
        GrantRule(
            perms=VIEW + ["workflows.audit_case"],
            by={R.DISTRICT_SUPERVISOR, R.CITY_ADMINISTRATOR},
            reach=ANYWHERE,
        ),
    )

    register = (
        flow.Start(views.RegisterView.as_view())
        .Annotation(title=_("登记来电"))
        .Permission("workflows.register_call")
        .Next(this.dispatch)
    )
    dispatch = (
        flow.View(views.DispatchView.as_view())
        .Annotation(
            title=_("转办"),
            description=_(
                "核对住址所在村（社区），将来电转办至其所属镇（街道）调查核实，写明转办意见。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.dispatch_call")
        .Deadline("hotline_dispatch", since=this.received_on)
        .Next(this.verify)
    )
    verify = (
        flow.View(views.VerifyView.as_view())
        .Annotation(
            title=_("入户核实"),
            description=_(
                "由两名工作人员入户核实来电反映的情况，记录核实情况和结论。"
                "需要申请救助或提级复审的，在来电页面发起并关联。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.verify_call")
        .Deadline("hotline_verify")
        .Next(this.answer)
    )
    answer = (
        flow.View(views.AnswerView.as_view())
        .Annotation(
            title=_("回访"),
            description=_("回访来电人，告知核实结果和办理情况，记录来电人评价。"),
        )
        .Rule(RULE)
        .Permission("workflows.answer_call")
        .Deadline("hotline_answer", since=this.received_on)
        .Next(this.closed)
    )
    closed = flow.End().Annotation(title=_("已办结"))

    def received_on(self, activation):
        return timezone.localtime(activation.process.received_at).date()
