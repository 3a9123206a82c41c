"""One settings module for dev, tests, CI and production: only the environment differs."""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# CORE
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-dev-only")
if not DEBUG and SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
# Django's own thresholds (the deploy check's security.W009), enforced at start in production:
# a short or repetitive key signs sessions, password resets and CSRF tokens that can be forged.
SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS = 50, 5
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} random characters "
        f"(at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones), e.g. from "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.admin_apps.TrackerAdminConfig",  # django.contrib.admin, admin role only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "accounts",
    "commitments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tracker.middleware.RequestIdMiddleware",
    # Counts and times what the request id middleware logs (tracker.metrics).
    "tracker.metrics.MetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Wraps what follows: an htmx request whose session expired goes to the login page
    # (HX-Redirect) instead of having the login form swapped into the page.
    "tracker.middleware.HtmxLoginRedirectMiddleware",
    # After authentication: with RECORD_PUBLIC off, the record's pages ask for a login.
    "tracker.middleware.RecordPublicMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Who may read the record's pages, feeds and exports: anyone (the default), or, when false,
# signed-in users only (tracker.middleware.RecordPublicMiddleware). The API keeps its own
# rules: it answers signed-in users and tokens only, whatever this says.
RECORD_PUBLIC = env.bool("RECORD_PUBLIC", default=True)

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "commitments:home"
LOGOUT_REDIRECT_URL = "commitments:home"
# A form refused for its CSRF token: a page in the site's layout saying what to do.
CSRF_FAILURE_VIEW = "tracker.errors.csrf_failure"
# The lockout check runs first and refuses a password check to a locked-out address or user.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "commitments.context_processors.sample_data",
                "commitments.context_processors.header",
            ],
        },
    },
]

# DATABASE: SQLite unless DATABASE_URL is set (postgres://...)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
# A kept connection the server dropped meanwhile (a restart, a failover, an idle timeout) is
# replaced before a request uses it, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# INTERNATIONALISATION
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# STATIC FILES: whitenoise's manifest storage in production; plain storage under DEBUG and tests
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# CELERY: tasks run in-process unless a broker is configured
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# Without a broker a worker still starts (in-memory transport); its beat then runs the
# periodic tasks in process, since every task is eager.
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# At least once: a message is acknowledged after its task ran, and handed out again when the
# worker dies; the tasks are idempotent (keyed by delivery id, claimed with a lease).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Processes of each worker; unset: one per CPU.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# Redis hands an unacknowledged message out again after visibility_timeout: every task must
# end well before it, and retries wait in database rows, never in long countdowns.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 5,
}
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
if CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT or CELERY_TASK_SOFT_TIME_LIMIT < 1:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must exceed 30 s and stay below CELERY_VISIBILITY_TIMEOUT."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must not hold the request that committed: give up publishing quickly (the
# outbox rows are queued again by the sweep).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# NOTIFICATIONS: the sweep queues again what is owed; digests and reminders once a day
NOTIFY_SWEEP_SECONDS = env.float("NOTIFY_SWEEP_SECONDS", default=60.0)
NOTIFY_REQUEUE_AFTER_SECONDS = env.float("NOTIFY_REQUEUE_AFTER_SECONDS", default=30.0)
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=6)
NOTIFY_REMINDER_HOUR = env.int("NOTIFY_REMINDER_HOUR", default=8)
NOTIFY_REMINDER_AFTER_DAYS = env.int("NOTIFY_REMINDER_AFTER_DAYS", default=3)
CELERY_BEAT_SCHEDULE = {
    "requeue-owed-notifications": {
        "task": "commitments.tasks.requeue_owed",
        "schedule": NOTIFY_SWEEP_SECONDS,
    },
    "send-daily-digests": {
        "task": "commitments.tasks.send_daily_digests",
        "schedule": crontab(hour=NOTIFY_DIGEST_HOUR, minute=0),
    },
    "remind-reviewers": {
        "task": "commitments.tasks.remind_reviewers",
        "schedule": crontab(hour=NOTIFY_REMINDER_HOUR, minute=0),
    },
}

# AUDIT CHECKPOINTS: the audit chain's head, signed (Ed25519) and published on a schedule
# (commitments.audit.checkpoints). The key: base64 of the raw 32-byte private key; without one, and
# only under DEBUG, a dev-only key is derived from SECRET_KEY.
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY", default="")
# Decided here, not from DEBUG at run time (tests run with DEBUG off).
AUDIT_SIGNING_KEY_FROM_SECRET = DEBUG and not AUDIT_SIGNING_KEY
AUDIT_CHECKPOINT_SECONDS = env.float("AUDIT_CHECKPOINT_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE["sign-audit-checkpoint"] = {
    "task": "commitments.tasks.sign_audit_checkpoint",
    "schedule": AUDIT_CHECKPOINT_SECONDS,
}
# How often beat walks the whole chain (as verify_audit does) and records the outcome; a
# broken chain tells the admins, and /metrics shows the age of the newest verification.
AUDIT_VERIFY_SECONDS = env.float("AUDIT_VERIFY_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE["verify-audit-chain"] = {
    "task": "commitments.tasks.verify_audit_chain",
    "schedule": AUDIT_VERIFY_SECONDS,
}

# WEBHOOKS: outbound calls (Standard Webhooks), retried over about a day
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=15.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=10)
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24.0)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=50)
WEBHOOK_THREADS = env.int("WEBHOOK_THREADS", default=8)
WEBHOOK_SECRET_GRACE_HOURS = env.float("WEBHOOK_SECRET_GRACE_HOURS", default=24.0)
# Endpoint secrets are kept encrypted (commitments.crypto): Fernet keys, comma-separated,
# newest first; without any, and only under DEBUG, a dev-only key is derived from SECRET_KEY.
WEBHOOK_SECRET_KEYS = env.list("WEBHOOK_SECRET_KEYS", default=[])
# Decided here, not from DEBUG at run time (tests run with DEBUG off).
WEBHOOK_SECRET_KEYS_FROM_SECRET = DEBUG and not WEBHOOK_SECRET_KEYS
# How many endpoints one owner may register, and the ports their URLs may name
# (WEBHOOK_ALLOW_PRIVATE_TARGETS, for local receivers and tests, lifts the port rule too).
WEBHOOK_MAX_ENDPOINTS_PER_OWNER = env.int("WEBHOOK_MAX_ENDPOINTS_PER_OWNER", default=20)
WEBHOOK_ALLOWED_PORTS = env.list("WEBHOOK_ALLOWED_PORTS", cast=int, default=[80, 443])

# CACHE and E-MAIL: Redis cache when available; e-mail printed to the console by default
# Redis failing is a cache miss (tracker.cache): the API answers from the database, slower,
# and the outage is logged once a minute. A short timeout keeps a Redis that does not answer
# from adding seconds to requests.
REDIS_CACHE_TIMEOUT_SECONDS = env.float("REDIS_CACHE_TIMEOUT_SECONDS", default=0.5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "tracker.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
            },
        }
    }
CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
SMTP_EMAIL = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND_PATH = env("DJANGO_EMAIL_BACKEND", default=CONSOLE_EMAIL if DEBUG else SMTP_EMAIL)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == SMTP_EMAIL:
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    }
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="tracker@localhost")

# SECURITY: strict by default once DEBUG is off (python manage.py check --deploy is clean)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Django's defaults, named because the security headers test holds them
# (tests/tracker/test_security_headers.py): no MIME sniffing, no Referer to other sites,
# cookies out of reach of scripts (the session) and of cross-site requests (both).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
# Probes and the Prometheus scrape may use plain HTTP on the private network
# (tracker.health.PATHS): a redirect to HTTPS would fail them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
}

# METRICS: /metrics answers these client addresses or networks only (404 for any other); the
# client's address as the throttle sees it (DJANGO_NUM_PROXIES). Several processes share
# their counts through PROMETHEUS_MULTIPROC_DIR (tracker.metrics).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
for _entry in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_entry!r} is not an IP address or network."
        ) from None

# LOGGING: one line per record on stderr: a JSON object in production, readable text under
# DEBUG (tracker.logs), each with the request id and user id; an access line per request
# (logger "tracker.access"; the probes' only at DEBUG).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tracker.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "tracker.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# CLIENT ADDRESS: how many reverse proxies in front of the app append to X-Forwarded-For. 0:
# the header is ignored and the connection's address counts (a client sets the header at will).
# N: the Nth address from the right, the one the outermost trusted proxy saw. Read by the API
# throttle (DRF's NUM_PROXIES) and the login lockout alike (accounts.lockout.client_ip).
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)

# LOGIN LOCKOUT (django-axes): /login/ and /admin/login/ refuse further passwords, with a 429
# page naming the wait, after AXES_FAILURE_LIMIT failures from one address, or for one username
# from anywhere (two separate counters), within AXES_COOLOFF_MINUTES of the last failure. The
# username counter lets anyone lock a user out for a while, so the limit is generous (a
# person mistyping stays far below it), the cool-off short, and failures while locked out do
# not extend it; the address counter stops one client guessing across many usernames. An
# admin unlocks from the admin's "Access attempts" (delete the rows) or with
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`. Attempts are rows in the
# database (shared by every process) and lines in the log ("AXES: ...", logger "axes").
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the failures: it would wipe every failure from that address too, so
# one own account would let a client keep guessing others'.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Registered by accounts.admin: attempts (to unlock) and the log of sign-ins.
AXES_ENABLE_ADMIN = False
# The log names the username and address of each attempt (axes masks them by default);
# passwords are always masked.
AXES_SENSITIVE_PARAMETERS = []

# REST API
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/min")
# List pages cached under their ETag (which every write changes); 0 turns the cache off.
API_PAGE_CACHE_SECONDS = env.int("API_PAGE_CACHE_SECONDS", default=60)
# An Idempotency-Key claimed this long ago by a request that never stored its response is
# taken over by the next retry: longer than any request may run (gunicorn's timeout: 30 s).
IDEMPOTENCY_CLAIM_SECONDS = env.int("IDEMPOTENCY_CLAIM_SECONDS", default=120)
# How long an Idempotency-Key is remembered; older records are purged (beat, hourly) and a
# key older than this counts as new.
IDEMPOTENCY_KEY_HOURS = env.float("IDEMPOTENCY_KEY_HOURS", default=24.0)
CELERY_BEAT_SCHEDULE["purge-idempotency-records"] = {
    "task": "commitments.tasks.purge_idempotency_records",
    "schedule": 3600.0,
}
# On PostgreSQL, each web process keeps the audit chain's head (what list ETags name) from
# LISTEN/NOTIFY on a connection of its own, instead of a query per request
# (commitments.headwatch).
AUDIT_HEAD_WATCH = env.bool("AUDIT_HEAD_WATCH", default=True)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.ReadOrWriteScope"],
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["tracker.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tracker.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["commitments.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "commitments.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "tracker.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tracker.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Commitment Tracker API",
    "DESCRIPTION": "The record of pledged security guarantees and their ratification.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.schema.add_links",
    ],
    # Swagger UI and Redoc from the app's own static files (drf-spectacular-sidecar): the CSP
    # refuses a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI puts each one inside its operation's summary button, a link
    # within a button that screen readers cannot reach (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {"CommitmentStatusEnum": "commitments.choices.CommitmentStatus"},
}
# API bodies are small; larger ones are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=262_144)
