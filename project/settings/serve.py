"""``make serve``: the production layout on one machine, over plain HTTP on
loopback — several gunicorn workers, a Celery worker and beat, PostgreSQL,
Redis for the broker and the shared cache, whitenoise for static files.

The production settings with their TLS requirements (HTTPS redirect, HSTS,
secure cookies) turned off, and nothing else: there is no TLS on loopback.
Never expose this layer beyond the machine; a deployment uses ``prod``
behind a reverse proxy (docs/operations.md).

Environment (defaults for a fresh machine):
    DATABASE_URL       postgres://postgres@127.0.0.1:5432/zz_serve
    CELERY_BROKER_URL  redis://127.0.0.1:6379/0
    CACHE_URL          redis://127.0.0.1:6379/1
    SECRET_KEY         generated once into var/serve-secret-key
"""

import os
import secrets
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zz_serve")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("JOBS_RUNNER", "celery")


def _local_secret_key():
    path = Path(__file__).resolve().parent.parent.parent / "var" / "serve-secret-key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


if not os.environ.get("SECRET_KEY"):
    os.environ["SECRET_KEY"] = _local_secret_key()

from .prod import *  # noqa: E402,F403

# plain HTTP on loopback: no TLS to require
SECURE_PROXY_SSL_HEADER = None
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
