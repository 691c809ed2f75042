"""The 低保 process map: 最低生活保障审核确认 (民发〔2021〕57号, "S1").

Read top to bottom it is the statute's step table (民发〔2021〕57号;
docs/statutory-rules.md). Each node
names its Chinese step, the article it implements, who may do it (a
permission, offered only to posts covering the case's region) and, where the
statute sets one, its deadline. Branch conditions are properties of
``Application``; the writes are in ``services``.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act
from viewflow.workflow.flow import Flow

from roles.models import Role
from workflows.core.grants import ANYWHERE, GrantRule

from ..core import flow
from ..core.flow import ScopedFlowMixin
from . import services, views
from .models import Application

CONFIRM_PERMS = {
    "workflows.confirm_application",
    "workflows.confirm_delegated_application",
}
DECIDE_PERMS = {
    "workflows.decide_application",
    "workflows.decide_delegated_application",
}
VIEW = ["workflows.view_application"]
# the town's steps (S1 Art 11–19, 21), and taking part in a home visit
TOWN_STEPS = [
    "workflows.accept_application",
    "workflows.investigate_application",
    "workflows.visit_case",
    "workflows.calculate_application",
    "workflows.propose_application",
    "workflows.record_objection",
    "workflows.handle_objection",
    "workflows.deliver_notice",
]
# the district's: the cross-check, confirmation and decision (S1 Art 17, 20, 21)
DISTRICT_STEPS = ["workflows.crosscheck_application", *CONFIRM_PERMS, *DECIDE_PERMS]
R = Role.Code


class DibaoFlow(ScopedFlowMixin, Flow):
    """最低生活保障审核确认

    申请 → 受理 → 调查核实（入户调查、邻里访问、信息核对）→ 收入核算 → 初审 →
    公示 → 审核确认 → 决定 → 纳入保障名册 / 送达不予批准通知。
    """

    process_class = Application
    summary_template = "workflows/dibao/includes/case_summary.html"

    # Who may give whom which power on one case (workflows.core.grants). Only the
    # district gives confirmation or decision, and only to someone whose post
    # could hold it; the town supervisor gives the town's steps to staff of
    # the town; an auditor or colleague from elsewhere may be given one case
    # to read.
    grant_rules = (
        GrantRule(perms=VIEW + TOWN_STEPS, by={R.TOWN_SUPERVISOR}),
        GrantRule(perms=VIEW + TOWN_STEPS + DISTRICT_STEPS, by={R.DISTRICT_SUPERVISOR}),
        GrantRule(
            perms=VIEW + ["workflows.audit_case"],
            by={R.DISTRICT_SUPERVISOR, R.CITY_ADMINISTRATOR},
            reach=ANYWHERE,
        ),
    )

    # 1. 申请: by the applicant at the town window, a village coordinator or a
    #    proxy agent (帮办代办), with the signed verification authorization.
    #    S1 Art 6–10.
    apply = (
        flow.Start(views.ApplyView.as_view())
        .Annotation(title=_("提交申请"))
        .Permission("workflows.apply_application")
        .Next(this.accept)
    )

    # 2. 受理: complete → accepted, the clock starts; incomplete → one notice
    #    listing everything missing (一次性告知); relatives of staff or village
    #    cadres → separate registration (单独登记备案). S1 Art 11–12.
    accept = (
        flow.View(views.AcceptView.as_view())
        .Annotation(
            title=_("受理"),
            description=_(
                "核对申请材料是否齐全：齐全的予以受理并开始计时；不齐全的，一次性告知需补齐的全部材料。"
                "申请人或家庭成员为经办人员、村（社区）干部近亲属的，单独登记备案。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十一条、第十二条"))
        .Permission("workflows.accept_application")
        .Next(this.check_materials)
    )
    check_materials = (
        flow.If(act.process.materials_complete)
        .Annotation(title=_("材料是否齐全"))
        .Then(this.investigate)
        .Else(this.await_materials)
    )
    await_materials = (
        flow.View(views.MaterialsView.as_view())
        .Annotation(
            title=_("补齐材料"),
            description=_("申请人补齐材料后予以受理，办理时限自受理之日起计算。"),
        )
        .Rule(_("《最低生活保障审核确认办法》第十一条"))
        .Permission("workflows.accept_application")
        .Assign(this.responsible_caseworker)
        .Next(this.check_materials)
    )

    # 3–5. 调查核实, in parallel: home visit by two investigators, neighbour
    #    visits, and the county's data cross-check. Investigation starts within
    #    3 working days of acceptance (S1 Art 15); the cross-check within 3
    #    working days of the request (S1 Art 17–18); visits S1 Art 16.
    investigate = (
        flow.Split()
        .Annotation(title=_("启动调查核实"))
        .Next(this.home_visit)
        .Next(this.neighbour_visit)
        .Next(this.cross_check)
    )
    home_visit = (
        flow.View(views.HomeVisitView.as_view())
        .Annotation(
            title=_("入户调查"),
            description=_(
                "由两名工作人员入户，了解家庭人口、收入、财产和生活状况，调查表由调查人员和在场家庭成员签字。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十五条、第十六条"))
        .Permission("workflows.investigate_application")
        .Deadline("investigation_start", since=this.investigation_starts)
        .Assign(this.responsible_caseworker)
        .Next(this.join_investigation)
    )
    neighbour_visit = (
        flow.View(views.NeighbourVisitView.as_view())
        .Annotation(
            title=_("邻里访问"),
            description=_("走访邻里和村（居）民委员会，了解申请家庭的实际生活状况。"),
        )
        .Rule(_("《最低生活保障审核确认办法》第十六条"))
        .Permission("workflows.investigate_application")
        .Deadline("investigation_start", since=this.investigation_starts)
        .Assign(this.responsible_caseworker)
        .Next(this.join_investigation)
    )
    cross_check = (
        flow.View(views.CrossCheckView.as_view())
        .Annotation(
            title=_("家庭经济状况信息核对"),
            description=_(
                "录入区（市）居民家庭经济状况核对机构出具的核对报告。核对发现不符合条件的，"
                "应告知申请人，申请人可提供证据申请复核。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十七条、第十八条"))
        .Permission("workflows.crosscheck_application")
        .Deadline("crosscheck_start")
        .Next(this.check_crosscheck)
    )
    # 5a. 核对结果告知与复查: the cross-check found the household at odds with
    #     its declaration — the town tells the applicant, who may present
    #     evidence and ask for a re-check, and re-checks. S1 Art 18.
    check_crosscheck = (
        flow.If(act.process.crosscheck_disputed)
        .Annotation(title=_("核对结果是否与申报不符"))
        .Then(this.recheck)
        .Else(this.join_investigation)
    )
    recheck = (
        flow.View(views.RecheckView.as_view())
        .Annotation(
            title=_("告知核对结果与复查"),
            description=_(
                "核对发现与申报不符的，及时告知申请人；申请人有异议并提供佐证材料的，"
                "组织复查并记录复查结果。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十八条"))
        .Permission("workflows.investigate_application")
        .Deadline("crosscheck_recheck")
        .Assign(this.responsible_caseworker)
        .Next(this.join_investigation)
    )
    join_investigation = (
        flow.Join().Annotation(title=_("调查完成")).Next(this.calculate)
    )

    # 6. 收入核算: per-capita income, property test, amount, rule version.
    #    S1 Art 13; S2 Art 9, 12.
    calculate = (
        flow.View(views.CalculateView.as_view())
        .Annotation(
            title=_("收入核算"),
            description=_(
                "按调查核实和信息核对的结果修正家庭收入、支出和财产，确认人均月收入、财产状况和保障金额。"
            ),
        )
        .Rule(
            _(
                "《最低生活保障审核确认办法》第十三条；《社会救助暂行办法》第九条、第十二条"
            )
        )
        .Permission("workflows.calculate_application")
        .Assign(this.responsible_caseworker)
        .Next(this.first_opinion)
    )

    # 7. 初审意见 and a 7-day public notice of a proposal to include
    #    (name, household size, amount only). S1 Art 19.
    first_opinion = (
        flow.View(views.OpinionView.as_view())
        .Annotation(
            title=_("初审意见"),
            description=_(
                "根据调查核实和收入核算结果提出初审意见。拟纳入的，在申请家庭所在村（社区）公示7天，"
                "公示内容仅限姓名、保障人数和拟保障金额。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十九条"))
        .Permission("workflows.propose_application")
        .Assign(this.responsible_caseworker)
        .Next(this.check_escalation)
    )

    # 7b. 提级复审: the rules say no but the hardship is real — the district's
    #     leading group decides case by case (一事一议; 《关于改革完善社会救助
    #     制度的意见》2020, docs/guide-escalation.md). The
    #     escalation is its own process; this case waits for its decision,
    #     then goes to the decision (included) or back to a first opinion.
    check_escalation = (
        flow.If(act.process.awaits_escalation)
        .Annotation(title=_("是否提请提级复审"))
        .Then(this.await_escalation)
        .Else(this.check_notice)
    )
    await_escalation = (
        flow.Handle(this.escalation_returned)
        .Annotation(title=_("等待一事一议会议决定"))
        .Next(this.after_escalation)
    )
    after_escalation = (
        flow.If(act.process.included_by_escalation)
        .Annotation(title=_("会议是否决定纳入低保"))
        .Then(this.publish_inclusion)
        .Else(this.first_opinion)
    )
    # The meeting's decision to include stands in for the district's review
    # (审核确认), not for the 7-day public notice: every proposal to include
    # is published (S1 Art 19) and nobody enters 低保 without it (Art 28).
    publish_inclusion = (
        flow.View(views.InclusionNoticeView.as_view())
        .Annotation(
            title=_("公示一事一议纳入决定"),
            description=_(
                "一事一议会议决定纳入低保的，在申请家庭所在村（社区）公示7天，"
                "公示内容仅限姓名、保障人数和保障金额；公示无异议的，作出决定。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十九条、第二十八条"))
        .Permission("workflows.propose_application")
        .Assign(this.responsible_caseworker)
        .Next(this.notice)
    )
    check_notice = (
        flow.If(act.process.needs_notice)
        .Annotation(title=_("是否需要公示"))
        .Then(this.notice)
        .Else(this.review)
    )
    notice = (
        flow.Timer(this.notice_ends)
        .Annotation(title=_("公示期"))
        .Next(this.close_notice)
    )
    close_notice = (
        flow.Function(this.end_notice)
        .Annotation(title=_("公示期满"))
        .Next(this.check_objections)
    )
    check_objections = (
        flow.If(act.process.has_open_objections)
        .Annotation(title=_("公示期间是否有异议"))
        .Then(this.handle_objection)
        .Else(this.after_notice)
    )
    after_notice = (
        flow.If(act.process.included_by_escalation)
        .Annotation(title=_("是否一事一议决定纳入"))
        .Then(this.decide)
        .Else(this.review)
    )

    # 7a. 异议处理: re-investigate, or a community review (民主评议), then a new
    #     opinion and onward to review.
    handle_objection = (
        flow.View(views.ObjectionView.as_view())
        .Annotation(
            title=_("处理公示异议"),
            description=_(
                "公示期间有异议的，重新调查核实，或组织民主评议，然后重新提出初审意见。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第十九条"))
        .Permission("workflows.handle_objection")
        .Assign(this.responsible_caseworker)
        .Next(this.route_objection)
    )
    route_objection = (
        flow.If(act.process.reinvestigation_requested)
        .Annotation(title=_("是否重新调查"))
        .Then(this.investigate)
        .Else(this.first_opinion)
    )

    # 8. 审核确认 at the district (or the town where the district delegated it),
    #    within 10 working days; home visit mandatory for separately registered
    #    cases and cases with objections, plus a random spot check. S1 Art 20.
    review = (
        flow.View(views.ReviewView.as_view())
        .Annotation(
            title=_("审核确认"),
            description=_(
                "审查调查材料和初审意见，作出审核确认意见。单独登记备案和公示有异议的案件必须入户核查，"
                "并按比例随机抽查。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第二十条"))
        .Permission(lambda activation: activation.process.review_permission)
        .Deadline("confirmation")
        .onCreate(this.draw_spot_check)
        .Next(this.decide)
    )

    # 9. 决定: approve (amount, from the month after) or reject with reasons and
    #    remedies, the notice delivered within 3 working days. S1 Art 21–22.
    decide = (
        flow.View(views.DecisionView.as_view())
        .Annotation(
            title=_("作出决定"),
            description=_(
                "批准的，自作出决定的次月起发放保障金；不予批准的，书面说明理由并告知行政复议、行政诉讼权利。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第二十一条、第二十二条"))
        .Permission(lambda activation: activation.process.decision_permission)
        .Next(this.check_decision)
    )
    check_decision = (
        flow.If(act.process.is_approved)
        .Annotation(title=_("是否批准"))
        .Then(this.enrol)
        .Else(this.deliver_rejection)
    )
    deliver_rejection = (
        flow.View(views.DeliveryView.as_view())
        .Annotation(
            title=_("送达不予批准通知"),
            description=_(
                "自决定之日起3个工作日内，通过镇（街道）将不予批准通知书送达申请人。"
            ),
        )
        .Rule(_("《最低生活保障审核确认办法》第二十一条"))
        .Permission("workflows.deliver_notice")
        .Deadline("rejection_notice")
        .Assign(this.responsible_caseworker)
        .Next(this.rejected)
    )

    # 10. 公布: the approved household enters the roster (publication list).
    enrol = (
        flow.Function(this.add_to_roster)
        .Annotation(title=_("纳入保障名册"))
        .Next(this.approved)
    )
    approved = flow.End().Annotation(title=_("已批准"))
    rejected = flow.End().Annotation(title=_("不予批准"))

    # --- handlers: thin calls into services ---------------------------------

    def investigation_starts(self, activation):
        """The investigation's clock starts at acceptance; a re-investigation
        after an objection starts its own, on the day it was decided."""
        return activation.process.investigation_started_on or timezone.localdate()

    def notice_ends(self, activation):
        """The timer fires at the start of the first day after the notice."""
        notice = activation.process.notices.order_by("-pk").first()
        first_day_after = notice.ends_on + datetime.timedelta(days=1)
        return timezone.make_aware(
            datetime.datetime.combine(first_day_after, datetime.time.min)
        )

    def end_notice(self, activation):
        services.notice_close(application=activation.process)

    def draw_spot_check(self, activation):
        services.spot_check_draw(application=activation.process)

    def escalation_returned(self, activation):
        services.escalation_returned(application=activation.process)

    def add_to_roster(self, activation):
        services.roster_enrol(application=activation.process)

    # --- who does what: continuity and separation of duties ------------------

    def responsible_caseworker(self, activation):
        """Town steps go to the caseworker who accepted the case — or to their
        substitute while they are on leave — when that person may do the step;
        otherwise the task waits in the queue."""
        from workflows.work.services import refusal, substitute_for

        accepted = (
            activation.process.task_set.filter(flow_task=self.accept, status="DONE")
            .select_related("owner")
            .order_by("-pk")
            .first()
        )
        if accepted is None or accepted.owner is None:
            return None
        user = substitute_for(accepted.owner)
        if refusal(user, activation.task) is not None:
            return None
        if user != accepted.owner:
            activation.substituted_for = accepted.owner
        return user

    def step_conflict(self, user, case, perm):
        """Separation of duties (S1 Art 12, 20): nobody handles a relative's
        case; nobody who took part in the investigation confirms or decides
        it; the district's confirmer does not also decide (where the district
        delegated review to the town, the town does both — S1 Art 20)."""
        case = case.coerced
        if case.related_staff.filter(pk=user.pk).exists():
            return _(
                "本案申请人与您存在近亲属关系（单独登记备案），您不能办理本案的任何环节。"
            )
        if perm in CONFIRM_PERMS and user.pk in case.investigator_ids:
            return _("您参与了本案的调查核实，按规定不能对本案审核确认。")
        if perm in DECIDE_PERMS:
            if user.pk in case.investigator_ids:
                return _("您参与了本案的调查核实，按规定不能对本案作出决定。")
            if not case.town_confirms and user.pk in case.confirmer_ids:
                return _("您对本案作出了审核确认意见，按规定不能再对本案作出决定。")
        return None

    def cancel_refusal(self, user, case):
        """Where the district delegated review and decision to the town (S1
        Art 20), the town's supervisor may also cancel; otherwise the
        district."""
        case = case.coerced
        if (
            case.town_confirms
            and case.status not in ("DONE", "CANCELED")
            and self.has_manage_permission(user, case)
            and user.has_perm("workflows.decide_delegated_application", case)
        ):
            return None
        return super().cancel_refusal(user, case)

    def conflict_q(self, user):
        """The same rules in SQL, to keep such tasks out of a user's queue."""
        from django.db.models import Q

        application = "process__case__application__"
        investigated = (
            Q(**{f"{application}home_visits__investigator_1": user})
            | Q(**{f"{application}home_visits__investigator_2": user})
            | Q(**{f"{application}home_visits__recorded_by": user})
            | Q(**{f"{application}neighbour_visits__recorded_by": user})
            | Q(**{f"{application}crosscheck_reports__recorded_by": user})
            | Q(**{f"{application}rechecks__recorded_by": user})
        )
        confirmed = Q(**{f"{application}reviews__reviewed_by": user}) & Q(
            **{f"{application}town_confirms": False}
        )
        return (
            Q(**{f"{application}related_staff": user})
            | (Q(flow_task=self.review) & investigated)
            | (Q(flow_task=self.decide) & (investigated | confirmed))
        )
