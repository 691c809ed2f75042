"""Development: the embedded SQLite database and the dev server (``make run``)."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F403

WHITENOISE_AUTOREFRESH = True  # noqa: F405
