"""One settings module for every environment.

Everything comes from the environment (django-environ). With nothing set, the portal runs on
embedded defaults that need no service: SQLite and private files under var/, Celery in eager
mode, console e-mail and simulated authorities. Each real service is switched on by its
variable (DATABASE_URL, REDIS_URL / CELERY_BROKER_URL, AWS_STORAGE_BUCKET_NAME, EMAIL_URL).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from wsa.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("WSA_VAR_DIR", default=str(BASE_DIR / "var")))

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)

# A development key is only ever used outside production; production refuses to start without
# a real one so that a forgotten variable can never sign sessions with a public value.
_DEVELOPMENT_SECRET_KEY = "development-only-not-secret-wsa-portal-key-0123456789abcdefghij"  # noqa: S105 - refused in production below
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value when DJANGO_ENV=production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The portal's address for links in e-mails and decisions (wsa/site.py). Production must set it; in
# development links follow the address the portal is reached at.
SITE_URL = env.str("SITE_URL", default="")
if PRODUCTION and not SITE_URL:
    raise ImproperlyConfigured("Set SITE_URL to the portal's public address (e.g. https://wsa.example).")

INSTALLED_APPS = [
    # modeltranslation must come before the admin so that translated fields show there.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "accounts",
    "applications",
    "documents",
    "authorities",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wsa.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The applicant's warm status poll: 304 from the cache, before the rest of the chain (bench/README.md).
    "applications.status_poll.StatusPollMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wsa.middleware.RejectNulBytesMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    # Last: turns a django-axes lockout into the lockout page (HTTP 429).
    "axes.middleware.AxesMiddleware",
]

if not SITE_URL:
    # Development: links in e-mails follow the address the portal is reached at (wsa/site.py); with
    # SITE_URL set no request pays for it.
    MIDDLEWARE.insert(MIDDLEWARE.index("wsa.middleware.RejectNulBytesMiddleware") + 1,
                      "wsa.middleware.SiteAddressMiddleware")

if PRODUCTION:
    # In production gunicorn serves the collected static files itself; runserver does it in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "wsa.urls"
WSGI_APPLICATION = "wsa.wsgi.application"

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
                "accounts.context_processors.portal",
            ],
        },
    },
]
CSRF_FAILURE_VIEW = "wsa.errors.csrf_failure"
# Django's form templates, but <select> built in Python (wsa/forms.py: one template per <option> is slow).
FORM_RENDERER = "wsa.forms.FormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production (web and workers): a new PostgreSQL backend costs several
# milliseconds of CPU; CONN_HEALTH_CHECKS below replaces one that broke.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Planner settings of the portal's sessions (bench/README.md): data on SSD, so random reads cost
    # about as much as sequential ones; and no JIT compilation, which costs more than it saves on
    # the short queries of web requests. Set DATABASE_SESSION_OPTIONS="" to use the server's own.
    _session_options = env.str("DATABASE_SESSION_OPTIONS", default="-c random_page_cost=1.1 -c jit=off")
    if _session_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = _session_options
    # A bounded pool of connections per process (psycopg 3's pool): a burst of requests waits for a free
    # connection instead of opening one each and exhausting PostgreSQL's max_connections. Size it so
    # that processes x DATABASE_POOL_MAX_SIZE stays below max_connections. 0: no pool.
    _pool_size = env.int("DATABASE_POOL_MAX_SIZE", default=0)
    if _pool_size > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1, "max_size": _pool_size, "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0)}
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not as well

# --- Scale-out: PgBouncer in transaction mode (README "Scale-out") ----------------------------
# Behind a transaction-mode pooler consecutive transactions of one connection may run on different
# server backends, so nothing may outlive a transaction: no server-side cursors (Django's
# iterator() holds one open across fetches), no prepared statements (psycopg prepares a query after
# its 5th run), and no startup options, which PgBouncer refuses (set them on the role instead:
# ALTER ROLE wsa SET random_page_cost = 1.1; ALTER ROLE wsa SET jit = off).
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
if DATABASE_TRANSACTION_POOLING and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    DATABASES["default"]["OPTIONS"].pop("options", None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check of a locked-out (login, IP) pair before it is made.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal_home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[WSA] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# The holder is told by e-mail when the password, an e-mail address or a second factor of the account
# changes (a change they did not make is the sign of a taken-over account).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Confirming the address in the browser that signed up signs the person in and takes them on to where
# they were going (the title chosen in the finder, an invitation): the intent survives the sign-up.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Second factors: an authenticator app (TOTP), a security key or passkey (WebAuthn), and recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# WebAuthn needs HTTPS; only development on http://localhost may skip the origin check.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG and not PRODUCTION)
MFA_TOTP_ISSUER = "WSA-Portal"
# Staff work with passports and decisions: they may not reach a staff area without a second factor.
WSA_STAFF_MFA_REQUIRED = env.bool("WSA_STAFF_MFA_REQUIRED", default=True)
# Employer owners manage API tokens, webhooks and colleagues: /employer/ needs a second factor for them too.
WSA_EMPLOYER_OWNER_MFA_REQUIRED = env.bool("WSA_EMPLOYER_OWNER_MFA_REQUIRED", default=True)
SESSION_COOKIE_AGE = int(timedelta(hours=8).total_seconds())
# --- Sessions: read from the cache (Redis), written through to the database ---------------------
# The applicant's status poll answers from the cache alone (applications/status_poll.py).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# A staff session ends after this many seconds without a request (accounts.middleware).
WSA_STAFF_IDLE_TIMEOUT = env.int("WSA_STAFF_IDLE_TIMEOUT", default=30 * 60)

# --- Login protection (docs/security.md) ------------------------------------------------------
# Behind a reverse proxy set this to the number of proxies you run, so that allauth, django-axes and
# the API throttle see the client's address (X-Forwarded-For); 0 trusts no header (REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("WSA_TRUSTED_PROXY_COUNT", default=0)
# django-axes: after 5 wrong passwords for one login from one address that pair is locked for 15 minutes.
AXES_FAILURE_LIMIT = env.int("WSA_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("WSA_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "login"]
# allauth's own limits (per client address, per e-mail address, per user). Failed logins are also
# limited per address across all logins (credential stuffing) and per login across all addresses.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,10/15m/key",
    "signup": "5/m/ip,20/h/ip",
    "reset_password": "5/m/ip,3/15m/key",
    "reset_password_from_key": "10/m/ip",
    "reauthenticate": "5/m/user",
}
# Sensitive actions (decisions, API tokens, webhook secrets, the data export) ask for the password
# (or the second factor) again when the last re-authentication is older than this.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("WSA_REAUTHENTICATION_TIMEOUT", default=5 * 60)
# ... with the password or the second factor only: a code sent by e-mail proves access to the mailbox,
# not to the account.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# HR API: failed token attempts per client address before the address gets 429 for the window.
WSA_API_AUTH_FAILURE_LIMIT = env.int("WSA_API_AUTH_FAILURE_LIMIT", default=20)
WSA_API_AUTH_FAILURE_WINDOW = env.int("WSA_API_AUTH_FAILURE_WINDOW", default=15 * 60)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "de"
# Formats that differ from Django's per-locale defaults (wsa/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["wsa.formats"]
# Each language is named in itself, as the switcher shows it. Decisions stay German (or German and
# English) by law; the UI is available in all of these.
LANGUAGES = [
    ("de", "Deutsch"),
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("ar", "العربية"),
    ("hi", "हिन्दी"),
    ("vi", "Tiếng Việt"),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "de"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("de",)
# locale/ is the portal's own catalogue; locale_vendor/ holds the strings of django-allauth and Django
# that the account pages show where the libraries' catalogues lack them or say "du" (README,
# "Languages and accessibility"). Django merges LOCALE_PATHS over the apps' catalogues and the first
# path wins, so the portal's wording beats the vendor file, which beats allauth's and Django's.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are private: they are never served from a public URL, only streamed by views that
# checked access first.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files: at most WSA_UPLOAD_MAX_BYTES each; the first handler stops keeping the bytes of a
# file past that, so an oversized upload never fills the disk or memory (documents/uploadhandlers.py).
WSA_UPLOAD_MAX_BYTES = env.int("WSA_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "documents.uploadhandlers.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Document checks run in a forked child with this memory budget (MB above what the worker already
# uses) and deadline; WSA_CHECK_ISOLATION=false runs them in the worker process itself.
WSA_CHECK_ISOLATION = env.bool("WSA_CHECK_ISOLATION", default=True)
WSA_CHECK_MEMORY_MB = env.int("WSA_CHECK_MEMORY_MB", default=768)
WSA_CHECK_TIMEOUT_SECONDS = env.float("WSA_CHECK_TIMEOUT_SECONDS", default=100.0)
# Virus scanner (clamd INSTREAM): "tcp://host:3310", "host:3310" or "unix:///run/clamav/clamd.ctl".
# Empty: no scan. When set, an upload the scanner cannot vouch for is refused (fail closed).
WSA_CLAMD_ADDRESS = env.str("WSA_CLAMD_ADDRESS", default="")
WSA_CLAMD_TIMEOUT_SECONDS = env.float("WSA_CLAMD_TIMEOUT_SECONDS", default=30.0)

if DJANGO_ENV == "test":
    # Hashing is not what the tests are about; the real hasher makes every login take 0.3 s.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- E-mail ---------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="WSA-Portal <noreply@wsa.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if DJANGO_ENV == "test" and REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Each pytest-xdist worker gets its own Redis database: a test's cache.clear() is a FLUSHDB, and
    # rate-limit counters and cached pages of the other worker must not vanish or leak under it.
    _redis = urlsplit(REDIS_URL)
    _redis_db = int(_redis.path.strip("/") or 0) + 1 + int(os.environ["PYTEST_XDIST_WORKER"][2:])
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db % 16}"))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Without a broker every task runs in the web process at once (eager), so the demo needs no service.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes the database connection after every task unless this is set; wsa/celery.py closes it
# the way Django does after a request instead (broken or older than CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 1_000_000
# A web request that queues a task while the broker is down must fail over to the beat sweeps at
# once, not spend kombu's default connect retries (about 6 s per task) first: one retry, short waits.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600, "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}

# --- Scale-out: Celery queues (README "Scale-out") -------------------------------------------
# Three queues, so that each kind of work gets its own workers, added or removed with no code change:
#   documents  the document checks: CPU-bound (PDF walking, OCR) -> prefork, one process per core
#   hub        talking to the outside: authority deliveries and answers, webhooks, e-mail; mostly
#              waiting on the network -> many threads per process
#   default    database sweeps and housekeeping started by beat
# A worker started without -Q consumes all three. Every task of the project is named here:
# tests/wsa/test_queues.py fails on a task missing from this table or routed to an unknown queue.
# Each queue has its own direct exchange of the same name, the binding a worker makes for `-Q NAME`.
CELERY_TASK_QUEUES = {name: {"exchange": name, "routing_key": name} for name in ("documents", "hub", "default")}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "documents.tasks.check_document": {"queue": "documents"},
    "authorities.tasks.outbox_relay": {"queue": "hub"},
    "authorities.tasks.outbox_sweep": {"queue": "hub"},
    "authorities.tasks.authority_answer_fetch": {"queue": "hub"},
    "authorities.tasks.answers_poll": {"queue": "hub"},
    "applications.tasks.webhook_deliver": {"queue": "hub"},
    "applications.tasks.webhook_sweep": {"queue": "hub"},
    "accounts.tasks.invitation_send": {"queue": "hub"},
    "applications.tasks.notify_case": {"queue": "hub"},
    "applications.tasks.mail_send": {"queue": "hub"},
    "applications.mandates.tasks.client_invitation_send": {"queue": "hub"},
    "authorities.tasks.deadlines_sweep": {"queue": "default"},
    "documents.tasks.check_sweep": {"queue": "default"},
    "applications.tasks.statistics_refresh": {"queue": "default"},
    "applications.tasks.purge_stale_drafts": {"queue": "default"},
    "applications.tasks.purge_closed_cases": {"queue": "default"},
    "applications.tasks.title_reminders": {"queue": "default"},
}

CACHES = {
    "default": {"BACKEND": "wsa.cache.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Authorities ----------------------------------------------------------------------------
# "simulated" answers in-process; "http" speaks the FIT-Connect-like protocol to real endpoints.
WSA_AUTHORITY_TRANSPORT = env.str("WSA_AUTHORITY_TRANSPORT", default="simulated")
# Outbox: attempts before a dead letter, exponential backoff (base, cap) and the lease a worker
# holds a row for while sending it (longer than the HTTP timeouts of one delivery).
WSA_OUTBOX_MAX_ATTEMPTS = env.int("WSA_OUTBOX_MAX_ATTEMPTS", default=8)
WSA_OUTBOX_BACKOFF_SECONDS = env.float("WSA_OUTBOX_BACKOFF_SECONDS", default=30.0)
WSA_OUTBOX_BACKOFF_MAX_SECONDS = env.float("WSA_OUTBOX_BACKOFF_MAX_SECONDS", default=6 * 3600.0)
WSA_OUTBOX_LEASE_SECONDS = env.float("WSA_OUTBOX_LEASE_SECONDS", default=900.0)
WSA_AUTHORITY_HTTP_CONNECT_TIMEOUT = env.float("WSA_AUTHORITY_HTTP_CONNECT_TIMEOUT", default=5.0)
WSA_AUTHORITY_HTTP_TIMEOUT = env.float("WSA_AUTHORITY_HTTP_TIMEOUT", default=30.0)
# HMAC secret of the offices' callbacks (/authorities/callback/); outside production a value
# derived from SECRET_KEY is used when it is empty (authorities/callbacks.py).
WSA_AUTHORITY_CALLBACK_SECRET = env.str("WSA_AUTHORITY_CALLBACK_SECRET", default="")
# The demo adapters ("demo", "failing-demo") send test data: offered in the admin and used only with
# DEBUG, in the tests, or when this is on.
WSA_DEMO_ADAPTERS = env.bool("WSA_DEMO_ADAPTERS", default=DJANGO_ENV == "test")
# Fees (applications/payments): the payment provider's adapter ("simulated", "failing-simulated", "http"),
# the HMAC secret of its server-to-server notifications (required in production; outside it a
# development value is used when empty), and the simulated bank's page (also offered with DEBUG).
WSA_PAYMENT_PROVIDER = env.str("WSA_PAYMENT_PROVIDER", default="simulated")
WSA_PAYMENT_NOTIFY_SECRET = env.str("WSA_PAYMENT_NOTIFY_SECRET", default="")
WSA_PAYMENT_SIMULATOR = env.bool("WSA_PAYMENT_SIMULATOR", default=DJANGO_ENV == "test")
# The "http" provider (ePayBL-like): its base URL, Bearer token, and the seconds to wait for it.
WSA_PAYMENT_HTTP_URL = env.str("WSA_PAYMENT_HTTP_URL", default="")
WSA_PAYMENT_HTTP_TOKEN = env.str("WSA_PAYMENT_HTTP_TOKEN", default="")
WSA_PAYMENT_HTTP_TIMEOUT = env.float("WSA_PAYMENT_HTTP_TIMEOUT", default=10.0)
# Seconds the simulated offices take to decide (0: at once).
WSA_AUTHORITY_SIMULATOR_DELAY = env.float("WSA_AUTHORITY_SIMULATOR_DELAY", default=0.0)
# News about a case within this many seconds go out as one e-mail (tasks.notify_case); an applicant
# whose case moves three steps in a minute gets one message, not three.
WSA_NOTIFY_DELAY_SECONDS = env.float("WSA_NOTIFY_DELAY_SECONDS", default=60.0 if PRODUCTION else 0.0)

CELERY_BEAT_SCHEDULE = {
    "authorities-outbox-sweep": {"task": "authorities.tasks.outbox_sweep", "schedule": 30.0},
    "authorities-answers-poll": {"task": "authorities.tasks.answers_poll", "schedule": 600.0},
    "authorities-deadlines-sweep": {"task": "authorities.tasks.deadlines_sweep", "schedule": 600.0},
    # Supervisors' statistics are read from snapshots; at a million cases one refresh takes ~10 s.
    "applications-statistics-refresh": {"task": "applications.tasks.statistics_refresh",
                                        "schedule": env.float("WSA_STATISTICS_REFRESH_SECONDS", default=300.0)},
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logs and traces (wsa/observability, README "Logs and traces") ---------------------------------
# JSON lines in production (LOG_FORMAT=json anywhere), readable text in development; every record
# carries request_id, case and trace_id, and personal data is blanked before it is written.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = logging_config(json=LOG_FORMAT == "json", level=env.str("LOG_LEVEL", default="INFO"))
# One line per request (method, route, status, duration); runserver prints its own in development.
WSA_LOG_REQUESTS = env.bool("WSA_LOG_REQUESTS", default=PRODUCTION)
MIDDLEWARE.insert(0, "wsa.observability.middleware.RequestIdMiddleware")
# Tracing is configured from the OTEL_* variables by the process entry points, not here
# (wsa/observability/tracing.py).

# --- Employer portal and HR API (issue 5) ----------------------------------------------------
# django-ninja serves the HR API (/api/v1/), its OpenAPI schema and self-hosted docs (no CDN).
INSTALLED_APPS += ["ninja"]  # only for the self-hosted docs templates and static files
WSA_MEMBER_INVITATION_DAYS = env.int("WSA_MEMBER_INVITATION_DAYS", default=7)
WSA_CANDIDATE_INVITATION_DAYS = env.int("WSA_CANDIDATE_INVITATION_DAYS", default=14)
WSA_BULK_MAX_ROWS = env.int("WSA_BULK_MAX_ROWS", default=500)
# Webhook signing secrets are stored encrypted with this key (default: derived from SECRET_KEY;
# changing it makes the stored secrets unreadable, so endpoints must then be registered again).
WSA_WEBHOOK_ENCRYPTION_KEY = env.str("WSA_WEBHOOK_ENCRYPTION_KEY", default="")
# Outside production webhooks may go to http:// and local addresses (for trying them out).
WSA_WEBHOOK_ALLOW_HTTP = env.bool("WSA_WEBHOOK_ALLOW_HTTP", default=not PRODUCTION)
WSA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WSA_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=not PRODUCTION)
WSA_WEBHOOK_MAX_ATTEMPTS = env.int("WSA_WEBHOOK_MAX_ATTEMPTS", default=8)
WSA_WEBHOOK_BACKOFF_SECONDS = env.float("WSA_WEBHOOK_BACKOFF_SECONDS", default=30.0)
# In Celery eager mode deliveries are left to the sweep (`manage.py deliver_webhooks`) instead of
# being sent inside the web request; set to true only in tests that want them sent at once.
WSA_WEBHOOKS_SEND_EAGER = False
vars().setdefault("CELERY_BEAT_SCHEDULE", {})["applications-webhooks-sweep"] = {
    "task": "applications.tasks.webhook_sweep", "schedule": 60.0,
}

# --- Retention (applications/retention.py, docs/security.md) -----------------------------------
# Storage limitation (Art. 5(1)(e) GDPR): a draft nobody touched for 180 days is deleted with the
# documents uploaded for it.
WSA_DRAFT_RETENTION_DAYS = env.int("WSA_DRAFT_RETENTION_DAYS", default=180)
# A closed (or withdrawn) case is anonymised two years after closing. The portal is the platform that
# carries the procedure, not the authorities' file of record (they keep their files under their own
# rules, e.g. visa data in the VIS, Art. 23 Regulation (EC) No 767/2008). Two years cover the time
# limits for remedies against the decisions — one month for an objection or an action (§ 70, § 74
# VwGO), one year when the instructions on remedies were missing or wrong (§ 58 Abs. 2 VwGO) — plus
# time for the proceedings and for requests under Art. 15-17 GDPR. Agree the period with the data
# protection officer before going live.
WSA_CLOSED_CASE_RETENTION_DAYS = env.int("WSA_CLOSED_CASE_RETENTION_DAYS", default=2 * 365)
CELERY_BEAT_SCHEDULE["applications-purge-stale-drafts"] = {
    "task": "applications.tasks.purge_stale_drafts", "schedule": 24 * 3600.0,
}
CELERY_BEAT_SCHEDULE["applications-purge-closed-cases"] = {
    "task": "applications.tasks.purge_closed_cases", "schedule": 24 * 3600.0,
}

# --- Residence titles after the decision (README "After arrival: titles and share codes") ---------
CELERY_BEAT_SCHEDULE["applications-title-reminders"] = {
    "task": "applications.tasks.title_reminders", "schedule": 24 * 3600.0,
}
# The public share-code check (/check/): this many wrong codes from one address within the window,
# then the page answers 429 for the block time.
WSA_SHARE_CHECK_FAILURE_LIMIT = env.int("WSA_SHARE_CHECK_FAILURE_LIMIT", default=5)
WSA_SHARE_CHECK_WINDOW_SECONDS = env.int("WSA_SHARE_CHECK_WINDOW_SECONDS", default=15 * 60)
WSA_SHARE_CHECK_BLOCK_SECONDS = env.int("WSA_SHARE_CHECK_BLOCK_SECONDS", default=15 * 60)

# --- Operations: backups (docs/backup-restore.md) and the HR API token budget (README) ----------
# Every HR API token may send this many requests per period ("300/m"; periods s, m, h, d, e.g.
# "1000/5m"); past it the API answers 429 with Retry-After. Counted in the cache (Redis in production).
WSA_API_TOKEN_RATE = env.str("WSA_API_TOKEN_RATE", default="300/m")
# manage.py backup writes one dated directory per run under this directory.
WSA_BACKUP_DIR = env.str("WSA_BACKUP_DIR", default=str(VAR_DIR / "backups"))

# --- Metrics and health (wsa/observability, README "Metrics and health") -----------------------
INSTALLED_APPS += ["wsa.observability"]
# Outermost, so that the latency covers every other middleware.
MIDDLEWARE.insert(0, "wsa.observability.middleware.RequestMetricsMiddleware")
# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; unset, it answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# A Celery worker serves its task metrics on this address (e.g. "0.0.0.0:9540"); empty: no port.
WSA_WORKER_METRICS_LISTEN = env.str("WSA_WORKER_METRICS_LISTEN", default="")
# Seconds a scrape may spend on the queue-depth queries, and on reaching the broker.
WSA_METRICS_DATABASE_TIMEOUT_SECONDS = env.float("WSA_METRICS_DATABASE_TIMEOUT_SECONDS", default=2.0)
WSA_METRICS_BROKER_TIMEOUT_SECONDS = env.float("WSA_METRICS_BROKER_TIMEOUT_SECONDS", default=2.0)
# Seconds each readiness check (/readyz) may take to reach Redis and the broker.
WSA_READINESS_TIMEOUT_SECONDS = env.float("WSA_READINESS_TIMEOUT_SECONDS", default=2.0)
# Probes and Prometheus reach the processes directly over the internal network, not through the
# TLS-terminating proxy: they are not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- The operator, as the legal pages name it (imprint § 5 DDG, privacy Art. 13 GDPR, accessibility
# statement § 12b BGG). The defaults describe the demonstration; `manage.py check --deploy` refuses
# them in production (applications.site_info).
WSA_OPERATOR_NAME = env.str("WSA_OPERATOR_NAME", default="Work-and-Stay-Agentur (WSA) – Demo")
WSA_OPERATOR_ADDRESS = env.str("WSA_OPERATOR_ADDRESS", default="Musterstraße 1\n10115 Berlin")
WSA_OPERATOR_REPRESENTED_BY = env.str("WSA_OPERATOR_REPRESENTED_BY", default="")
WSA_OPERATOR_EMAIL = env.str("WSA_OPERATOR_EMAIL", default="kontakt@wsa.example")
WSA_OPERATOR_PHONE = env.str("WSA_OPERATOR_PHONE", default="")
WSA_DATA_PROTECTION_OFFICER_EMAIL = env.str("WSA_DATA_PROTECTION_OFFICER_EMAIL", default="datenschutz@wsa.example")
WSA_ACCESSIBILITY_EMAIL = env.str("WSA_ACCESSIBILITY_EMAIL", default="barrierefreiheit@wsa.example")
# Date (YYYY-MM-DD) of the last accessibility review the statement reports; empty: none yet.
WSA_ACCESSIBILITY_REVIEWED_ON = env.str("WSA_ACCESSIBILITY_REVIEWED_ON", default="")
# Address of the German Sign Language video for the start page (§ 4 BITV 2.0); empty: the transcript only.
WSA_SIGN_LANGUAGE_VIDEO_URL = env.str("WSA_SIGN_LANGUAGE_VIDEO_URL", default="")
# Feedback on barriers: this many messages per address and hour.
WSA_ACCESSIBILITY_FEEDBACK_PER_HOUR = env.int("WSA_ACCESSIBILITY_FEEDBACK_PER_HOUR", default=5)
