"""Test settings: fast hashing, a fixed key, the database from DATABASE_URL."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-key")
# jobs run right after their commit, in the test's thread; the tests that
# need a real worker (tests/jobs) start one on this broker
os.environ.setdefault("JOBS_RUNNER", "inline")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")

from .base import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
# Never the dev database's head log; tests each get their own (tests/conftest.py).
AUDIT_HEAD_LOG = Path(tempfile.gettempdir()) / f"audit-heads-test-{os.getpid()}.log"  # noqa: F405
