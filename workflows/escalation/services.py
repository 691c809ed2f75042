"""Writes of the escalation process (提级复审 / 一事一议), one per step."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.scope import user_posts
from workflows.work.services import group_grants_give, group_grants_withdraw

from ..benefits.models import RegisterEntry
from ..benefits.services import register_enter
from ..core.locks import lock_cases
from ..standards.models import DistrictPolicy
from .models import Escalation, Measure, Meeting, MemberUnit, UnitStatement, Vote

Stage = Escalation.Stage

# what an invited unit's staff may do on the one case they were invited to
UNIT_PERMS = [
    "workflows.view_escalation",
    "workflows.state_measures_escalation",
    "workflows.record_measure_escalation",
]


def quorum_for(escalation, on=None):
    """The district's minimum number of units at a meeting (a dated parameter)."""
    on = on or timezone.localdate()
    policy = (
        DistrictPolicy.objects.in_force(on)
        .filter(district=escalation.region.district)
        .first()
    )
    if policy is None:
        raise ValidationError(
            _(
                "%(district)s没有有效的审核确认设置（含会议最少到会单位数），请管理员补充。"
            )
            % {"district": escalation.region.district.name}
        )
    return policy.escalation_quorum


# --- 1. referral (提请) ---------------------------------------------------------


def open_escalation_of(case):
    """The escalation of ``case`` still being handled, if any."""
    return (
        Escalation.objects.filter(origin=case, finished__isnull=True)
        .exclude(status="CANCELED")
        .first()
    )


def escalation_refer(
    *, escalation: Escalation, user, level, hardship, referral_reason, source
):
    """提级复审 (or 镇街个案处置) of a case the rules do not cover, raised from
    another case (``source``: a 低保 application, a hotline call, …) that says
    it may be escalated. The source's file stays with it and is shown linked."""
    if source is None:
        raise ValidationError(_("提级复审须关联来源案件（如低保申请或热线来电）。"))
    source = source.specific
    if not user.has_perm("workflows.refer_escalation", source):
        raise PermissionDenied(_("您无权就该案件提请提级复审。"))
    if level == Escalation.Level.TOWN and not any(
        post.level == "town"
        and source.region.path.startswith(post.path)
        and "workflows.refer_escalation" in post.perms
        for post in user_posts(user)
    ):
        raise ValidationError({"level": _("镇（街道）个案处置由该镇（街道）提请。")})
    # the source case's lock: two referrals of one case at once are one
    # referral and a refusal, not two escalations
    lock_cases([source.pk])
    refusal = source.escalation_refusal()
    if refusal:
        raise ValidationError(refusal)
    existing = open_escalation_of(source)
    if existing is not None:
        raise ValidationError(
            _("该案件已有正在办理的提级复审（%(number)s）。")
            % {"number": existing.number}
        )
    if not (hardship or "").strip():
        raise ValidationError({"hardship": _("请写明家庭困难情况。")})
    if not (referral_reason or "").strip():
        raise ValidationError({"referral_reason": _("请写明提请理由。")})
    escalation.household = source.household
    escalation.subject_name = source.subject
    escalation.region = source.region
    escalation.origin = source
    escalation.level = level
    escalation.hardship = hardship.strip()
    escalation.referral_reason = referral_reason.strip()
    escalation.referred_by = user
    escalation.opened_on = timezone.localdate()
    escalation.stage = (
        Stage.TOWN_HANDLING if level == Escalation.Level.TOWN else Stage.PREPARATION
    )
    escalation.full_clean(exclude=["flow_class"])
    return escalation


def escalation_start_for(*, case, user, reason, hardship=""):
    """Start a district escalation of ``case`` from its own step (a 低保 first
    opinion "提请提级复审"): open-source viewflow has no Subprocess node, so the
    escalation is its own process, linked by ``origin``; the case waits for
    the decision, announced by ``followup_decided``."""
    from ..core.services import start_flow
    from .flows import EscalationFlow

    return start_flow(
        node=EscalationFlow.refer,
        user=user,
        step=lambda activation: escalation_refer(
            escalation=activation.process,
            user=user,
            level=Escalation.Level.DISTRICT,
            hardship=hardship or reason,
            referral_reason=reason,
            source=case,
        ),
    )


# --- town tier (镇街个案处置) ------------------------------------------------------


@dataclass
class GivenMeasure:
    provider: str
    description: str
    amount: Decimal
    given_on: object
    reference: str = ""


def handle_locally(*, escalation: Escalation, user, decision, measures):
    """The town handles the case itself (一事一议 town tier): its decision and
    the assistance it gave, each with amount, date and reference."""
    if not (decision or "").strip():
        raise ValidationError({"decision": _("请写明处置意见。")})
    today = timezone.localdate()
    for m in measures:
        if m.given_on > today:
            raise ValidationError(_("落实日期不能晚于今天。"))
        if m.amount < 0:
            raise ValidationError(_("金额不能为负数。"))
    escalation.town_decision = decision.strip()
    escalation.save()
    for m in measures:
        measure = Measure(
            escalation=escalation,
            provider=m.provider,
            description=m.description,
            planned_amount=m.amount,
            amount=m.amount,
            given_on=m.given_on,
            reference=m.reference,
            status=Measure.Status.DONE,
            recorded_by=user,
        )
        measure.full_clean()
        measure.save()
    if measures:
        _enter_hardship(escalation, decision.strip())


def _enter_hardship(escalation: Escalation, note: str):
    """A 一事一议 decision that helps the household without putting it on a
    programme (measures given or agreed) puts it in the low-income register
    as a household in hardship (刚性支出困难)."""
    if escalation.household_id is None:
        return
    register_enter(
        household=escalation.household,
        category=RegisterEntry.Category.HARDSHIP,
        since=timezone.localdate(),
        case=escalation,
        note=note,
    )


# --- 2. preparation (会议准备) and the units' statements --------------------------


def meeting_prepare(
    *, escalation: Escalation, user, summary, meeting_date, meeting_place, chair, units
):
    """Prepare the case and convene the meeting; each invited unit is given
    this one case (a grant to its staff group) and a task of its own."""
    errors = {}
    units = list(units)
    district = escalation.region.district
    if meeting_date < timezone.localdate():
        errors["meeting_date"] = _("会议日期不能早于今天。")
    strangers = [
        u.name for u in units if u.district_id != district.pk or not u.is_active
    ]
    if strangers:
        errors["units"] = _("%(units)s 不是本区（市）在册的成员单位。") % {
            "units": "、".join(strangers)
        }
    quorum = quorum_for(escalation, meeting_date)
    if len(units) < quorum:
        errors["units"] = _(
            "邀请的成员单位（%(n)s 个）少于会议最少到会单位数（%(quorum)s 个）。"
        ) % {"n": len(units), "quorum": quorum}
    if errors:
        raise ValidationError(errors)
    escalation.summary = summary.strip()
    escalation.meeting_date = meeting_date
    escalation.meeting_place = meeting_place.strip()
    escalation.chair = chair.strip()
    escalation.prepared_by = user
    escalation.stage = Stage.MEETING
    escalation.full_clean(exclude=["flow_class"])
    escalation.save()
    escalation.invited_units.set(units)
    reason = _("邀请参加 %(number)s 一事一议专题会议") % {"number": escalation.number}
    for unit in units:
        group_grants_give(
            case=escalation, group=unit.group, perms=UNIT_PERMS, by=user, reason=reason
        )


def unit_of(user, escalation, unit_pk):
    """The invited unit ``unit_pk``, if ``user`` works for it."""
    unit = escalation.invited_units.filter(pk=unit_pk).first()
    if unit is None:
        raise PermissionDenied(_("该单位未受邀参加本案会议。"))
    if not user.groups.filter(pk=unit.group_id).exists():
        raise PermissionDenied(
            _("此任务属于%(unit)s，您不是该单位的工作人员。") % {"unit": unit.name}
        )
    return unit


def statement_give(*, escalation: Escalation, unit: MemberUnit, user, measures, amount):
    """A unit states what it can do within its remit, with the amount."""
    if escalation.meeting is not None:
        raise ValidationError(_("会议已经召开，不能再提出措施。"))
    if UnitStatement.objects.filter(escalation=escalation, unit=unit).exists():
        raise ValidationError(_("%(unit)s 已提出意见。") % {"unit": unit.name})
    statement = UnitStatement(
        escalation=escalation,
        unit=unit,
        measures=measures.strip(),
        amount=amount,
        stated_by=user,
    )
    statement.full_clean()
    statement.save()
    return statement


# --- 3. the meeting (会议表决和决定) ---------------------------------------------


@dataclass
class UnitVote:
    unit_pk: int
    choice: str
    opinion: str = ""
    measure: str = ""
    amount: Decimal = Decimal("0")


def meeting_record(
    *,
    escalation: Escalation,
    user,
    held_on,
    place,
    chair,
    attendees,
    votes,
    decision,
    monthly_amount,
    decision_text,
    minutes,
    common_problem=False,
    common_problem_note="",
):
    """The meeting's record: each invited unit present or absent and its
    vote, the decision, the agreed measures, the minutes. Units that never
    stated their measures are recorded absent from that step."""
    if escalation.meeting is not None:
        raise ValidationError(_("本案已作出会议决定，不能重复决定。"))
    errors = {}
    invited = {u.pk: u for u in escalation.invited_units.all()}
    stray = [v.unit_pk for v in votes if v.unit_pk not in invited]
    if stray:
        names = MemberUnit.objects.filter(pk__in=stray).values_list("name", flat=True)
        raise ValidationError(
            _("%(units)s 未受邀参加本次会议，不能表决。")
            % {"units": "、".join(names) or ", ".join(map(str, stray))}
        )
    problems = []  # about the units' rows, shown together
    seen, twice = set(), set()
    for v in votes:
        (twice if v.unit_pk in seen else seen).add(v.unit_pk)
    if twice:
        problems.append(
            _("%(units)s 的表决重复填写，每个单位只能表决一次。")
            % {"units": "、".join(invited[pk].name for pk in sorted(twice))}
        )
    by_unit = {v.unit_pk: v for v in votes}
    missing = [invited[pk].name for pk in invited if pk not in by_unit]
    if missing:
        problems.append(
            _("请填写 %(units)s 的到会和表决情况。") % {"units": "、".join(missing)}
        )
    if held_on > timezone.localdate():
        errors["held_on"] = _("会议日期不能晚于今天：请在会议召开后记录。")
    elif held_on < escalation.opened_on:
        errors["held_on"] = _("会议日期不能早于提请日期（%(date)s）。") % {
            "date": escalation.opened_on.isoformat()
        }
    # every count comes from one row per unit: a repeated row cannot add votes
    present = [v for v in by_unit.values() if v.choice != Vote.Choice.ABSENT]
    quorum = quorum_for(escalation, held_on)
    if len(present) < quorum:
        problems.append(
            _("到会成员单位%(n)s个，少于最少到会单位数%(quorum)s个，会议不能作出决定。")
            % {"n": len(present), "quorum": quorum}
        )
    if any(v.amount < 0 for v in votes):
        problems.append(_("金额不能为负数。"))
    absent_with_measure = [
        invited[v.unit_pk].name
        for v in by_unit.values()
        if v.choice == Vote.Choice.ABSENT and (v.amount > 0 or v.measure.strip())
    ]
    if absent_with_measure:
        problems.append(
            _("%(units)s 记为缺席，不能议定其救助措施；请改为到会或清除其措施和金额。")
            % {"units": "、".join(absent_with_measure)}
        )
    if problems:
        errors["votes"] = problems
    if decision == Meeting.Decision.DIBAO:
        if monthly_amount is None or monthly_amount <= 0:
            errors["monthly_amount"] = _("决定纳入低保的，请填写每月保障金额。")
        if not _origin_waits(escalation, Meeting.Decision.DIBAO.value):
            errors["decision"] = _(
                "纳入低保须有等待本会议决定的低保申请。原申请已办结的，请重新受理低保申请，"
                "或选择临时救助等帮扶措施。"
            )
    if common_problem and not (common_problem_note or "").strip():
        errors["common_problem_note"] = _("请说明共性问题，供市民政局研究。")
    if errors:
        raise ValidationError(errors)
    votes_for = sum(1 for v in present if v.choice == Vote.Choice.FOR)
    meeting = Meeting(
        escalation=escalation,
        held_on=held_on,
        place=place.strip(),
        chair=chair.strip(),
        attendees=attendees.strip(),
        decision=decision,
        monthly_amount=monthly_amount if decision == Meeting.Decision.DIBAO else 0,
        decision_text=decision_text.strip(),
        minutes=minutes.strip(),
        votes_for=votes_for,
        votes_against=sum(1 for v in present if v.choice == Vote.Choice.AGAINST),
        abstentions=sum(1 for v in present if v.choice == Vote.Choice.ABSTAIN),
        units_present=len(present),
        carried=votes_for * 2 > len(present),  # a majority of the units present
        common_problem=common_problem,
        common_problem_note=(common_problem_note or "").strip(),
        recorded_by=user,
    )
    meeting.full_clean()
    meeting.save()
    for pk, unit in invited.items():
        v = by_unit[pk]
        vote = Vote(meeting=meeting, unit=unit, choice=v.choice, opinion=v.opinion)
        vote.full_clean()
        vote.save()
        agreed = meeting.carried and decision != Meeting.Decision.REJECT
        if agreed and (v.amount > 0 or v.measure.strip()):
            measure = Measure(
                escalation=escalation,
                unit=unit,
                provider=unit.name,
                description=v.measure.strip() or v.opinion.strip(),
                planned_amount=v.amount,
            )
            measure.full_clean()
            measure.save()
    _close_statements(escalation, user)
    if meeting.carried and decision == Meeting.Decision.MEASURES:
        note = meeting.decision_text or meeting.get_decision_display()
        _enter_hardship(escalation, note)
    # carrying out: the units' measures and informing the beneficiary
    escalation.stage = Stage.MEASURES
    escalation.save()
    return meeting


def _close_statements(escalation, user):
    """After the meeting: unanswered statement tasks are closed (the unit is
    recorded as not having stated measures), and units without a measure to
    carry out lose their access to the case."""
    from .flows import EscalationFlow

    for task in escalation.task_set.filter(
        flow_task=EscalationFlow.state_measures, status__in=["NEW", "ASSIGNED"]
    ):
        task.flow_task.activation_class(task).cancel()
    with_measures = set(escalation.measures.values_list("unit_id", flat=True))
    for unit in escalation.invited_units.all():
        group_grants_withdraw(
            case=escalation,
            group=unit.group,
            perms=None if unit.pk not in with_measures else [UNIT_PERMS[1]],
            reason=_("一事一议会议已召开"),
        )


def report_back(*, escalation: Escalation):
    """Announce the meeting's decision to the case the escalation was raised
    from (a waiting 低保 application continues; its programme listens)."""
    meeting = escalation.meeting
    included = bool(
        meeting and meeting.carried and meeting.decision == Meeting.Decision.DIBAO
    )
    _announce(
        escalation,
        include_in=Meeting.Decision.DIBAO.value if included else None,
        monthly_amount=meeting.monthly_amount if included else Decimal("0"),
        summary=meeting.get_decision_display() if meeting else "",
    )


def _origin_waits(escalation, kind):
    """Is the case this escalation was raised from a case of programme
    ``kind`` waiting for its decision (e.g. a 低保 application at
    "等待一事一议会议决定")?"""
    origin = escalation.origin
    return bool(origin and origin.kind == kind and origin.specific.awaits_followup())


def _announce(escalation, **outcome):
    from ..core.signals import followup_decided

    if escalation.origin_id is None:
        return
    followup_decided.send(
        sender=Escalation,
        case=escalation,
        origin=escalation.origin,
        outcome=outcome,
    )


# --- 4. measures carried out (措施落实) --------------------------------------------


def measure_record(*, escalation: Escalation, unit, user, amount, given_on, reference):
    """A unit records what it gave under the measure agreed for it."""
    measure = escalation.measures.filter(
        unit=unit, status=Measure.Status.PLANNED
    ).first()
    if measure is None:
        raise ValidationError(
            _("%(unit)s 没有待落实的救助措施。") % {"unit": unit.name}
        )
    errors = {}
    if amount is None or amount < 0:
        errors["amount"] = _("金额不能为负数。")
    if given_on > timezone.localdate():
        errors["given_on"] = _("落实日期不能晚于今天。")
    elif escalation.meeting and given_on < escalation.meeting.held_on:
        errors["given_on"] = _("落实日期不能早于会议日期（%(day)s）。") % {
            "day": escalation.meeting.held_on.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    measure.amount = amount
    measure.given_on = given_on
    measure.reference = reference.strip()
    measure.status = Measure.Status.DONE
    measure.recorded_by = user
    measure.full_clean()
    measure.save()
    if not escalation.measures.filter(unit=unit, status=Measure.Status.PLANNED):
        # the unit's part is done: it may still read the case (and see it
        # through) until the case closes, but record nothing more
        group_grants_withdraw(
            case=escalation,
            group=unit.group,
            perms=[UNIT_PERMS[2]],
            reason=_("本单位救助措施已落实"),
        )
    return measure


def inform(*, escalation: Escalation, user, informed_on, note):
    if informed_on > timezone.localdate():
        raise ValidationError({"informed_on": _("告知日期不能晚于今天。")})
    escalation.informed_on = informed_on
    escalation.inform_note = note.strip()
    escalation.informed_by = user
    escalation.save()


def close(*, escalation: Escalation):
    """The case is done: every unit's access to it ends."""
    for unit in escalation.invited_units.all():
        group_grants_withdraw(
            case=escalation, group=unit.group, reason=_("提级复审办结")
        )
    if escalation.meeting is None:  # handled by the town: nothing included
        _announce(
            escalation,
            include_in=None,
            monthly_amount=Decimal("0"),
            summary=escalation.town_decision,
        )
    escalation.stage = Stage.CLOSED
    escalation.save()
