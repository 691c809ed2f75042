"""One holder at a time across processes and hosts: ``exclusive(name)``.

On PostgreSQL a session-level advisory lock (``pg_try_advisory_lock``): it
lives with the data it protects, needs no other service, and is released by
the server when the holder's connection ends — a killed process never leaves
it held, so no expiry time has to be guessed (a Redis lock's TTL must outlast
the longest run, or a slow holder loses it while still working). It needs a
session of its own: behind a transaction-pooling PgBouncer it does not hold.

On SQLite (one host by definition) an ``flock`` on a file next to the
database, released by the kernel when the holder exits.
"""

import fcntl
import hashlib
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


def _key(name):
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def exclusive(name):
    """Yields True if this process now holds ``name`` (until the block
    ends), False if another holds it; never waits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        return
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode())
    path = Path(settings.VAR_DIR) / f"{name}-{database.hexdigest()[:12]}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
