"""What the 低保 programme hears from others, through the spine."""

import logging

from django.db import transaction
from django.dispatch import receiver

from ..core.signals import followup_decided
from .models import Application

logger = logging.getLogger(__name__)


@receiver(followup_decided, dispatch_uid="dibao-followup-decided")
def escalation_decided(sender, case, origin, outcome, **kwargs):
    """An escalation raised from a 低保 application decided: once its
    transaction commits, the application records the decision and, if it is
    waiting at "等待一事一议会议决定", continues — under its own lock."""
    if origin.kind != Application.KIND or not sender.IS_ESCALATION:
        return
    transaction.on_commit(
        lambda: _resume(origin.pk, case.pk, dict(outcome)), robust=True
    )


def _resume(application_pk, escalation_pk, outcome):
    from .flows import DibaoFlow

    try:
        resume(application_pk, escalation_pk, outcome, flow=DibaoFlow)
    except Exception:  # the escalation's sweep announces it again
        logger.exception("application %s did not take its decision", application_pk)


@transaction.atomic
def resume(application_pk, escalation_pk, outcome, *, flow):
    with flow.lock(application_pk):
        application = Application.objects.get(pk=application_pk)
        if application.escalation_included is None:
            included = outcome.get("include_in") == Application.KIND
            application.escalation_case_id = escalation_pk
            application.escalation_included = included
            application.escalation_amount = (
                outcome.get("monthly_amount") or 0 if included else 0
            )
            application._change_reason = outcome.get("summary") or ""
            application.save(
                update_fields=[
                    "escalation_case",
                    "escalation_included",
                    "escalation_amount",
                ]
            )
        task = application.waiting_task()
        if task is not None:
            flow.await_escalation.run(task)
