"""Base settings, read from the environment (12-factor, django-environ).

Environment variables:
    DATABASE_URL   default: the embedded SQLite file ``var/db.sqlite3``
    SECRET_KEY     required unless DEBUG is on
    DEBUG          default off
    ALLOWED_HOSTS  comma separated, default ``127.0.0.1,localhost``

Logins and sessions (docs/operations.md explains each):
    TRUSTED_PROXIES                  reverse proxies in front of Django, default 0
    LOGIN_FAILURES_PER_ACCOUNT       failed logins that lock an account, default 5
    LOGIN_FAILURES_PER_ADDRESS       failed logins that lock a client address, 50
    LOGIN_COOLOFF_MINUTES            how long a lockout lasts, default 30
    SESSION_IDLE_MINUTES             idle time that ends a session, default 30
    SESSION_ABSOLUTE_HOURS           time since login that ends a session, 12
    CASE_LOCK_WAIT seconds a change waits for a case another request holds
                   (default 5; then "案件正在由他人办理，请稍后重试", HTTP 409)
    AUDIT_HEAD_LOG default ``var/audit-heads-<database name>.log``

Notifications (docs/operations.md#notifications):
    NOTIFICATION_SENDERS  channels besides the in-app list, dotted paths,
                          comma separated (default: the log only)
    EMAIL_URL             the mail server, e.g. ``smtp+tls://user:pw@host:587``
                          (default ``consolemail://``: printed, not sent)
    DEFAULT_FROM_EMAIL    the sender address of e-mails
    SITE_URL              the staff site's address, for links in e-mails

Background jobs, cache (docs/operations.md#background-jobs-and-the-cache):
    CACHE_URL             the shared cache, e.g. ``redis://127.0.0.1:6379/1``
                          (default: local memory, one process only)
    CELERY_BROKER_URL     default ``redis://127.0.0.1:6379/0``; RabbitMQ:
                          ``amqp://user:pw@host:5672//``
    CELERY_VISIBILITY_TIMEOUT  seconds before Redis hands an unacknowledged
                          job to another worker (default 3600)
    JOBS_RUNNER           ``celery`` (default), ``thread`` (make run), ``inline``
    JOBS_STALE_AFTER      seconds after which a job that has not moved is
                          queued again (default 900)
    JOBS_MAX_ATTEMPTS     deliveries of one job before it fails (default 5)
    TIMERS_EVERY          seconds between two runs of the timer dispatcher (30)
    IMPORT_XLSX_MAX_UNPACKED  bytes an uploaded xlsx may unpack to, all members
                          together (default 256 MB; a 200,000-row household
                          file unpacks to about 140 MB)
    IMPORT_XLSX_MAX_RATIO the most a member over 1 MB may be packed (100:1;
                          a real sheet packs about 10:1)
    IMPORT_READY_KEEP_HOURS  hours a checked, unconfirmed upload is kept (24)
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "guardian",
    "simple_history",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "viewflow",
    "viewflow.workflow",
    "roles",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # static files leave here, before any of the page headers below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "workflows.base.edge.EdgeLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # idle and absolute session limits (may log out, with a message)
    "roles.accounts.middleware.SessionLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # privileged accounts: no page before the second factor
    "roles.accounts.middleware.SecondFactorMiddleware",
    "roles.accounts.middleware.NoStoreMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    "workflows.work.guard.ObjectScopeMiddleware",
    "workflows.core.middleware.CaseBusyMiddleware",
    # last, as django-axes requires: turns a lockout into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_from_env():
    """DATABASE_URL, defaulting to the embedded SQLite file.

    SQLite runs in WAL mode with IMMEDIATE transactions: Django ignores
    ``select_for_update`` there, so taking the write lock at BEGIN is what keeps
    two requests from interleaving inside one flow step.
    """
    default_url = "sqlite:///{}".format(VAR_DIR / "db.sqlite3")
    db = env.db_url("DATABASE_URL", default=default_url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            }
        )
    else:
        db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        db.setdefault("CONN_HEALTH_CHECKS", True)
    return db


DATABASES = {"default": _database_from_env()}
# How long a step, a supervisor's move or a timer waits for the lock of a case
# someone else is changing (workflows/core/locks.py).
CASE_LOCK_WAIT = env.float("CASE_LOCK_WAIT", default=5.0)


def _head_log_default():
    """One head log per database, under var/ (``audit-heads-<db name>.log``),
    so the dev, bench and test databases never share one."""
    name = str(DATABASES["default"]["NAME"])
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        name = Path(name).stem
    return VAR_DIR / f"audit-heads-{name}.log"


# The audit chain's heads, appended on every seal (docs/audit.md). In
# production point it at storage the database's administrators cannot rewrite
# (shipped to another host, WORM): docs/operations.md.
AUDIT_HEAD_LOG = Path(env.str("AUDIT_HEAD_LOG", default=str(_head_log_default())))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses any login attempt while the account or address is locked.
    "axes.backends.AxesStandaloneBackend",
    # Model-wide permissions for the Django admin (administrators only).
    "django.contrib.auth.backends.ModelBackend",
    # The one object-permission rule: role AND region, or an explicit grant.
    "roles.backends.ScopedPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth."
        "password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login throttling (django-axes) --------------------------------------------
# An account locks after a few failures from anywhere; a client address only
# after many (an office behind one NAT shares it). roles.accounts.throttle
# counts both; docs/operations.md explains the numbers.
AXES_HANDLER = "roles.accounts.throttle.ThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
# a locked address does not stop an account that logged in from it this recently
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
AXES_FAILURE_LIMIT = "roles.accounts.throttle.account_limit"
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30)
)
# a lockout ends a fixed time after it began: trying again does not extend it
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # the account's own failures only (ThrottleHandler)
AXES_LOCKOUT_CALLABLE = "roles.accounts.throttle.lockout_response"
# the username as typed, cut to the longest a login can be (never overflows)
AXES_USERNAME_CALLABLE = "roles.accounts.throttle.client_username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# never written to axes' records in clear: passwords (always), enrolment codes
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
AXES_ENABLE_ADMIN = False  # our admin: lockouts are released with a reason
AXES_VERBOSE = False
# The client address: REMOTE_ADDR, or behind TRUSTED_PROXIES reverse proxies the
# address the outermost of them saw, counted from the right of X-Forwarded-For
# (whatever a client writes to the left is ignored). django-ipware's proxy count
# is the number of proxies *listed* in the header, one less than the proxies.


def client_address_settings(trusted_proxies):
    """``(AXES_IPWARE_META_PRECEDENCE_ORDER, AXES_IPWARE_PROXY_COUNT)``."""
    if trusted_proxies:
        return ("HTTP_X_FORWARDED_FOR",), trusted_proxies - 1
    return ("REMOTE_ADDR",), None


TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER, AXES_IPWARE_PROXY_COUNT = client_address_settings(
    TRUSTED_PROXIES
)
# a client that sends its own X-Forwarded-For makes the chain longer, not wrong
IPWARE_STRICT = False

# --- Second factor (django-otp, TOTP) -------------------------------------------
# Required for superusers, admin (is_staff) users and city administrators.
OTP_TOTP_ISSUER = "枣庄社会救助"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # nobody reads another person's secret

# --- Sessions -------------------------------------------------------------------
# Shared office computers: the cookie dies with the browser, a session ends
# after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS after
# login (roles.accounts.middleware.SessionLimitMiddleware).
SESSION_IDLE_TIMEOUT = datetime.timedelta(
    minutes=env.int("SESSION_IDLE_MINUTES", default=30)
)
SESSION_ABSOLUTE_LIMIT = datetime.timedelta(
    hours=env.int("SESSION_ABSOLUTE_HOURS", default=12)
)
# the stored session expires with the idle limit too (the middleware refreshes
# it while the user is active)
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Content-Security-Policy (django-csp 4) ---------------------------------------
# Scripts only from our own static files (no inline script, no eval). Inline
# styles are allowed: viewflow's Material templates and components set them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Notifications (workflows/notify) -------------------------------------------
# The in-app list is always on; these channels send each notification once
# more each (workflows.notify.senders: the interface, and how to add one).
NOTIFICATION_SENDERS = env.list(
    "NOTIFICATION_SENDERS", default=["workflows.notify.senders.LogSender"]
)
globals().update(
    (name, value)
    for name, value in env.email_url("EMAIL_URL", default="consolemail://").items()
    if value not in (None, "")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SITE_URL = env.str("SITE_URL", default="")

# --- The shared cache -------------------------------------------------------------
# Anything cached or throttled must hold across processes and hosts: with
# several web processes CACHE_URL points at Redis. Local memory (the
# default) is right for make run and the tests only.


def cache_from_env():
    url = env.str("CACHE_URL", default="locmemcache://")
    backend = None
    if url.startswith(("redis://", "rediss://")):
        backend = "django.core.cache.backends.redis.RedisCache"  # Django's own
    return env.cache_url_config(url, backend=backend)


CACHES = {"default": cache_from_env()}

# --- Background jobs (workflows.jobs) and Celery ----------------------------------
JOBS_RUNNER = env.str("JOBS_RUNNER", default="celery")
JOBS_QUEUE = env.str("JOBS_QUEUE", default="celery")
JOBS_STALE_AFTER = env.int("JOBS_STALE_AFTER", default=900)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=5)
# modules declaring job kinds beyond those the apps import themselves
JOBS_MODULES = env.list("JOBS_MODULES", default=[])
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# No result backend: a job's state and result are its Job row.
CELERY_TASK_IGNORE_RESULT = True
CELERY_IMPORTS = ["workflows.jobs.tasks"]
# A message is acknowledged after its task ran, and goes back to the queue
# when the worker running it dies; a worker takes one message at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = JOBS_QUEUE
# Redis (and SQS) only: a message not acknowledged within this many seconds
# is handed to another worker. Longer than the longest job (docs/operations.md).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # look for abandoned messages every quarter timeout (at most a minute)
    "unacked_restore_interval": min(60, max(1, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
}
CELERY_TIMEZONE = "Asia/Shanghai"
TIMERS_EVERY = env.float("TIMERS_EVERY", default=30.0)
CELERY_BEAT_SCHEDULE = {
    "timer-dispatcher": {
        "task": "jobs.dispatch_timers",
        "schedule": TIMERS_EVERY,
        # a run that could not start in time is skipped, not piled up
        "options": {"expires": TIMERS_EVERY},
    },
}

# --- Imports (workflows.dataio) ------------------------------------------------------
# An xlsx is a zip: refuse one that would unpack beyond this (a zip bomb).
IMPORT_XLSX_MAX_UNPACKED = env.int(
    "IMPORT_XLSX_MAX_UNPACKED", default=256 * 1024 * 1024
)
IMPORT_XLSX_MAX_RATIO = env.int("IMPORT_XLSX_MAX_RATIO", default=100)
# a checked file never confirmed is dropped after this many hours
IMPORT_READY_KEEP_HOURS = env.int("IMPORT_READY_KEEP_HOURS", default=24)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# locale/: the project's own strings (makemessages); locale/vendor/: Chinese for
# third-party strings whose own zh_Hans catalogue is empty (viewflow 2.4).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "project" / "static"]

# A staff form is a few kilobytes; refuse request bodies (other than uploaded
# files) above 1 MB outright (400) instead of storing megabytes of "text".
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# django-guardian: no anonymous user row; our backend answers object checks.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "workflows.base.edge.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["refusals"]},
        # failed logins and lockouts (WARNING) yes, every successful login no
        "axes": {"level": "WARNING"},
    },
}

# Our backend (roles.backends) answers object permissions, explicit grants
# included; guardian provides the grant models and admin, not the check.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
