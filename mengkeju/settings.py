"""Settings: everything configurable comes from the environment, read here and nowhere else.

The defaults run the embedded demo (SQLite under ./var). Production sets DATABASE_URL,
SECRET_KEY and DEBUG=0; a missing SECRET_KEY with DEBUG off is a loud error.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("MENGKEJU_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
_DEMO_SECRET = "mengkeju-demo-insecure-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or env_bool("MENGKEJU_DEMO", True):  # the embedded demo may run on a known key
        SECRET_KEY = _DEMO_SECRET
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when MENGKEJU_DEMO=0 and DEBUG is off.")

DEMO_MODE = env_bool("MENGKEJU_DEMO", True)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*" if DEMO_MODE else "localhost,127.0.0.1").split(",")
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "mengkeju.core",
    "mengkeju.notifications",
    "mengkeju.network",
    "mengkeju.catalog",
    "mengkeju.matching",
    "mengkeju.licensing",
    "mengkeju.deals",
    "mengkeju.challenges",
    "mengkeju.insights",
    "mengkeju.portal",
    "mengkeju.points",
    "mengkeju.jobs",
    "mengkeju.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mengkeju.urls"
WSGI_APPLICATION = "mengkeju.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mengkeju.portal.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mengkeju.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers and the single writer work at once; a busy timeout avoids "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "network.User"

# Django's full set: not like the user name or e-mail ("researcher1" for researcher), 10 characters or
# more, not a common password, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:workspace"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded files are never served at MEDIA_URL; download views check permissions (core.files). "nginx":
# they answer X-Accel-Redirect: /protected/<path> and nginx sends the file from an internal location.
MENGKEJU_SENDFILE = os.environ.get("MENGKEJU_SENDFILE", "").strip().lower()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders in the demo; this stays empty
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "mengkeju.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mengkeju.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mengkeju 蒙科聚 API",
    "DESCRIPTION": "REST API of the Mengkeju technology-transfer service network platform.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Upper bound for money fields (yuan): a budget or price beyond this is treated as a typing error.
MAX_AMOUNT_YUAN = 10_000_000_000

# Matching: the index is derived data under the var folder; rebuild any time with `mengkeju reindex`.
MATCHING_ENABLED = env_bool("MATCHING_ENABLED", True)
MATCHING_INDEX_DIR = Path(os.environ.get("MATCHING_INDEX_DIR", VAR_DIR / "index"))
MATCHING_CACHE_DIR = Path(os.environ.get("MATCHING_CACHE_DIR", VAR_DIR / "embedding-cache"))
MATCHING_EMBEDDER = os.environ.get("MATCHING_EMBEDDER", "e5")  # e5 | hashing
MATCHING_PASSAGES = os.environ.get("MATCHING_PASSAGES", "lead:120")  # retrieval.passages.DEFAULT_STRATEGY
# MATCHING_SYNC: the process that makes a change applies it to the index at commit (tests, scripts);
# default: web processes only write the outbox and `mengkeju worker` (the one index writer) applies it.
MATCHING_SYNC = env_bool("MATCHING_SYNC", False)

# Background jobs (django-tasks): the database backend by default, so SQLite and PostgreSQL deployments
# need nothing more; `mengkeju worker` runs them. Scheduled jobs: name, task, local time of day.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# E-mail: notifications are also e-mailed by the worker when NOTIFY_BY_EMAIL (default: when an SMTP
# host is configured). SITE_URL makes the links in e-mails absolute.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mengkeju@localhost")
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", bool(os.environ.get("EMAIL_HOST")))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
JOBS_SCHEDULE = [
    {"name": "licensing-daily", "task": "mengkeju.licensing.tasks.daily", "at": "01:30"},
]
