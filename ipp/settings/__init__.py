"""Settings, read from the environment (12-factor).

Defaults are for the embedded, nothing-installed development setup: SQLite, a
filesystem Celery broker, private files under ``var/``, mail to the console and
``var/mail/``. Production sets ``DEBUG=0`` and the URLs of its services; with DEBUG
off the secure defaults below apply and ``manage.py check --deploy`` is clean.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("IPP_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# The embedded setup keeps its database, broker, mail and files here.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# Without DEBUG there is no default: Django refuses to start with an empty SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40 if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ipp",
    "accounts",
    "ipr",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.DeviceCookieMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ipp.urls"
WSGI_APPLICATION = "ipp.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
FORM_RENDERER = "ipp.forms.PortalFormRenderer"

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
                "ipp.context_processors.portal",
                "ipp.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ipp.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for the writer instead of failing,
    # and take the write lock at BEGIN so two writers never deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache (rate limits live here) and Celery broker ------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Fails open: a Redis outage suspends the rate limits, never a page (ipp/cache.py).
    CACHES = {"default": {"BACKEND": "ipp.cache.FailOpenRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    # Shared by every process of the embedded setup (a LocMemCache is per process and
    # would let rate limits be dodged by hitting another worker).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ipp_cache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A broker that is down must not hold a web request for long: fail fast, log, and let
    # the database sweeps catch up (see ipp.tasks.enqueue).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged after it ran: tasks are idempotent
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The beat-driven sweeps are the safety net for everything time-based: anything a
    # lost message would have done, the next sweep does.
    "periodic-sweeps": {"task": "ipp.tasks.run_periodic_sweeps", "schedule": env.float("IPP_SWEEP_INTERVAL", default=300.0)},
    "heartbeat": {"task": "ipp.tasks.heartbeat", "schedule": env.float("IPP_HEARTBEAT_INTERVAL", default=30.0)},
}

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
# Build output (collectstatic), not run-time state: kept beside the code, not under VAR_DIR.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private documents: never under a public URL. Served only by ipp.documents.document_view.
PRIVATE_ROOT = VAR_DIR / "private"
STORAGE = env.str("STORAGE", default="local")
if STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "default_acl": None,  # private: the bucket policy decides, never public-read
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
elif STORAGE == "local":
    _default_storage = {
        "BACKEND": "ipp.documents.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT)},
    }
else:
    raise environ.ImproperlyConfigured("STORAGE must be 'local' or 's3'.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
IPP_UPLOAD_MAX_BYTES = env.int("IPP_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ----------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "ipp.mail.ConsoleAndFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IPP Portal <no-reply@ipp.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth: allauth ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
# The sign-in code is the second step for unusual sign-ins (see AccountAdapter).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "dashed": False, "length": 6}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IPP] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "3/m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "IPP Portal"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- The portal's own rules -------------------------------------------------------------
# The user agreement the sign-up form asks users to accept; stored with each acceptance.
IPP_USER_AGREEMENT_VERSION = "2026-11"
# Reviewers verify identity within this many working days (China's calendar).
IPP_REVIEW_DUE_WORKING_DAYS = 3
# An unusual sign-in is one from a device or network this account has not used.
IPP_UNUSUAL_SIGNIN_CHECK = env.bool("IPP_UNUSUAL_SIGNIN_CHECK", default=True)
# The most rows one IPR import (CSV + ZIP) may hold; a worker checks and saves them in one job.
IPP_IPR_IMPORT_MAX_ROWS = env.int("IPP_IPR_IMPORT_MAX_ROWS", default=2000)

# --- Complaints ----------------------------------------------------------------------------
# The portal's public address, for links in emails (workers have no request to build them from).
IPP_SITE_URL = env.str("IPP_SITE_URL", default="http://127.0.0.1:8000")
# Penalty points at which a seller counts as a repeat infringer, shown to admins.
IPP_REPEAT_INFRINGER_POINTS = env.int("IPP_REPEAT_INFRINGER_POINTS", default=12)
# A reviewer's claim on queue items lapses after this long, so nothing stays stuck with someone who left.
IPP_REVIEW_CLAIM_MINUTES = env.int("IPP_REVIEW_CLAIM_MINUTES", default=30)
# The most items one "claim a batch" takes.
IPP_REVIEW_CLAIM_BATCH_MAX = env.int("IPP_REVIEW_CLAIM_BATCH_MAX", default=50)
# How long a rights holder's dashboard keeps the figures of its decided listings before counting them again.
IPP_HOLDER_FIGURES_SECONDS = env.int("IPP_HOLDER_FIGURES_SECONDS", default=60)
# The Good Faith Program (complaints/good_faith.py). Defaults: Alibaba's published Good-faith Takedown rules
# (a 3-month window, removal under a 90% successful-takedown rate or over 5% successful counter-notices, a
# 3-month wait to be admitted again) and the vendors' reported entry floor of 100 complaints in 3 months.
IPP_GOOD_FAITH_WINDOW_DAYS = env.int("IPP_GOOD_FAITH_WINDOW_DAYS", default=90)
IPP_GOOD_FAITH_MIN_DECIDED = env.int("IPP_GOOD_FAITH_MIN_DECIDED", default=100)
IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE = env.float("IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE", default=0.90)
IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE = env.float("IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE", default=0.05)
IPP_GOOD_FAITH_READMIT_DAYS = env.int("IPP_GOOD_FAITH_READMIT_DAYS", default=90)
# The share of members' items (which skip review) that reviewers spot-check.
IPP_GOOD_FAITH_SPOT_CHECK_SHARE = env.float("IPP_GOOD_FAITH_SPOT_CHECK_SHARE", default=0.10)
# The marketplace adapter (complaints/marketplaces/): the local catalogue unless a real API's is named.
IPP_MARKETPLACE_ADAPTER = env.str("IPP_MARKETPLACE_ADAPTER", default="complaints.marketplaces.catalogue.CatalogueMarketplace")
IPP_COMPLAINT_IMPORT_MAX_ROWS = env.int("IPP_COMPLAINT_IMPORT_MAX_ROWS", default=10000)

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing or bad token a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "ipp.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "ipp.pagination.Pagination",
    "PAGE_SIZE": 50,
    # Counted in the cache (Redis, or the database table of the embedded setup), per IP for the
    # token and per account for filing. docs/api.md tells clients these numbers.
    "DEFAULT_THROTTLE_RATES": {
        "api_token": env.str("IPP_API_TOKEN_RATE", default="10/min"),
        "complaint_file": env.str("IPP_API_FILING_RATE", default="60/min"),
    },
    # Throttles count per client address: trust X-Forwarded-For only as far as our own proxies
    # (DRF's default trusts all of it, so a client could pick a new address per request).
    "NUM_PROXIES": ALLAUTH_TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IPP Portal API",
    "VERSION": "1",
    "DESCRIPTION": "File and follow IP complaints against marketplace listings. The guide: docs/api.md.",
    "SERVE_INCLUDE_SCHEMA": False,
    # Evidence files make the filing request multipart: separate request and response components.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (the CSP allows no CDN and no inline script).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        # Documents are shown in frames of our own pages.
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
