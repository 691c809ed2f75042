"""News that crosses between programmes, through the spine.

A programme never imports another's internals; when a case decides
something another case waits for, it says so here, and the waiting
programme listens (connected in its own ``signals`` module).
"""

from django.dispatch import Signal

# A follow-up case decided (e.g. an escalation's meeting): ``case`` is the
# follow-up, ``origin`` the case it was started from, ``outcome`` a dict —
#   include_in: the kind of programme the household is to be included in
#               ("dibao"), or None;
#   monthly_amount: the amount decided for that programme (Decimal);
#   summary: the decision in words.
# Sent inside the follow-up's transaction; receivers that act on the origin
# do so after it commits (``transaction.on_commit``), under the origin's
# own lock.
followup_decided = Signal()
