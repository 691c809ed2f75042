"""The alert process map: 预警 (opened by a monitoring run) → 核查 (the
village coordinator or town caseworker covering the household) → 办结.

The outcome of the verification decides what follows: dismissed with a
reason, a periodic review opened to adjust or stop the benefit, or a 低保
application started from the alert's page (docs/statutory-rules.md).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow.flow import Flow

from roles.models import Role
from workflows.core.grants import ANYWHERE, GrantRule

from ..core import flow
from ..core.flow import ScopedFlowMixin
from . import views
from .models import Alert

R = Role.Code
VIEW = ["workflows.view_alert"]
STEPS = ["workflows.verify_alert", "workflows.visit_case"]

RULE = _(
    "《社会救助暂行办法》第十一条、《最低生活保障审核确认办法》第三十一条"
    "（低收入人口动态监测，核查时限为本地参数）"
)


class AlertFlow(ScopedFlowMixin, Flow):
    """监测预警

    监测比对发现 → 核查（村、镇）→ 销号 / 启动复核 / 发起申请。
    """

    process_class = Alert
    summary_template = "workflows/alerts/includes/alert_summary.html"

    grant_rules = (
        GrantRule(perms=VIEW + STEPS, by={R.TOWN_SUPERVISOR, R.DISTRICT_SUPERVISOR}),
        GrantRule(
            perms=VIEW + ["workflows.audit_case"],
            by={R.DISTRICT_SUPERVISOR, R.CITY_ADMINISTRATOR},
            reach=ANYWHERE,
        ),
    )

    # 1. 监测比对发现（系统）
    raised = (
        flow.StartHandle(this.raise_alert)
        .Annotation(
            title=_("监测比对发现"),
            description=_("部门数据与低收入人口名册比对，发现影响保障的情况。"),
        )
        .Next(this.verify)
    )
    # 2. 核查
    verify = (
        flow.View(views.VerifyView.as_view())
        .Annotation(
            title=_("核查"),
            description=_(
                "核实部门数据反映的情况是否属实：不属实或不影响保障的销号（写明理由）；"
                "影响保障的启动复核，调整金额或停止保障；尚未救助的家庭发起申请。"
            ),
        )
        .Rule(RULE)
        .Permission("workflows.verify_alert")
        .Deadline("alert_verify")
        .Next(this.closed)
    )
    # 3. 办结
    closed = flow.End().Annotation(title=_("已办结"))

    def raise_alert(self, activation, **values):
        """One alert opened through viewflow (``raised.run(**values)``); a
        monitoring run opens many at once (``workflows.core.bulkstart``)."""
        for name, value in values.items():
            setattr(activation.process, name, value)
        return activation.process
