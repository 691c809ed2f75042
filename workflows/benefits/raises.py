"""Standard raises (提标): a district's new standard row recomputes, from its
date, every benefit in force in that district whose household lives in the
standard's area (urban or rural) — no review case per household.

The district starts it (``standard_raise_start``: the permission on the
district, once per standard); a job (``benefits.standard_raise``) asks each
benefit's programme for the amount on the new standard
(``Case.recalculate_benefit``), writes the changed amounts through
``benefit_amount_change`` with a reason naming the standard, and records a
line per benefit changed or skipped. A programme without a calculation is
skipped and listed; a household the calculation no longer finds eligible
keeps its amount and is listed for its review (the raise never stops a
benefit).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base.history import bulk_create
from ..jobs.kinds import Step, register
from ..jobs.services import job_start
from ..standards.models import AssistanceStandard
from .models import Benefit, StandardRaise, StandardRaiseLine
from .selectors import APPLY_RAISE
from .services import benefit_amount_change, first_of_month

JOB_KIND = "benefits.standard_raise"
CHUNK = 200


def benefits_in_scope(standard: AssistanceStandard):
    """The benefits in force (not stopped) in the standard's district and
    area, in a stable order (the job walks them by primary key)."""
    return (
        Benefit.objects.exclude(status=Benefit.Status.STOPPED)
        .filter(
            region__path__startswith=standard.district.path,
            household__area=standard.area,
        )
        .order_by("pk")
    )


def raise_reason(standard: AssistanceStandard) -> str:
    text = _("提标：%(district)s%(area)s低保标准自 %(day)s 起为 %(amount)s 元/人·月")
    return text % {
        "district": standard.district.name,
        "area": standard.get_area_display(),
        "day": standard.valid_from.isoformat(),
        "amount": standard.monthly_standard,
    }


@transaction.atomic
def standard_raise_start(*, standard: AssistanceStandard, user) -> StandardRaise:
    """Record the raise of ``standard`` and queue its job; refused without
    the permission on the district, and for a standard already applied."""
    if not user.has_perm(APPLY_RAISE, standard.district):
        raise PermissionDenied
    if StandardRaise.objects.filter(standard=standard).exists():
        raise ValidationError(_("该标准已执行过提标重算，不能重复执行。"))
    run = StandardRaise(standard=standard, started_by=user)
    run.full_clean(exclude=["standard"])
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:  # a concurrent start of the same standard
        raise ValidationError(_("该标准已执行过提标重算，不能重复执行。")) from None
    job_start(kind=JOB_KIND, user=user, params={"run": run.pk})
    return run


def _recompute(run: StandardRaise, benefit: Benefit, reason: str):
    """One benefit on the new standard: the line to record, or None when
    its amount stays the same."""
    standard = run.standard
    on = max(standard.valid_from, benefit.start_month)
    recalc = benefit.case.specific.recalculate_benefit(benefit, on=on)
    old = benefit.monthly_amount
    if recalc is None:
        return StandardRaiseLine(
            run=run,
            benefit=benefit,
            result=StandardRaiseLine.Result.SKIPPED,
            old_amount=old,
        )
    if not recalc.eligible:
        return StandardRaiseLine(
            run=run,
            benefit=benefit,
            result=StandardRaiseLine.Result.REVIEW,
            old_amount=old,
        )
    if recalc.monthly_amount == old and recalc.persons == benefit.persons:
        return None
    benefit_amount_change(
        benefit=benefit,
        from_month=first_of_month(on),
        monthly_amount=recalc.monthly_amount,
        persons=recalc.persons,
        reason=reason,
        user=run.started_by,
    )
    return StandardRaiseLine(
        run=run,
        benefit=benefit,
        result=StandardRaiseLine.Result.CHANGED,
        old_amount=old,
        new_amount=recalc.monthly_amount,
    )


@register(JOB_KIND, title=gettext_lazy("提标重算"), permission=APPLY_RAISE)
def standard_raise(job):
    """A chunk of benefits after the last one done (by primary key): each
    chunk's amounts, lines and counts commit with the job's progress."""
    run = StandardRaise.objects.select_related("standard__district", "started_by").get(
        pk=job.params["run"]
    )
    if not job.started_by.has_perm(APPLY_RAISE, run.standard.district):
        raise PermissionDenied("may not apply the standard raise here")
    scope = benefits_in_scope(run.standard)
    after = job.params.get("after", 0)
    chunk = list(
        scope.filter(pk__gt=after).select_related("case", "region", "member")[:CHUNK]
    )
    reason = raise_reason(run.standard)
    lines = []
    for benefit in chunk:
        line = _recompute(run, benefit, reason)
        if line is None:
            run.unchanged += 1
        else:
            line.full_clean(exclude=["run", "benefit"])
            lines.append(line)
    bulk_create(StandardRaiseLine, lines, reason=reason)
    for line in lines:
        if line.result == StandardRaiseLine.Result.CHANGED:
            run.changed += 1
        else:
            run.skipped += 1
    run.benefits_seen += len(chunk)
    finished = len(chunk) < CHUNK
    if finished:
        run.finished_at = timezone.now()
    run.save()
    if chunk:  # saved with the job's progress by the runner
        job.params = {**job.params, "after": chunk[-1].pk}
    return Step(
        done=run.benefits_seen,
        total=run.benefits_seen
        + scope.filter(pk__gt=job.params.get("after", 0)).count(),
        finished=finished,
        result={"changed": run.changed, "skipped": run.skipped},
    )
