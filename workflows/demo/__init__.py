"""Demo data: staff for every role and level, households at every step,
hotline calls and escalations.

Every case is taken through the real flows by the services, as the demo
staff who hold the posts, so its tasks, deadlines and history are the ones
the system itself writes. Idempotent: a second run changes nothing. The
modules depend downwards only (loader → escalation → hotline, dibao →
base), with no cycle.
"""

from .base import (  # noqa: F401
    DEMO,
    demo_second_factor,
    demo_users,
    load_users,
    open_task,
    second_investigator,
    step,
    user_for,
)
from .dibao import apply, drive, fast_forward_notice  # noqa: F401
from .escalation import escalate  # noqa: F401
from .hotline import answer, call_through, load_calls  # noqa: F401
from .loader import load_households  # noqa: F401
