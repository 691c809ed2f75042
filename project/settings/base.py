"""Base settings, read from the environment (12-factor, django-environ).

Environment variables:
    DATABASE_URL   default: the embedded SQLite file ``var/db.sqlite3``
    SECRET_KEY     required unless DEBUG is on
    DEBUG          default off
    ALLOWED_HOSTS  comma separated, default ``127.0.0.1,localhost``
    AUDIT_HEAD_LOG default ``var/audit-heads-<database name>.log``
"""

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
    "viewflow",
    "viewflow.workflow",
    "roles",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    "roles.middleware.ObjectScopeMiddleware",
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
    # Model-wide permissions for the Django admin (administrators only).
    "django.contrib.auth.backends.ModelBackend",
    # The one object-permission rule: role AND region, or an explicit grant.
    "roles.backends.ScopedPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

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

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# django-guardian: no anonymous user row; our backend answers object checks.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Our backend (roles.backends) answers object permissions, explicit grants
# included; guardian provides the grant models and admin, not the check.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
