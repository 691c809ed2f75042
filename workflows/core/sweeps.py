"""Work the timer dispatcher does on every sweep, besides firing timers.

Programmes register a function here (in their ``signals`` module) instead of
the dispatcher naming them: e.g. the escalation programme re-announces a
decision whose waiting case did not take it the first time.
"""

import logging

logger = logging.getLogger(__name__)

SWEEPS = []


def sweep(fn):
    """Register ``fn()`` (returns how many things it did) for every sweep."""
    SWEEPS.append(fn)
    return fn


def run_sweeps():
    done = 0
    for fn in SWEEPS:
        try:
            done += fn() or 0
        except Exception:  # one programme's failure must not stop the others
            logger.exception("sweep %s failed", fn.__qualname__)
    return done
