"""Who is acting when no request is: background jobs and commands.

History rows get their user from the request (simple-history's middleware).
A job wraps its work in ``acting(job="…", user=…)`` so its rows say which job
made them and which person started it (None for a scheduled job).
"""

import threading
from contextlib import contextmanager

_state = threading.local()


@contextmanager
def acting(*, job, user=None):
    previous = getattr(_state, "value", None)
    _state.value = (job, user)
    try:
        yield
    finally:
        _state.value = previous


def current():
    """``(job, user)`` of the innermost ``acting`` block, or ``(None, None)``."""
    return getattr(_state, "value", None) or (None, None)


def on_behalf_of(user):
    """A step run as ``user`` outside a request (demo data, commands): its
    rows name that person, and the enclosing job if there is one."""
    return acting(job=current()[0] or "", user=user)


@contextmanager
def because(reason):
    """Rows written inside carry ``reason`` as their change reason (e.g. the
    reason a whole case was cancelled, on every task and the case)."""
    previous = getattr(_state, "reason", None)
    _state.reason = reason
    try:
        yield
    finally:
        _state.reason = previous


def current_reason():
    return getattr(_state, "reason", None)
