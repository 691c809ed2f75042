"""Benchmarks: production-like (DEBUG off), on the bench database.

``make bench`` points DATABASE_URL at ``var/bench.sqlite3`` unless it is set,
so the generated city never lands in the development database.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("JOBS_RUNNER", "inline")

from .base import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
