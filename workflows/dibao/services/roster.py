"""10. The roster (公布, S1 Art 21): the benefit in force, through the spine."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    Application,
    Decision,
)

Stage = Application.Stage


@transaction.atomic
def roster_enrol(*, application: Application):
    """Put an approved household on the recipient roster (publication list):
    the benefit in force, written through the spine's one service."""
    from ...benefits.services import benefit_grant

    decision = application.decisions.get(outcome=Decision.Outcome.APPROVE)
    opinion = application.latest_opinion
    single = opinion.single_member if opinion else None
    assessment = application.current_assessment
    if decision.escalation_id:
        basis = _("一事一议会议决定（%(number)s），低保证 %(certificate)s") % {
            "number": decision.escalation.number,
            "certificate": decision.certificate_number,
        }
    else:
        basis = _("低保审核确认决定，低保证 %(certificate)s") % {
            "certificate": decision.certificate_number
        }
    benefit = benefit_grant(
        case=application,
        member=single,
        persons=1 if single else assessment.result["household_size"],
        monthly_amount=decision.monthly_amount,
        start_month=decision.start_month,
        legal_basis=basis,
    )
    application.stage = Stage.APPROVED
    application.save()
    return benefit
