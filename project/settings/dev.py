"""Development: the embedded SQLite database and the dev server (``make run``)."""

import os

os.environ.setdefault("DEBUG", "1")
# no broker: jobs run in a thread of the web process, timers by run_timers
os.environ.setdefault("JOBS_RUNNER", "thread")

from .base import *  # noqa: E402,F403

WHITENOISE_AUTOREFRESH = True  # noqa: F405
