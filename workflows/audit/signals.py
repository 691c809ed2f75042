"""Fill in who acted, and refuse a sensitive change without a reason."""

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record

from ..base.context import current, current_reason

# Models whose changes (and deletions) must say why.
REASON_REQUIRED = {
    "workflows.Decision",
    "workflows.AssistanceStandard",
    "workflows.DistrictPolicy",
    "workflows.TimeLimit",
    "workflows.IncomeType",
    "workflows.CalendarDay",
    "workflows.CalendarYear",
    "roles.Post",
    "roles.Role",
    "roles.CaseGrant",
    "roles.CaseGroupGrant",
    "roles.Absence",
}
# …and these also their creation.
REASON_REQUIRED_ON_CREATE = {"roles.CaseGrant", "roles.CaseGroupGrant", "roles.Absence"}


@receiver(pre_create_historical_record)
def attribute_and_check(sender, instance, history_instance, **kwargs):
    job, user = current()
    if job:
        history_instance.history_job = job[:64]
    if history_instance.history_user_id is None and user is not None:
        history_instance.history_user = user
    reason = current_reason()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason
    label = instance._meta.label
    if label not in REASON_REQUIRED:
        return
    kind = history_instance.history_type
    if kind == "+" and label not in REASON_REQUIRED_ON_CREATE:
        return
    reason = history_instance.history_change_reason or ""
    if not reason.strip() and kind != "-":
        # a model that carries its own reason (grants, leave) gives it
        reason = getattr(instance, "reason", "") or ""
        history_instance.history_change_reason = reason
    if not reason.strip():
        raise ValidationError(
            _("%(model)s 的变更须说明理由。") % {"model": instance._meta.verbose_name}
        )
