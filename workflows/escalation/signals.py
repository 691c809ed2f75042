"""The escalation programme's part of the dispatcher's sweep."""

from ..core.sweeps import sweep
from .models import Escalation
from .services import report_back


@sweep
def announce_again():
    """A decision the waiting case did not take (it failed after the meeting
    committed) is announced again, until the case has taken it."""
    again = 0
    for escalation in Escalation.objects.filter(
        meeting_record__isnull=False, origin__isnull=False
    ).select_related("origin"):
        if escalation.origin.specific.awaits_followup():
            report_back(escalation=escalation)
            again += 1
    return again
