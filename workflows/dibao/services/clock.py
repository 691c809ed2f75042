"""The overall limit (S1 Art 22) and sensitive reads of the case."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from roles.accounts.throttle import client_address

from ...core.clocks import start_case_clock
from ...core.locks import lock_cases
from ...core.models import SensitiveAccess
from ..models import (
    Application,
)

Stage = Application.Stage


# --- the overall clock (S1 Art 22) -----------------------------------------


@transaction.atomic
def deadline_extend(*, application: Application, user, reason: str):
    """Extend the overall limit to 45 working days, with a recorded reason.

    Under the case's lock, on the case as it is now, writing only the
    extension: a step completed at the same moment keeps what it wrote."""
    if not user.has_perm("workflows.extend_deadline", application):
        raise PermissionDenied(_("您无权延长本案办理期限。"))
    if not reason.strip():
        raise ValidationError({"reason": _("延长办理期限须写明理由。")})
    lock_cases([application.pk])
    application.refresh_from_db()
    if application.accepted_on is None:
        raise ValidationError(_("本案尚未受理，尚未开始计时。"))
    if application.limit_code == "overall_extended":
        raise ValidationError(_("本案办理期限已延长过，不能再次延长。"))
    if application.finished:
        raise ValidationError(_("本案已办结。"))
    start_case_clock(application, "overall_extended", application.clock_started_on)
    application.extension_reason = reason.strip()
    application._change_reason = reason.strip()
    application.save(
        update_fields=["limit_code", "due_on", "due_at", "extension_reason"]
    )


# --- sensitive reads -------------------------------------------------------


@transaction.atomic
def id_number_revealed(*, case, member, user, request=None):
    """Log that ``user`` saw ``member``'s full ID number (not the number)."""
    if not user.has_perm("workflows.reveal_idnumber", case):
        raise PermissionDenied(_("您无权查看完整身份证号码。"))
    SensitiveAccess.objects.create(
        user=user,
        action=SensitiveAccess.Action.REVEAL_ID,
        case=case,
        record=f"workflows.member:{member.pk}",
        ip_address=client_address(request) if request else None,
    )
