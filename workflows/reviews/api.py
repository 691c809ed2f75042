"""The review programme's public module: what other programmes may call.

An alert whose verification ends in "adjust the amount" or "stop", or that
found a death in a household of more than one person (``review_class=
"after_death"``), opens a review case here at once. Nothing else of this
package is for other programmes (an import-linter contract keeps it so).
"""

from .models import BenefitReview
from .services import review_open as _review_open

__all__ = ["review_open"]


def review_open(
    *,
    benefit,
    trigger: str,
    reason: str,
    user,
    origin=None,
    review_class=None,
) -> BenefitReview:
    """Open a review (动态复核) of ``benefit`` at once and return it; when one
    is already open for the benefit, that one is returned (never two).

    ``trigger``: ``BenefitReview.Trigger`` value ("periodic",
    "change_report", "alert", "work_refusal"); ``reason``: why, in words;
    ``user``: who opens it (the caller checked its own permission; None for
    the system); ``origin``: the case it was opened from (an alert), linked
    in the household's chain; ``review_class``: a new class for the benefit
    (e.g. "after_death": the review falls due within that class's interval).
    """
    return _review_open(
        benefit=benefit,
        trigger=trigger,
        reason=reason,
        user=user,
        origin=origin,
        review_class=review_class,
    )
