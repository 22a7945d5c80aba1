"""Base settings, read from the environment (django-environ).

Every setting has a default that makes the zero-setup demo work (SQLite, Celery eager,
console e-mail). Production overrides live in ``production.py``.

One module, read top to bottom: later settings are derived from earlier ones (paths, the
environment, ``DEBUG``), so splitting it would hide that order.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-demo-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address people use to reach the site: links in e-mails are built on it. The demo derives it
# from the port it serves on (PORT, as in `make demo PORT=8101`); production must set it.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_htmx",
    "axes",
    "csp",
    "backoffice.core",
    "backoffice.legal",
    "funds",
    "conventions",
    "volunteering",
    "dashboard",
    "esign",
]

MIDDLEWARE = [
    "backoffice.core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backoffice.core.context_processors.backoffice",
                "backoffice.legal.context_processors.legal",
            ],
            # French notation of amounts, hours, dates and plurals in every template.
            "builtins": ["backoffice.core.templatetags.french"],
        },
    },
]

# Database: SQLite is only the zero-setup demo default; production and tests use PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo serves a person clicking fast (an autosave and a submit at once): WAL lets reads
    # go on during a write, writers wait for each other (busy timeout) instead of failing with
    # "database is locked", and IMMEDIATE takes the write lock at BEGIN so that two
    # transactions never deadlock upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out client before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/compte/connexion/"
# After login each person lands on their own space (agents: the agent home), unless ?next= says.
LOGIN_REDIRECT_URL = "core:space"
LOGOUT_REDIRECT_URL = "core:home"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated documents: never served directly, only through permission-checked views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-non-public/"
# Where documents live. "local": MEDIA_ROOT on this machine (the demo, a single server).
# "s3": an S3-compatible object store that every web and worker machine shares (several
# machines); files stay private and are always downloaded through the permission-checked views.
STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")


def default_storage_config(backend: str) -> dict:
    if backend == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend == "s3":
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": env("S3_BUCKET", default="pacte-documents"),
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "region_name": env("S3_REGION", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env("S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": env("S3_ADDRESSING_STYLE", default="path"),
        }}
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"STORAGE_BACKEND doit valoir « local » ou « s3 » (valeur lue : « {backend} »).")


STORAGES = {
    "default": default_storage_config(STORAGE_BACKEND),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Uploads ("dites-le-nous une fois" documents)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Bodies without files (forms, JSON) stay small; files above FILE_UPLOAD_MAX_MEMORY_SIZE are
# streamed to a temporary file on disk, never held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# Largest request body accepted at all (413 with a French message above it, before reading it);
# keep the reverse proxy's client_max_body_size at this value (see README).
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=25 * 1024 * 1024)
# django-import-export: formula-looking cells are neutralised on export (the admin's exports
# are also written by backoffice.core.exports, which applies the full OWASP rule).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
# Caps of every table import (CSV/XLSX): checked while streaming, before rows are materialised.
# Each import may lower them (its own size or row limit).
TABLE_IMPORT_MAX_BYTES = env.int("TABLE_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
TABLE_IMPORT_MAX_ROWS = env.int("TABLE_IMPORT_MAX_ROWS", default=200_000)
TABLE_IMPORT_MAX_COLUMNS = env.int("TABLE_IMPORT_MAX_COLUMNS", default=100)
TABLE_IMPORT_MAX_CELL_CHARS = env.int("TABLE_IMPORT_MAX_CELL_CHARS", default=10_000)
TABLE_IMPORT_MAX_LINE_CHARS = env.int("TABLE_IMPORT_MAX_LINE_CHARS", default=100_000)
TABLE_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("TABLE_IMPORT_MAX_UNCOMPRESSED_BYTES",
                                              default=200 * 1024 * 1024)

# E-mail: console in the demo, SMTP from EMAIL_URL in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Pacte back-office <ne-pas-repondre@pacte.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Electronic signature (esign): the platform's certificate signs on behalf of associations'
# representatives, the authority's certificate for its signatory (PKCS#12 files); the CA
# certificates verification trusts; an optional RFC 3161 timestamp authority.
ESIGN_PLATFORM_PKCS12 = env("ESIGN_PLATFORM_PKCS12", default="")
ESIGN_PLATFORM_PASSPHRASE = env("ESIGN_PLATFORM_PASSPHRASE", default="")
ESIGN_AUTHORITY_PKCS12 = env("ESIGN_AUTHORITY_PKCS12", default="")
ESIGN_AUTHORITY_PASSPHRASE = env("ESIGN_AUTHORITY_PASSPHRASE", default="")
ESIGN_TRUST_ROOTS = env.list("ESIGN_TRUST_ROOTS", default=[])
ESIGN_TSA_URL = env("ESIGN_TSA_URL", default="")

# Celery: Redis broker from REDIS_URL; without a broker, tasks run eagerly (demo).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# Tasks are idempotent by construction (unique constraints, status checks): late acks are safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# WeasyPrint grows ~0.3 MB per document: recycle worker processes.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The one beat schedule; apps add their periodic tasks here (Europe/Paris).
CELERY_BEAT_SCHEDULE = {}

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "backoffice.core.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "backoffice.core.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "backoffice.core.api.exception_handler",
    # No OPTIONS self-description (405): the OpenAPI schema, in French, is the documentation.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_PARSER_CLASSES": [
        "backoffice.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# JSON bodies of the API: largest size and deepest nesting (arrays/objects) accepted; beyond,
# a French 400 instead of a 500 (RecursionError) or a slow parse.
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=1024 * 1024)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "API pacte-backoffice",
    "DESCRIPTION": "Financements du Pacte de coopération : organisations, fonds, appels, "
    "dossiers, conventions, versements et bénévolat valorisé.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backoffice.core.api_schema.french_schema_hook",
    ],
}

# django-import-export
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery": {"level": env("CELERY_LOG_LEVEL", default="WARNING")},
        "kombu": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}

# --- core ---------------------------------------------------------------------------------
# Sessions: 8 hours (a working day) unless SESSION_COOKIE_AGE says otherwise, and ended when
# the browser closes (shared computers of town halls and associations).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
# Lifetime of the link e-mailed at sign-up to verify the address, in seconds (default 3 days).
ACCOUNT_VERIFICATION_MAX_AGE = env.int("ACCOUNT_VERIFICATION_MAX_AGE", default=3 * 86400)
# API tokens (Authorization: Token <key>) die after API_TOKEN_TTL seconds (default 30 days) and
# at the account's next password change; the token endpoint then gives a new one.
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=30 * 86400)
# Login throttling (django-axes) on the login page, the admin and the API token endpoint:
# AXES_FAILURE_LIMIT failures of one account from one address lock that pair for
# AXES_COOLOFF_MINUTES (a failure during the lock restarts it); a success resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "backoffice.core.authentication.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "backoffice.core.authentication.lockout_response"
# The client address is REMOTE_ADDR, unless AXES_PROXY_COUNT reverse proxies in front add
# X-Forwarded-For (never trusted otherwise: a client could then pick its address per try).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
                                     if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",))
# Password-reset requests: at most PASSWORD_RESET_LIMIT per address and per e-mail per hour.
PASSWORD_RESET_LIMIT = env.int("PASSWORD_RESET_LIMIT", default=5)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=3600)
# Sign-ups and new verification links (each sends an e-mail): at most ACCOUNT_EMAIL_LIMIT an
# hour per address typed and per client address, so the site cannot be used to flood a mailbox.
ACCOUNT_EMAIL_LIMIT = env.int("ACCOUNT_EMAIL_LIMIT", default=5)
# Counters shared by every worker process (Redis when configured).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": REDIS_URL, "KEY_PREFIX": "pacte"}} if REDIS_URL else {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Content-Security-Policy (django-csp): no inline script, no third-party origin. Inline style
# attributes stay allowed (htmx indicators, SVG charts); scripts come only from static/js.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Name shown in pages and e-mails when no Authority is configured yet.
BACKOFFICE_NAME = env("BACKOFFICE_NAME", default="Pacte back-office")

# Legal pages and personal data (backoffice.legal). The authority publishing the site when
# several share one deployment; the host and the DPO for the legal notice and the data page.
SITE_AUTHORITY_ID = env.int("SITE_AUTHORITY_ID", default=None)
LEGAL_HOST_NAME = env("LEGAL_HOST_NAME", default="")
LEGAL_HOST_ADDRESS = env("LEGAL_HOST_ADDRESS", default="")
LEGAL_HOST_PHONE = env("LEGAL_HOST_PHONE", default="")
LEGAL_PUBLICATION_DIRECTOR = env("LEGAL_PUBLICATION_DIRECTOR", default="")
DPO_EMAIL = env("DPO_EMAIL", default="")
# Retention, in days: voters' identities after the results are published (two months for
# disputes), rejected applications' attachments and answers after the decision, inactive
# accounts after the last login (CNIL: three years).
VOTER_DATA_RETENTION_DAYS = env.int("VOTER_DATA_RETENTION_DAYS", default=61)
REJECTED_APPLICATION_RETENTION_DAYS = env.int("REJECTED_APPLICATION_RETENTION_DAYS",
                                              default=730)
INACTIVE_ACCOUNT_RETENTION_DAYS = env.int("INACTIVE_ACCOUNT_RETENTION_DAYS", default=1095)

# --- funds --------------------------------------------------------------------------------
# An overdue financial report (CERFA 15059) on an earlier convention: warn (False) or block (True).
FUNDS_OVERDUE_REPORT_BLOCKS = env.bool("FUNDS_OVERDUE_REPORT_BLOCKS", default=False)
# Calls switch phase at their dates: checked every FUNDS_PHASE_CHECK_SECONDS (default hourly).
CELERY_BEAT_SCHEDULE["funds-advance-call-phases"] = {
    "task": "funds.tasks.calls_advance_phases_task",
    "schedule": env.int("FUNDS_PHASE_CHECK_SECONDS", default=3600),
}
# Participatory votes: winners computed in a Celery worker above this many ballots.
FUNDS_VOTE_ASYNC_BALLOTS = env.int("FUNDS_VOTE_ASYNC_BALLOTS", default=20000)
# Lifetime of the e-mail verification link sent to voters, in seconds (default 7 days).
FUNDS_VOTER_LINK_MAX_AGE = env.int("FUNDS_VOTER_LINK_MAX_AGE", default=7 * 86400)

# --- conventions --------------------------------------------------------------------------
# Loi 2000-321 art. 10: a written convention above this yearly amount (€); below, a letter.
CONVENTIONS_THRESHOLD = env.str("CONVENTIONS_THRESHOLD", default="23000")
# Circulaire 5811-SG (2015): up to 4 years recommended (warning beyond); hard maximum.
CONVENTIONS_RECOMMENDED_YEARS = env.int("CONVENTIONS_RECOMMENDED_YEARS", default=4)
CONVENTIONS_MAX_YEARS = env.int("CONVENTIONS_MAX_YEARS", default=6)
# Advance: share of the year's amount, due by this MM-DD or N days after signature/confirmation.
CONVENTIONS_ADVANCE_RATE = env.str("CONVENTIONS_ADVANCE_RATE", default="0.50")
CONVENTIONS_ADVANCE_DEADLINE = env.str("CONVENTIONS_ADVANCE_DEADLINE", default="03-31")
CONVENTIONS_ADVANCE_DELAY_DAYS = env.int("CONVENTIONS_ADVANCE_DELAY_DAYS", default=30)
# Planned date (MM-DD) of the balance; whether it waits for the previous year's report.
CONVENTIONS_BALANCE_DATE = env.str("CONVENTIONS_BALANCE_DATE", default="09-30")
CONVENTIONS_BALANCE_REQUIRES_REPORT = env.bool("CONVENTIONS_BALANCE_REQUIRES_REPORT", default=True)
# Loi 2021-875: payment within 60 days of its trigger; "soon late" window for the calendar.
CONVENTIONS_PAYMENT_DELAY_DAYS = env.int("CONVENTIONS_PAYMENT_DELAY_DAYS", default=60)
CONVENTIONS_SOON_LATE_DAYS = env.int("CONVENTIONS_SOON_LATE_DAYS", default=15)
# CERFA 15059: report due N months after the end of the organisation's financial year
# (Organisation.financial_year_end, 31/12 by default) — arrêté du 11 octobre 2006.
CONVENTIONS_REPORT_DUE_MONTHS = env.int("CONVENTIONS_REPORT_DUE_MONTHS", default=6)
# Arrêté du 11 octobre 2006 art. 2: a gap between the provisional and the actual budget beyond
# this percentage of a line must be explained in the report.
CONVENTIONS_REPORT_GAP_PERCENT = env.str("CONVENTIONS_REPORT_GAP_PERCENT", default="10")
# Décret 2017-779: publication in open data within N months of signature.
CONVENTIONS_OPEN_DATA_MONTHS = env.int("CONVENTIONS_OPEN_DATA_MONTHS", default=3)
# Contradictory procedure before a recovery (CRPA L121-1): days given for observations.
CONVENTIONS_OBSERVATION_DAYS = env.int("CONVENTIONS_OBSERVATION_DAYS", default=30)
# Restitution delay after the decision: 6 months for a CER withdrawal (décret 2021-1947 art. 5),
# a local choice for a repayment.
CONVENTIONS_CER_RESTITUTION_MONTHS = env.int("CONVENTIONS_CER_RESTITUTION_MONTHS", default=6)
CONVENTIONS_REPAYMENT_DUE_MONTHS = env.int("CONVENTIONS_REPAYMENT_DUE_MONTHS", default=2)
CONVENTIONS_DEFAULT_IMPUTATION = env.str("CONVENTIONS_DEFAULT_IMPUTATION", default="6574")
# Equipment subsidies to private persons are investment expenses (M57/M14 account 20421).
CONVENTIONS_INVESTMENT_IMPUTATION = env.str("CONVENTIONS_INVESTMENT_IMPUTATION", default="20421")
CONVENTIONS_DEFAULT_KEEP_RATE = env.str("CONVENTIONS_DEFAULT_KEEP_RATE", default="0.10")
CONVENTIONS_DOCUMENT_MAX_RETRIES = env.int("CONVENTIONS_DOCUMENT_MAX_RETRIES", default=3)
# API schema: one named enum per status model of this app (they all have a "status" field).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update({
    "ConventionStatusEnum": "conventions.models.ConventionStatus",
    "ConventionYearStatusEnum": "conventions.models.YearStatus",
    "PaymentStatusEnum": "conventions.models.PaymentStatus",
    "AmendmentStatusEnum": "conventions.models.AmendmentStatus",
    "FinancialReportStatusEnum": "conventions.models.ReportStatus",
    "ScheduleLineKindEnum": "conventions.models.LineKind",
})

# --- volunteering -------------------------------------------------------------------------
# Method used by an organisation that has not chosen one (smic_gross, smic_loaded, replacement).
VOLUNTEERING_DEFAULT_VALUATION_METHOD = env("VOLUNTEERING_DEFAULT_VALUATION_METHOD",
                                            default="smic_gross")
# Largest volunteer-hours file accepted by the import (bytes) and its largest number of rows.
VOLUNTEERING_IMPORT_MAX_BYTES = env.int("VOLUNTEERING_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
VOLUNTEERING_IMPORT_MAX_ROWS = env.int("VOLUNTEERING_IMPORT_MAX_ROWS", default=200_000)
# Rows written per INSERT when an import is confirmed.
VOLUNTEERING_IMPORT_BATCH_SIZE = env.int("VOLUNTEERING_IMPORT_BATCH_SIZE", default=5000)
# Dotted path of a callable (organisation) -> {project reference: (start date, end date)} listing
# the projects (applications "DOS-<n>", conventions "CONV-…") an organisation may log hours on,
# with their period. Empty: the project reference is free text.
VOLUNTEERING_PROJECT_RESOLVER = env("VOLUNTEERING_PROJECT_RESOLVER",
                                    default="volunteering.projects.project_periods")
# A previewed import file waits this long for its confirmation, then a nightly task deletes it.
VOLUNTEERING_IMPORT_UPLOAD_TTL_HOURS = env.int("VOLUNTEERING_IMPORT_UPLOAD_TTL_HOURS", default=24)
from celery.schedules import crontab  # noqa: E402 - kept inside this app's section

CELERY_BEAT_SCHEDULE["volunteering-purge-import-uploads"] = {
    "task": "volunteering.tasks.stale_import_uploads_purge_task",
    "schedule": crontab(hour=3, minute=30),
}

# --- reminders ----------------------------------------------------------------------------
from celery.schedules import crontab  # noqa: E402

# Delays are in days unless named otherwise; lists are comma-separated in the environment.
# The daily job runs at REMINDERS_HOUR (Europe/Paris) and catches up missed days, at most
# REMINDERS_LOOKBACK_DAYS back; the digest follows at NOTIFICATION_DIGEST_HOUR.
REMINDERS_HOUR = env.int("REMINDERS_HOUR", default=7)
REMINDERS_LOOKBACK_DAYS = env.int("REMINDERS_LOOKBACK_DAYS", default=30)
REMINDERS_BATCH_SIZE = env.int("REMINDERS_BATCH_SIZE", default=5000)
REMINDERS_REQUEUE_AFTER_MINUTES = env.int("REMINDERS_REQUEUE_AFTER_MINUTES", default=15)
REMINDERS_REQUEUE_LIMIT = env.int("REMINDERS_REQUEUE_LIMIT", default=5000)
REMINDERS_UPCOMING_DAYS = env.int("REMINDERS_UPCOMING_DAYS", default=45)
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=8)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=3600)
# Folder of django.core.mail.backends.filebased.EmailBackend (a sink to count e-mails sent).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-emails"))
# Kinds (DOMAIN §5): offsets the apps' reminder modules read at call time.
REMINDERS_DOCUMENT_EXPIRING_DAYS_BEFORE = env.list(
    "REMINDERS_DOCUMENT_EXPIRING_DAYS_BEFORE", cast=int, default=[30])
REMINDERS_REPORT_DUE_OFFSETS = env.list("REMINDERS_REPORT_DUE_OFFSETS", cast=int,
                                        default=[-30, -7, 0, 7])
REMINDERS_REPORT_REPEAT_EVERY_DAYS = env.int("REMINDERS_REPORT_REPEAT_EVERY_DAYS", default=14)
REMINDERS_REPORT_REPEAT_UNTIL_DAYS = env.int("REMINDERS_REPORT_REPEAT_UNTIL_DAYS", default=365)
REMINDERS_PAYMENT_WARNING_DAYS = env.int("REMINDERS_PAYMENT_WARNING_DAYS", default=45)
REMINDERS_PAYMENT_LATE_DAYS = env.int("REMINDERS_PAYMENT_LATE_DAYS", default=60)
REMINDERS_ADVANCE_DAYS_BEFORE = env.list("REMINDERS_ADVANCE_DAYS_BEFORE", cast=int,
                                         default=[15, 0])
# A titre de recettes not recorded as received after these days is recalled to the agents.
REMINDERS_RECOVERY_UNPAID_DAYS = env.int("REMINDERS_RECOVERY_UNPAID_DAYS", default=30)
REMINDERS_YEARLY_CONFIRMATION_DATE = env("REMINDERS_YEARLY_CONFIRMATION_DATE", default="01-15")
REMINDERS_CONVENTION_ENDING_MONTHS = env.list("REMINDERS_CONVENTION_ENDING_MONTHS", cast=int,
                                              default=[6, 3])
# Steps around the open-data deadline, then every REMINDERS_REPORT_REPEAT_EVERY_DAYS until
# the publication is recorded.
REMINDERS_OPEN_DATA_OFFSETS = env.list("REMINDERS_OPEN_DATA_OFFSETS", cast=int,
                                       default=[-30, -7, 0])
REMINDERS_CALL_CLOSING_DAYS_BEFORE = env.list("REMINDERS_CALL_CLOSING_DAYS_BEFORE", cast=int,
                                              default=[7, 1])
CELERY_BEAT_SCHEDULE["reminders-daily"] = {
    "task": "backoffice.core.tasks.reminders_daily_task",
    "schedule": crontab(hour=REMINDERS_HOUR, minute=0),
}
CELERY_BEAT_SCHEDULE["notifications-digest"] = {
    "task": "backoffice.core.tasks.send_digests_task",
    "schedule": crontab(hour=NOTIFICATION_DIGEST_HOUR, minute=0),
}
CELERY_BEAT_SCHEDULE["personal-data-purge"] = {
    "task": "backoffice.legal.tasks.personal_data_purge_task",
    "schedule": crontab(hour=4, minute=15),
}
CELERY_BEAT_SCHEDULE["reminders-requeue"] = {
    "task": "backoffice.core.tasks.reminders_requeue_task",
    "schedule": crontab(minute="*/15"),
}
