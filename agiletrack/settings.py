"""AgileTrack settings: one file, driven by environment variables.

With no environment set, AgileTrack runs embedded: SQLite under var/, a Celery broker on a SQLite
file (kombu's SQLAlchemy transport) and a database cache, so no server is needed. DATABASE_URL
switches to PostgreSQL, REDIS_URL (or CELERY_BROKER_URL) to Redis. Every variable read here is
documented in .env.example.
"""

import os
import secrets
import socket
import sys
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

from agiletrack import env_values

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is a convenience for development; real environment variables win.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

# Empty values count as unset, so a copied .env.example keeps every default.
VAR_DIR = Path(env.str("AGILETRACK_VAR_DIR", default="") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret(name: str) -> str:
    """Read a generated secret from var/, creating it on first use (embedded mode only)."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# --- Core ---------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _local_secret("secret_key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "agiletrack",
    "integrations",
    "metrics",
    "agreements",
]

MIDDLEWARE = [
    # First, so every log line of a request (and the response) carries its request id.
    "agiletrack.observability.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "agiletrack.urls"
WSGI_APPLICATION = "agiletrack.wsgi.application"

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
                "agiletrack.preferences.theme",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

DATABASES = {"default": env_values.database(env, VAR_DIR / "agiletrack.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions + a busy timeout: web, worker and beat write to one SQLite file
    # without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not :memory:, so worker and beat subprocesses started by tests see the test data;
    # one per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-agiletrack-{os.getpid()}.sqlite3")}
else:
    # One test database per test run here too, so two runs against one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


# Seconds a process keeps its database connection for its next request (0: a new connection per
# request). The web server (agiletrack.observability.gunicorn) keeps it 60 s unless this is set:
# a connection costs its set-up and a new PostgreSQL backend's first reads of the catalog on
# every page. The development server and the tests open one per request.
DATABASES["default"]["CONN_MAX_AGE"] = env_values.seconds(env, "DATABASE_CONN_MAX_AGE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "agiletrack.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Keys of one deployment (or one test run) never meet another's in a shared Redis.
            "KEY_PREFIX": env.str("AGILETRACK_CACHE_KEY_PREFIX", default="agiletrack"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "agiletrack_cache",
        }
    }

# --- Auth, i18n, static -------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# Short ISO-like dates ("2026-10-24 09:30") in the admin and on pages: agiletrack/formats/en.
FORMAT_MODULE_PATH = ["agiletrack.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default="") or VAR_DIR / "static")
# Browser libraries pinned in package.json and installed by `make assets` (npm ci) or the image's
# node stage; templates load them as {% static 'vendor/chart.js/chart.umd.js' %}.
STATICFILES_DIRS = [
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security: HTTPS mode, response headers, Content-Security-Policy ---------------------------

HTTPS = env.bool("AGILETRACK_HTTPS", default=False)
if HTTPS:
    if not env.str("DJANGO_SECRET_KEY", default=""):
        # A key generated into var/ would differ per container and vanish with it.
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required in production (AGILETRACK_HTTPS=true): generate one "
            'with python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # The health and metrics endpoints answer plain HTTP so probes and Prometheus work.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Browser preload lists are hard to leave: asking to be on them is the operator's choice.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # "preload is off", on purpose
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: no inline script anywhere (pages, admin, the API's browsable pages, the schema UI
# serve their scripts as files); styles may be inline (the admin's and the API pages' markup).
MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF, "data:"],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    },
}

# --- Sign-in lockout, trusted proxies and manual sync throttling --------------------------------

# Reverse proxies in front of AgileTrack that append the client's address to X-Forwarded-For
# (0: none, REMOTE_ADDR is the client). agiletrack.wsgi trusts that many entries from the right.
AGILETRACK_TRUSTED_PROXIES = env.int("AGILETRACK_TRUSTED_PROXIES", default=0)
# django-axes: failed sign-ins (/accounts/login/ and /admin/login/) counted per username and per
# client address; at the limit both lock for the cool-off, counted from the last failure.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AGILETRACK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AGILETRACK_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Its start-up banner would print on every manage.py command; lockouts are still logged.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "agiletrack.lockout.lockout_response"
# The address is REMOTE_ADDR as agiletrack.wsgi sets it from AGILETRACK_TRUSTED_PROXIES, never a
# header read here (with or without django-ipware installed).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# A person's "Sync now" (page, API, admin) answers with a sync already queued or running, and
# with the last one asked for if that was less than this many seconds ago.
AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS = env.int(
    "AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS", default=60
)

# --- Integrations: credential encryption and outbound URL safety ----------------------------

# Fernet keys, comma-separated: the first encrypts, all decrypt (rotate by prepending a new key,
# then `manage.py rotate_encryption_keys`). Embedded mode generates var/encryption_key once.
AGILETRACK_ENCRYPTION_KEYS = env.list("AGILETRACK_ENCRYPTION_KEYS", default=[])
if not AGILETRACK_ENCRYPTION_KEYS:
    if HTTPS:
        raise ImproperlyConfigured(
            "AGILETRACK_ENCRYPTION_KEYS is required in production (AGILETRACK_HTTPS=true): "
            'generate one with python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())".'
        )
    _key_file = VAR_DIR / "encryption_key"
    if not _key_file.exists():
        _key_file.write_text(Fernet.generate_key().decode())
        _key_file.chmod(0o600)
        print(
            f"AgileTrack generated a local credentials encryption key at {_key_file}; "
            "set AGILETRACK_ENCRYPTION_KEYS in production.",
            file=sys.stderr,
        )
    AGILETRACK_ENCRYPTION_KEYS = [_key_file.read_text().strip()]
for _position, _key in enumerate(AGILETRACK_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        # The position only: the value is a secret.
        raise ImproperlyConfigured(
            f"AGILETRACK_ENCRYPTION_KEYS entry {_position} is not a valid Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None

# Hosts (name or name:port) that integrations may reach even on private or loopback addresses,
# over http or https: the bundled sandbox, a GitHub Enterprise Server on the internal network.
AGILETRACK_ALLOWED_API_HOSTS = env.list("AGILETRACK_ALLOWED_API_HOSTS", default=[])

# --- Sync ---------------------------------------------------------------------------------------

# A running sync renews its lease after every batch; a lease not renewed for this long is dead.
AGILETRACK_SYNC_LEASE_SECONDS = env.int("AGILETRACK_SYNC_LEASE_SECONDS", default=300)
# Deliveries of one run (worker killed each time) before it is given up.
AGILETRACK_SYNC_MAX_DELIVERIES = env.int("AGILETRACK_SYNC_MAX_DELIVERIES", default=3)
# The sweep re-queues integrations that have never synced this long after creation.
AGILETRACK_INITIAL_SYNC_GRACE_SECONDS = env.int(
    "AGILETRACK_INITIAL_SYNC_GRACE_SECONDS", default=600
)
# When set, every sync retry waits this many seconds instead of the task's delay (tests only).
_retry_override = env.str("AGILETRACK_SYNC_RETRY_DELAY_OVERRIDE", default="")
AGILETRACK_SYNC_RETRY_DELAY_OVERRIDE = float(_retry_override) if _retry_override else None
# A fan-out skips integrations whose sync of the same trigger was queued less than this long ago,
# so two beats (or a fan-out sent twice) do not sync twice; keep it below the schedule's interval.
AGILETRACK_FAN_OUT_MIN_INTERVAL_SECONDS = env.int(
    "AGILETRACK_FAN_OUT_MIN_INTERVAL_SECONDS", default=1800
)
# Options of the provider HTTP layer (integrations.providers.http.HttpOptions).
# Metrics: cached results live this many seconds (per family: "dora=3600,sprints=21600"); an
# incident counts against the deployment before it only within this many hours (0 = any age).
AGILETRACK_METRICS_CACHE_TTL = env.int("AGILETRACK_METRICS_CACHE_TTL", default=3600)
AGILETRACK_METRICS_CACHE_TTLS = env.dict(
    "AGILETRACK_METRICS_CACHE_TTLS", cast={"value": int}, default={}
)
# Change failure rate links an incident to the latest production deployment at most this many
# days before it (0: however old, DevLake's rule).
AGILETRACK_INCIDENT_LINK_WINDOW_DAYS = env.int("AGILETRACK_INCIDENT_LINK_WINDOW_DAYS", default=7)
AGILETRACK_VELOCITY_SPRINTS = env.int("AGILETRACK_VELOCITY_SPRINTS", default=6)
# Threads in which a page's independent metric reads run side by side on PostgreSQL: the
# request's and helpers, each on its own connection (metrics/parallel.py; 1: one after another).
AGILETRACK_METRICS_READ_THREADS = env_values.positive(env, "AGILETRACK_METRICS_READ_THREADS", 2)

# Outbound bounds (integrations/providers/http.py): the largest body read, counted after
# decompression; requests per stream (a paging loop stops there); how long "test connection" may
# take in the web process.
AGILETRACK_MAX_RESPONSE_BYTES = env.int("AGILETRACK_MAX_RESPONSE_BYTES", default=50_000_000)
AGILETRACK_MAX_REQUESTS_PER_STREAM = env.int("AGILETRACK_MAX_REQUESTS_PER_STREAM", default=10_000)
AGILETRACK_TEST_CONNECTION_SECONDS = env.float("AGILETRACK_TEST_CONNECTION_SECONDS", default=15.0)
# Further HttpOptions (timeouts, backoff) for tests and tuning; merged over the bounds above.
AGILETRACK_HTTP_OPTIONS: dict = {}

# --- Alerts: channels, delivery, email ---------------------------------------------------------

# The address people open AgileTrack at; links in alert messages and digests start with it.
AGILETRACK_PUBLIC_URL = (
    env.str("AGILETRACK_PUBLIC_URL", default="") or "http://127.0.0.1:8000"
).rstrip("/")
# A failed delivery is tried again after base * 2^(attempts-1) seconds, at most max; a 429 waits
# for its Retry-After instead. After this many attempts it is marked failed.
AGILETRACK_ALERT_MAX_ATTEMPTS = env.int("AGILETRACK_ALERT_MAX_ATTEMPTS", default=6)
AGILETRACK_ALERT_RETRY_BASE_SECONDS = env.float("AGILETRACK_ALERT_RETRY_BASE_SECONDS", default=30.0)
AGILETRACK_ALERT_RETRY_MAX_SECONDS = env.float("AGILETRACK_ALERT_RETRY_MAX_SECONDS", default=3600.0)
# Email channels: Django's SMTP backend from these variables; `make run` prints mail to the
# console (django.core.mail.backends.console.EmailBackend); the test suite keeps it in memory.
EMAIL_BACKEND = (
    env.str("AGILETRACK_EMAIL_BACKEND", default="") or "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env.str("AGILETRACK_EMAIL_HOST", default="") or "localhost"
EMAIL_PORT = env.int("AGILETRACK_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("AGILETRACK_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("AGILETRACK_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("AGILETRACK_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.str("AGILETRACK_EMAIL_FROM", default="") or "agiletrack@localhost"

# --- API ----------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so anonymous requests get 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "agiletrack.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agiletrack.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["agiletrack.api.TokenRateThrottle"],
    # Requests per token (scripts and integrations of other tools); browser sessions are free.
    "DEFAULT_THROTTLE_RATES": {"token": env.str("AGILETRACK_API_TOKEN_RATE", default="1200/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AgileTrack API",
    "DESCRIPTION": "Teams, integrations, sync runs, activity and engineering metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name "state": name each so the schema stays stable.
    "ENUM_NAME_OVERRIDES": {
        "PullRequestStateEnum": "metrics.models.PullRequest.State",
        "SprintStateEnum": ["closed", "active"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "agiletrack.api.document_errors",
    ],
}

# --- Celery -------------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "sqla+")):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be a redis:// or rediss:// URL (or sqla+sqlite:/// for the "
        "embedded broker)."
    )

CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Initial, manual and webhook syncs go here, ahead of the hourly fan-out in the default queue.
AGILETRACK_PRIORITY_QUEUE = env.str("AGILETRACK_PRIORITY_QUEUE", default="priority")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30
CELERY_WORKER_DEDUPLICATE_SUCCESSFUL_TASKS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Longer than the longest hard time limit and the longest retry countdown (300 s), so Redis never
# redelivers a task that is still running (RELIABILITY-NOTES §1).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600)
if CELERY_BROKER_URL.startswith("sqla+"):
    # Passed to SQLAlchemy's create_engine: wait for a locked SQLite file instead of failing.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"connect_args": {"timeout": 30}}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = 20 * 60
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=7 * 86400)
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
# django-celery-beat's DatabaseScheduler, which also records a heartbeat of beat itself
# (agiletrack_beat_heartbeat_age_seconds on /metrics).
CELERY_BEAT_SCHEDULER = "agiletrack.observability.beat:HeartbeatScheduler"
# Persist last_run_at after every send, so a beat restart does not send again.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_TIMEZONE = "UTC"

# The beat heartbeat (a PeriodicTask row) is considered stale after this many seconds.
AGILETRACK_BEAT_MAX_AGE_SECONDS = env.int("AGILETRACK_BEAT_MAX_AGE_SECONDS", default=180)

# --- Logging ------------------------------------------------------------------------------------

# One line per event from web, worker and beat: key=value (logfmt) or JSON, with the request id
# (web) or the task id and name (worker); secrets are redacted (agiletrack.observability.logs).
AGILETRACK_LOG_FORMAT = env.str("AGILETRACK_LOG_FORMAT", default="kv") or "kv"
if AGILETRACK_LOG_FORMAT not in {"kv", "json"}:
    raise ImproperlyConfigured("AGILETRACK_LOG_FORMAT must be kv or json.")
AGILETRACK_LOG_LEVEL = env.str("AGILETRACK_LOG_LEVEL", default="INFO") or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "agiletrack.observability.logs.structured_formatter",
            "log_format": AGILETRACK_LOG_FORMAT,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": AGILETRACK_LOG_LEVEL},
}
# Worker and beat log through LOGGING too (agiletrack.observability.signals), not Celery's handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Prometheus metrics (/metrics) --------------------------------------------------------------

# Web, worker, pool and beat processes each write their series to files in this folder
# (prometheus_client's multiprocess mode); /metrics adds them up. Compose shares it as a volume.
AGILETRACK_PROMETHEUS_DIR = Path(
    env.str("AGILETRACK_PROMETHEUS_DIR", default="") or VAR_DIR / "prometheus"
)
# prometheus_client chooses multiprocess mode when it is imported, from this variable, so it is
# exported here, before any metric exists. One sub-folder per host: files are named by process
# id, and the processes of two containers sharing the folder may have the same ids.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(AGILETRACK_PROMETHEUS_DIR / socket.gethostname())
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
# When set, /metrics needs "Authorization: Bearer <token>"; when empty, it answers loopback only.
AGILETRACK_METRICS_TOKEN = env.str("AGILETRACK_METRICS_TOKEN", default="")
