"""``make serve``'s settings layer: the production settings over plain HTTP on
loopback, with the shared cache and the Celery runner; production itself
stays strict (test_security checks ``check --deploy`` with it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

READ = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "debug": s.DEBUG, "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "hsts": s.SECURE_HSTS_SECONDS, "secure_cookie": s.SESSION_COOKIE_SECURE,
    "cache": s.CACHES["default"]["BACKEND"], "runner": s.JOBS_RUNNER,
    "acks_late": s.CELERY_TASK_ACKS_LATE,
    "prefetch": s.CELERY_WORKER_PREFETCH_MULTIPLIER,
    "reject_on_lost": s.CELERY_TASK_REJECT_ON_WORKER_LOST,
}))
"""


def _settings(module, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "DEBUG", "CACHE_URL", "JOBS_"))
    }
    env.update(DJANGO_SETTINGS_MODULE=module, SECRET_KEY="x" * 50, **extra)
    out = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_serve_is_production_without_tls_and_with_the_shared_cache():
    serve = _settings("project.settings.serve")
    assert serve["debug"] is False
    assert (serve["ssl_redirect"], serve["hsts"], serve["secure_cookie"]) == (
        False,
        0,
        False,
    )
    assert serve["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert serve["runner"] == "celery"
    assert (serve["acks_late"], serve["reject_on_lost"], serve["prefetch"]) == (
        True,
        True,
        1,
    )
    prod = _settings("project.settings.prod")
    assert (prod["ssl_redirect"], prod["secure_cookie"]) == (True, True)
    assert prod["hsts"] >= 31_536_000
    # make run: one process, local memory and a thread for jobs
    dev = _settings("project.settings.dev")
    assert dev["cache"].endswith("LocMemCache") and dev["runner"] == "thread"
