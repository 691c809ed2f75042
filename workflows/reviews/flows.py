"""The review process map (动态复核, 民发〔2021〕57号 "S1" Art 30–34;
《社会救助暂行办法》 "S2" Art 68).

Read top to bottom it is the statute's step table: a review opened by the
periodic schedule, a change report, an alert or repeated refusals of work →
调查核实 (the cross-check and a home visit; or a notice, then the payment
held until the household reports) → 镇（街道）意见 → 决定 (the district, or
the town where delegated; whoever investigated or proposed does not decide)
→ 送达通知 → the decision applied to the benefit → for a gradual exit, a
timer that stops the benefit when the exit ends. Branch conditions are
properties of ``BenefitReview``; the writes are in ``services``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act
from viewflow.workflow.flow import Flow

from roles.models import Role
from workflows.core.grants import ANYWHERE, GrantRule

from ..core import flow
from ..core.flow import ScopedFlowMixin
from . import decision, views
from .models import BenefitReview

R = Role.Code
DECIDE_PERMS = {
    "workflows.decide_benefitreview",
    "workflows.decide_delegated_benefitreview",
}
VIEW = ["workflows.view_benefitreview"]
TOWN_STEPS = [
    "workflows.open_benefitreview",
    "workflows.investigate_benefitreview",
    "workflows.visit_case",
    "workflows.propose_benefitreview",
    "workflows.deliver_benefitreview",
]
S1_31 = _("《最低生活保障审核确认办法》第三十一条")


class ReviewFlow(ScopedFlowMixin, Flow):
    """动态复核

    发起复核（定期、情况变化报告、监测预警、拒绝就业）→ 调查核实 → 镇（街道）意见 →
    决定 → 送达通知 → 执行（继续、增发、减发、停发、渐退、暂停发放）。
    """

    process_class = BenefitReview
    summary_template = "workflows/reviews/includes/summary.html"

    grant_rules = (
        GrantRule(perms=VIEW + TOWN_STEPS, by={R.TOWN_SUPERVISOR}),
        GrantRule(
            perms=VIEW + TOWN_STEPS + sorted(DECIDE_PERMS), by={R.DISTRICT_SUPERVISOR}
        ),
        GrantRule(
            perms=VIEW + ["workflows.audit_case"],
            by={R.DISTRICT_SUPERVISOR, R.CITY_ADMINISTRATOR},
            reach=ANYWHERE,
        ),
    )

    # 1. A change reported by the family or staff opens the review at once
    #    (S1 Art 30, 32); the periodic schedule, an alert and repeated work
    #    refusals open it through ``services.review_open`` at the same node.
    start = (
        flow.Start(views.ChangeReportView.as_view())
        .Annotation(title=_("报告情况变化"))
        .Permission("workflows.open_benefitreview")
        .Next(this.investigate)
    )

    # 2. 调查核实: the cross-check over the feeds and a home visit by two
    #    people; a household that does not cooperate is served a notice.
    investigate = (
        flow.View(views.InvestigateView.as_view())
        .Annotation(
            title=_("复核调查核实"),
            description=_(
                "一键核对家庭成员的部门数据，由两名工作人员入户核查家庭人口、收入和财产变化；"
                "家庭不配合的，送达催告通知并记录。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第三十条、第三十一条、第三十二条"))
        .Permission("workflows.investigate_benefitreview")
        .Deadline("review_investigate")
        .Next(this.check_cooperation)
    )
    check_cooperation = (
        flow.If(act.process.household_cooperated)
        .Annotation(title=_("家庭是否配合复核"))
        .Then(this.propose)
        .Else(this.await_report)
    )

    # 2a. Not cooperating after the notice: the payment is held (暂停发放, not
    #     stopped); it resumes when the household reports, and the review
    #     goes on with a new investigation.
    await_report = (
        flow.View(views.AwaitReportView.as_view())
        .Annotation(
            title=_("等待家庭配合"),
            description=_(
                "催告后仍不配合的，暂停发放保障金；家庭报告并配合复核的，恢复发放并重新调查核实。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第三十条、第三十二条"))
        .Permission("workflows.investigate_benefitreview")
        .Next(this.check_reported)
    )
    check_reported = (
        flow.If(act.process.household_reported)
        .Annotation(title=_("家庭是否已报告"))
        .Then(this.investigate)
        .Else(this.await_report)
    )

    # 3. 镇（街道）意见: the recalculation on the standard in force and the
    #    proposal with reasons.
    propose = (
        flow.View(views.ProposeView.as_view())
        .Annotation(
            title=_("提出复核意见"),
            description=_(
                "按现行标准重新核算，提出继续、增发、减发、停发、渐退或暂停发放的意见，写明理由。"
            ),
        )
        .Rule(S1_31)
        .Permission("workflows.propose_benefitreview")
        .Next(this.decide)
    )

    # 4. 决定: by the level that confirms; written reasons; an amount change
    #    from the month after the decision; a stop with its reason and, for
    #    fraud, the amount to recover.
    decide = (
        flow.View(views.DecideView.as_view())
        .Annotation(
            title=_("作出复核决定"),
            description=_(
                "审查调查材料、核算结果和镇（街道）意见，作出决定并书面说明理由；"
                "以虚报、隐瞒、伪造等手段骗取救助的，决定停发并追回。"
            ),
        )
        .Rule(
            _(
                "《最低生活保障审核确认办法》第二十条、第三十一条至第三十四条；"
                "《社会救助暂行办法》第六十八条"
            )
        )
        .Permission(lambda activation: activation.process.decision_permission)
        .Deadline("review_decide")
        .Next(this.deliver)
    )

    # 5. 送达: the town delivers the notice (reasons and remedies).
    deliver = (
        flow.View(views.DeliverView.as_view())
        .Annotation(
            title=_("送达复核决定通知"),
            description=_(
                "通过镇（街道）将复核决定通知书送达家庭，告知理由和救济途径。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第二十一条"))
        .Permission("workflows.deliver_benefitreview")
        .Deadline("review_notice")
        .Next(this.apply_decision)
    )

    # 6. The decision applied to the benefit; the next review date by class.
    apply_decision = (
        flow.Function(this.apply_to_benefit)
        .Annotation(title=_("执行复核决定"))
        .Next(this.check_exit)
    )
    check_exit = (
        flow.If(act.process.is_gradual_exit)
        .Annotation(title=_("是否渐退"))
        .Then(this.exit_period)
        .Else(this.closed)
    )

    # 7. 渐退期 (S1 Art 33): the benefit stops by itself when it ends.
    exit_period = (
        flow.Timer(this.exit_ends).Annotation(title=_("渐退期")).Next(this.exit_stop)
    )
    exit_stop = (
        flow.Function(this.stop_after_exit)
        .Annotation(title=_("渐退期满停保"))
        .Next(this.exited)
    )
    exited = flow.End().Annotation(title=_("渐退期满，已停保"))
    closed = flow.End().Annotation(title=_("已办结"))

    # --- handlers: thin calls into services ---------------------------------

    def apply_to_benefit(self, activation):
        decision.review_apply(review=activation.process)

    def exit_ends(self, activation):
        return decision.exit_moment(activation.process)

    def stop_after_exit(self, activation):
        decision.review_exit_end(review=activation.process)

    # --- separation of duties -------------------------------------------------

    def step_conflict(self, user, case, perm):
        """Whoever investigated or proposed does not decide (S1 Art 12, 20)."""
        if perm in DECIDE_PERMS:
            return decision.decide_conflict(user, case.coerced)
        return None

    def conflict_q(self, user):
        """The same rule in SQL, to keep such tasks out of a user's queue."""
        from django.db.models import Q

        review = "process__case__benefitreview__"
        took_part = (
            Q(**{f"{review}investigator_1": user})
            | Q(**{f"{review}investigator_2": user})
            | Q(**{f"{review}proposed_by": user})
        )
        return Q(flow_task=self.decide) & took_part
