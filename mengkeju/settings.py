"""Settings: everything configurable comes from the environment, read here and nowhere else.

MENGKEJU_DEMO=1 runs the embedded demo (SQLite under ./var, a known key, any host name). Without it
the settings are production's: SECRET_KEY and ALLOWED_HOSTS are required (a missing one stops start-up
naming the variable), cookies are secure, HTTPS is enforced; docs/operations.md, Security settings.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("MENGKEJU_VAR_DIR", PROJECT_DIR / "var"))


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no from the environment; anything but 1/0, true/false, yes/no, on/off is a loud error
    (a typo such as "ture" must not quietly turn a safety switch off)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set in production (MENGKEJU_DEMO is not 1 and DEBUG is off); "
            "see docs/operations.md, Security settings."
        )
    return value


DEBUG = env_bool("DEBUG", False)
# Demo mode is explicit: `make demo` (and the tests) set MENGKEJU_DEMO=1. Only then (or with DEBUG) may
# the platform run on the known demo key, answer any host name and load the demo accounts.
DEMO_MODE = env_bool("MENGKEJU_DEMO", False)
RELAXED = DEMO_MODE or DEBUG
_DEMO_SECRET = "mengkeju-demo-insecure-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or (
    _DEMO_SECRET if RELAXED else env_required("SECRET_KEY")
)
ALLOWED_HOSTS = [
    h.strip()
    for h in (
        os.environ.get("ALLOWED_HOSTS", "").strip() or ("*" if RELAXED else env_required("ALLOWED_HOSTS"))
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# HTTPS and browser protections. In production (not demo, not DEBUG) cookies are secure, plain HTTP is
# redirected and HSTS is sent; MENGKEJU_BEHIND_TLS_PROXY=1 trusts the proxy's X-Forwarded-Proto (only
# behind a proxy that sets it: nginx `proxy_set_header X-Forwarded-Proto $scheme`).
if env_bool("MENGKEJU_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not RELAXED)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not RELAXED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not RELAXED)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if RELAXED else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
# Preload (the browsers' built-in HTTPS list) is on with a year of HSTS, as `check --deploy` asks.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 365 * 24 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A login lasts a working day (not Django's two weeks); SESSION_HOURS changes it.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600

# Content-Security-Policy (django-csp 4): scripts only from this site, plus inline <script> blocks that
# carry the request's nonce (`{{ request.csp_nonce }}`) and, by hash, the two inline handlers the
# templates use (onchange="this.form.submit()", onclick="window.print()"). Styles allow inline
# attributes (style="height: 320px", ECharts and Bootstrap set them). The vendored Swagger UI and
# ReDoc pages (drf-spectacular's templates, inline scripts without a nonce) are left out of the policy.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/", "/api/redoc/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": [
            "'self'",
            NONCE,  # django-csp puts the request's nonce here when a template used it
            "'unsafe-hashes'",
            "'sha256-osjxnKEPL/pQJbFk1dKsF7PYFmTyMWGmVSiL9inhxJY='",  # this.form.submit()
            "'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU='",  # window.print()
        ],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one user name from one address
# lock that pair out for AXES_COOLOFF_MINUTES. Only the login form goes through it: API tokens do not.
AUTHENTICATION_BACKENDS = [
    "mengkeju.portal.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "mengkeju.portal.security.lockout_response"
AXES_VERBOSE = False

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
    "axes",
    "mengkeju.core",
    "mengkeju.notifications",
    "mengkeju.network",
    "mengkeju.catalog",
    "mengkeju.matching",
    "mengkeju.licensing",
    "mengkeju.deals",
    "mengkeju.challenges",
    "mengkeju.inquiries",
    "mengkeju.insights",
    "mengkeju.portal",
    "mengkeju.accounts",
    "mengkeju.points",
    "mengkeju.jobs",
    "mengkeju.ops",
    "mengkeju.progress",
    "mengkeju.bookings",
    "mengkeju.talent",
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
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
# 我要对接: inquiries one person may send per hour, and the limits on a message's attachments.
INQUIRIES_PER_HOUR = int(os.environ.get("INQUIRIES_PER_HOUR", "10"))
INQUIRY_ATTACHMENT_MAX_BYTES = int(os.environ.get("INQUIRY_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
INQUIRY_ATTACHMENTS_PER_MESSAGE = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# List filters (django-filter): the empty choice of a filter reads "全部" / "All", not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mengkeju.portal.security.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["mengkeju.core.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "mengkeju.core.filters.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "mengkeju.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mengkeju.core.api.exception_handler",
    # Too many requests answer 429 {"detail": …, "code": "throttled"}.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "mengkeju.core.throttling.AnonListRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
        # Anonymous list pages (directories of listings, experts, organizations): lower, on their own.
        "anon_list": os.environ.get("API_THROTTLE_ANON_LIST", "30/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
    },
}
# API tokens older than this many days are refused; a new one: `mengkeju drf_create_token -r USER` or the admin.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
SPECTACULAR_SETTINGS = {
    "TITLE": "Mengkeju 蒙科聚 API",
    "DESCRIPTION": "REST API of the Mengkeju technology-transfer service network platform.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, so generated clients get readable enum types (not Status949Enum).
    "ENUM_NAME_OVERRIDES": {
        "ListingStatusEnum": "mengkeju.catalog.models.Status",
        "WhitelistActionEnum": "mengkeju.catalog.models.WhitelistAction",
        "WhitelistStatusEnum": "mengkeju.catalog.models.WhitelistStatus",
        "GuidanceCatalogStatusEnum": "mengkeju.catalog.models.GuidanceCatalog.Status",
        "ChallengeStatusEnum": "mengkeju.challenges.models.Challenge.Status",
        "ApplicationStatusEnum": "mengkeju.challenges.models.Application.Status",
        "MilestoneStatusEnum": "mengkeju.challenges.models.Milestone.Status",
        "ChallengeActionEnum": "mengkeju.challenges.models.ChallengeEvent.Action",
        "DealStageEnum": "mengkeju.deals.models.Deal.Stage",
        "ContractKindEnum": "mengkeju.deals.models.ContractKind",
        "ContractStatusEnum": "mengkeju.deals.models.TechnicalContract.Status",
        "RegistrationStatusEnum": "mengkeju.deals.models.Registration.Status",
        "LicenceScopeEnum": "mengkeju.deals.models.LicenceScope",
        "LicenceStatusEnum": "mengkeju.licensing.models.Licence.Status",
        "DeclarationStatusEnum": "mengkeju.licensing.models.OpenLicenceDeclaration.Status",
        "ChainStageEnum": "mengkeju.network.models.ChainLink.Stage",
        "OrganizationKindEnum": "mengkeju.network.models.Organization.Kind",
        "EnterpriseYearStatusEnum": "mengkeju.points.models.EnterpriseYear.Status",
        "InquiryKindEnum": "mengkeju.inquiries.models.Thread.Kind",
        "InquiryStatusEnum": "mengkeju.inquiries.models.Thread.Status",
        "InquiryContactEnum": "mengkeju.inquiries.models.Thread.Contact",
        "PartyRoleEnum": "mengkeju.deals.models.ContractParty.Role",
        "BookingStatusEnum": "mengkeju.bookings.models.BookingStatus",
        "BookingActionEnum": "mengkeju.bookings.models.BookingAction",
        "TrlEnum": "mengkeju.catalog.models.TRL",
        "TalentPersonKindEnum": "mengkeju.talent.models.Person.Kind",
        "TalentExchangeKindEnum": "mengkeju.talent.models.Exchange.Kind",
        "TalentExchangeStatusEnum": "mengkeju.talent.models.Exchange.Status",
        "TalentExchangeEventKindEnum": "mengkeju.talent.models.ExchangeEvent.Kind",
    },
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
MATCHING_PASSAGES = os.environ.get("MATCHING_PASSAGES", "lead:600")  # retrieval.passages.DEFAULT_STRATEGY
# MATCHING_SYNC: the process that makes a change applies it to the index at commit (tests, scripts);
# default: web processes only write the outbox and `mengkeju worker` (the one index writer) applies it.
MATCHING_SYNC = env_bool("MATCHING_SYNC", False)
# The index backend (docs/matching.md): `local` (embedded, the default) or `milvus`. MILVUS_URI is a
# file (Milvus Lite: one process at a time, for tests and a single machine) or http(s)://host:19530 (a
# Milvus server or cluster); MILVUS_TOKEN its credentials ("user:password" or an API key);
# MILVUS_PREFIX starts every collection and alias name (several platforms can share one Milvus).
MATCHING_BACKEND = os.environ.get("MATCHING_BACKEND", "local")
if MATCHING_BACKEND not in ("local", "milvus"):
    raise ImproperlyConfigured(f"MATCHING_BACKEND must be local or milvus, not {MATCHING_BACKEND!r}")
MILVUS_URI = os.environ.get("MILVUS_URI", str(VAR_DIR / "milvus.db"))
MILVUS_TOKEN = os.environ.get("MILVUS_TOKEN", "")
MILVUS_PREFIX = os.environ.get("MILVUS_PREFIX", "mengkeju_")

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
    {"name": "notifications-digest", "task": "mengkeju.notifications.tasks.send_digests", "at": "07:00"},
]
