"""7. The public notice and its objections (公示、异议, S1 Art 19)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...core.locks import lock_cases
from ..models import (
    Application,
    Objection,
)

Stage = Application.Stage


# --- 7. public notice (公示) ------------------------------------------------


@transaction.atomic
def notice_close(*, application: Application):
    """The notice period is over (fired by the timer)."""
    for notice in application.notices.filter(ended=False):
        notice.ended = True
        notice.save(update_fields=["ended"])  # one by one: each keeps its history
    if application.has_open_objections:
        application.stage = Stage.OBJECTION
    elif application.included_by_escalation:  # the meeting stands in for review
        application.stage = Stage.DECISION
    else:
        application.stage = Stage.REVIEW
    application.save()


@transaction.atomic
def inclusion_notice_publish(*, application: Application, user, place: str):
    """Publish the 一事一议 meeting's decision to include for 7 days (S1 Art
    19, 28): name, household size and the amount the meeting decided."""
    from .calculation import start_notice

    if not user.has_perm("workflows.propose_application", application):
        raise PermissionDenied(_("您无权发布本案公示。"))
    if not application.included_by_escalation:
        raise ValidationError(_("一事一议会议未决定纳入，无需公示。"))
    assessment = application.current_assessment
    notice = start_notice(
        application=application,
        opinion=application.latest_opinion,
        place=place,
        name=application.applicant.name,
        household_size=(
            assessment.result["household_size"]
            if assessment
            else application.household.members.count()
        ),
        amount=application.escalation_amount,
    )
    application.save()
    return notice


@transaction.atomic
def objection_record(
    *, application: Application, user, received_on, content, objector=""
):
    """Register an objection raised while the notice is posted (S1 Art 19).

    Under the case's lock, so the notice cannot end (the timer) between
    finding it open and recording the objection: an objection recorded a
    moment before the notice closes is routed to 处理公示异议, never lost."""
    if not user.has_perm("workflows.record_objection", application):
        raise PermissionDenied(_("您无权为本案登记异议。"))
    lock_cases([application.pk])
    notice = application.notices.filter(ended=False).order_by("-pk").first()
    if notice is None:
        raise ValidationError(_("本案当前不在公示期内，不能登记公示异议。"))
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    if received_on < notice.starts_on:
        raise ValidationError({"received_on": _("收到日期早于公示开始日期。")})
    objection = Objection(
        application=application,
        notice=notice,
        received_on=received_on,
        objector=objector,
        content=content,
        recorded_by=user,
    )
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def objection_handle(*, application: Application, user, handling: str, result: str):
    """Resolve every open objection: re-investigate, or a community review."""
    open_objections = list(application.open_objections)
    if not open_objections:
        raise ValidationError(_("没有待处理的异议。"))
    if not result.strip():
        raise ValidationError({"result": _("请填写处理结果。")})
    today = timezone.localdate()
    for objection in open_objections:
        objection.handling = handling
        objection.result = result
        objection.resolved_on = today
        objection.resolved_by = user
        objection.full_clean()
        objection.save()
    application.stage = (
        Stage.INVESTIGATION
        if handling == Objection.Handling.REINVESTIGATE
        else Stage.OPINION
    )
    application.save()
