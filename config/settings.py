"""Settings, read from the environment (see config/env.py and docs/configuration.md).

With no environment set this runs the embedded default: PostgreSQL and Valkey (Redis-compatible)
from wheels, started under ``var/embedded/`` by ``core/embedded.py`` (``make run``,
``make test``), and the notification outbox. Production names its own in DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL; the code is the same for both.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from config import env
from core import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.string("DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# "development" runs with demo data and development-only pages; "production" refuses to start
# without real secrets.
ENVIRONMENT = env.string("ENVIRONMENT", "development")
if ENVIRONMENT not in ("development", "test", "production"):
    raise env.ImproperlyConfiguredEnv("ENVIRONMENT must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.boolean("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise env.ImproperlyConfiguredEnv("DEBUG cannot be True in production")

_DEV_SECRET = "development-only-secret-key-do-not-use-in-production-0123456789"
SECRET_KEY = env.string("SECRET_KEY", None if PRODUCTION else _DEV_SECRET)

# Keys for data encrypted at rest (NHS numbers, linkage keys, notification content, uploads).
# A comma-separated list of Fernet keys: the first encrypts, all decrypt, so keys can rotate.
_DEV_FIELD_KEY = "bm90LWEtcmVhbC1rZXktZGV2ZWxvcG1lbnQtb25seTA="
FIELD_ENCRYPTION_KEYS = env.string_list(
    "FIELD_ENCRYPTION_KEYS", [] if PRODUCTION else [_DEV_FIELD_KEY]
)
if not FIELD_ENCRYPTION_KEYS:
    raise env.ImproperlyConfiguredEnv("FIELD_ENCRYPTION_KEYS must be set in production")

SITE_URL = env.string("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
# The load balancers and reverse proxies in front of gunicorn (addresses or CIDR ranges,
# comma-separated). Only a hop from one of these is believed about X-Forwarded-For; with none
# (the default) the header is ignored. See core/client_address.py, docs/operations.md.
TRUSTED_PROXIES = env.network_list("TRUSTED_PROXIES", [])
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django admin with staff sign-in through django-otp and our limits (accounts.admin).
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "oauth2_provider",
    "core",
    "accounts",
    "verification",
    "connected_services",
    # Lets the TemplatesSetting form renderer (core.forms) find Django's own widget templates,
    # which Django admin's forms use (issue 5: practice staff in admin).
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # No SELECT 1 before a request's first query while the connection is quiet (ADR 0013).
    "core.middleware.QuietConnectionMiddleware",
    # The provider's JSON endpoints (exact paths below) skip the rest of this list; see
    # core.middleware.LeanEndpointsMiddleware and docs/adr/0034-lean-request-path.md.
    "core.middleware.LeanEndpointsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # Oversized bodies and methods no page answers are refused before anything reads them.
    "core.request_limits.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A form sent after signing out in another tab: the sign-in page says it was not saved.
    "accounts.middleware.SignedOutFormMiddleware",
    # The support desk asked for a new password: nothing else until it is chosen.
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # DEBUG on: our 404 page, not Django's technical one that lists every route.
    "core.middleware.DesignedNotFoundMiddleware",
    # Last, so its process_exception is the first to see a view's exception: Redis down
    # answers the styled 503 page (docs/adr/0019-when-redis-is-down.md).
    "core.middleware.SharedStoreDownMiddleware",
]

# Machine-to-machine JSON endpoints of the OpenID Connect provider: straight to their views
# (each marked @lean_endpoint and csrf_exempt) after SecurityMiddleware only.
LEAN_ENDPOINT_PATHS = (
    "/token",
    "/userinfo",
    "/revoke",
    "/.well-known/jwks.json",
    "/.well-known/openid-configuration",
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        # Patient-facing pages: Jinja2 with the nhsuk-frontend-jinja macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.service",
            ],
        },
    },
    {
        # Django admin (and any library page we have not restyled) keeps its own templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "django"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.string("DATABASE_URL", None if PRODUCTION else embedded.default_database_url()),
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# The hot statements (core.rows: server-side parameters) are prepared on their fifth run in a
# connection, so PostgreSQL plans each once per connection instead of once per request;
# Django's own queries bind on the client and are never prepared (ADR 0064).
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise env.ImproperlyConfiguredEnv("DATABASE_URL must name a PostgreSQL database")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.string("REDIS_URL", None if PRODUCTION else embedded.default_redis_url(0))
CACHES = {
    "default": {
        "BACKEND": "core.cache.PooledClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "nhslogin",
        # A Redis that does not answer fails the page in seconds (the styled 503 of
        # core.middleware.SharedStoreDownMiddleware), rather than holding a web worker.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# Sessions survive a Redis restart: written to the database, read through the cache.
# cached_db (rows in PostgreSQL, so sessions survive a Redis restart) with fewer round trips
# per write; see accounts/sessions.py (performance work, issue 2).
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.boolean("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Tests may lower the hash cost; the benchmark and production never do.
PASSWORD_HASH_COST = env.string("PASSWORD_HASH_COST", "owasp")
if PASSWORD_HASH_COST not in ("owasp", "fast-for-tests"):
    raise env.ImproperlyConfiguredEnv("PASSWORD_HASH_COST must be owasp or fast-for-tests")
if PRODUCTION and PASSWORD_HASH_COST != "owasp":
    raise env.ImproperlyConfiguredEnv("PASSWORD_HASH_COST must be owasp in production")

PASSWORD_MIN_SCORE = env.integer("PASSWORD_MIN_SCORE", 3, minimum=0)
if PASSWORD_MIN_SCORE > 4:
    raise env.ImproperlyConfiguredEnv("PASSWORD_MIN_SCORE must be 0 to 4")

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email",)},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Passwords that lists from breaches make easy to guess (Passw0rd!, Summer2024!), judged
    # offline by zxcvbn: ADR 0060. 3 is about 10^8 guesses or more.
    {
        "NAME": "accounts.password_validation.GuessablePasswordValidator",
        "OPTIONS": {"min_score": PASSWORD_MIN_SCORE},
    },
]

AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "core:start"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# The photo ID check's photos and videos (encrypted: verification/idchecks/storage.py). The
# web process that takes an upload, the worker that checks it and the web process that shows
# it to a checker may run on different machines: with more than one node, every node's
# MEDIA_DIR must be the same shared folder (docs/operations.md, "More than one node").
MEDIA_DIR = Path(env.string("MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_DIR), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Email and SMS: GOV.UK Notify when a key is set, otherwise the outbox in the database.
NOTIFY_API_KEY = env.optional("NOTIFY_API_KEY")
NOTIFY_TEMPLATE_IDS_FILE = env.optional("NOTIFY_TEMPLATE_IDS_FILE")
if PRODUCTION and not NOTIFY_API_KEY:
    raise env.ImproperlyConfiguredEnv("NOTIFY_API_KEY must be set in production")

# Celery: Redis (the embedded Valkey when nothing is set). No acknowledgement emulation. With
# it, celery and kombu 5.7.0 kill a worker whose Redis restarts while it holds a message: kombu
# restores the message through a channel that celery's reconnect clean-up (celery/celery#9705)
# has already closed, the restore-after-close of celery/kombu#582 and #970 ("'NoneType' object
# has no attribute 'hostname'", issue 14). Without it a message a worker held when it died is
# lost instead, and the sweepers queue its work again from the database (notifications, ID
# checks, logout notices). See docs/operations.md, "Workers and Redis restarts".
CELERY_BROKER_URL = env.string(
    "CELERY_BROKER_URL", None if PRODUCTION else embedded.default_broker_url(1)
)
CELERY_BROKER_TRANSPORT_OPTIONS = {"ack_emulation": False}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Take a message only when a process is free to run it: a worker holds no waiting messages
# when its Redis restarts (docs/operations.md, "Workers and Redis restarts", issue 14).
CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_BEAT_SCHEDULE = {
    # A notification stored but never picked up (its task lost on the way) is queued again.
    "core-queue-stalled-notifications": {
        "task": "core.tasks.queue_stalled_notifications",
        "schedule": timedelta(minutes=1),
    },
    # Likewise a back-channel logout notice whose task was lost.
    "connected-services-queue-stalled-logout-notices": {
        "task": "connected_services.tasks.queue_stalled_logout_notices",
        "schedule": timedelta(minutes=1),
    },
    # And a security event (issue 17).
    "connected-services-queue-stalled-security-events": {
        "task": "connected_services.tasks.queue_stalled_security_events",
        "schedule": timedelta(minutes=1),
    },
}

# django-otp
OTP_TOTP_ISSUER = "NHS login"

# Passkeys (django-otp-webauthn, the Cm component; docs/adr/0015-passkeys-as-cm.md). A passkey
# belongs to its relying party id, the site's host name: changing it orphans every passkey.
# Browsers refuse an IP address as the id, so the default site (127.0.0.1) uses localhost.
_site = urlsplit(SITE_URL)
_site_host = "localhost" if _site.hostname in ("127.0.0.1", "::1") else _site.hostname
_site_origin = f"{_site.scheme}://{_site_host}" + (f":{_site.port}" if _site.port else "")
OTP_WEBAUTHN_RP_ID = env.string("WEBAUTHN_RP_ID", _site_host)
OTP_WEBAUTHN_RP_NAME = "NHS login"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.string_list("WEBAUTHN_ALLOWED_ORIGINS", [_site_origin])
# Our helper asks for user verification and a discoverable credential (accounts.services.passkeys).
OTP_WEBAUTHN_HELPER_CLASS = "accounts.services.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True
# A passkey added this long after the password and code needs them again.
PASSKEY_FRESH_SIGN_IN = timedelta(
    minutes=env.integer("PASSKEY_FRESH_SIGN_IN_MINUTES", 15, minimum=1)
)

# django-oauth-toolkit: configured in connected_services (see docs/adr).
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "PKCE_REQUIRED": False,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
}

# Proofing
P9_MINIMUM_AGE = env.integer("P9_MINIMUM_AGE", 11, minimum=0)
# How long the "If this was not you" link in the email sent after any P9 works (days; ADR 0047).
PROOFING_NOTICE_DAYS = env.integer("PROOFING_NOTICE_DAYS", 30, minimum=1)

# GP online registration details (issue 5, verification/gp_online): how long new details last,
# and how many wrong tries a patient gets per hour, per account and per address.
GP_ONLINE_DETAILS_EXPIRY_DAYS = env.integer("GP_ONLINE_DETAILS_EXPIRY_DAYS", 90, minimum=1)
GP_ONLINE_ATTEMPTS_PER_ACCOUNT = env.integer("GP_ONLINE_ATTEMPTS_PER_ACCOUNT", 5, minimum=1)
GP_ONLINE_ATTEMPTS_PER_ADDRESS = env.integer("GP_ONLINE_ATTEMPTS_PER_ADDRESS", 20, minimum=1)

# Rate limits and lockouts (attempts, window)
SIGN_IN_LOCKOUT_ATTEMPTS = env.integer("SIGN_IN_LOCKOUT_ATTEMPTS", 5, minimum=1)
SIGN_IN_LOCKOUT_PERIOD = timedelta(minutes=env.integer("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "core.logging.RedactPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

ADMIN_URL = env.string("ADMIN_URL", "admin/")
FORM_RENDERER = "core.forms.NHSUKFormRenderer"

# --- Demographics trace (P5), issue 3: see docs/verification-p5.md -------------------------
# "local": the synthetic patients table; "pds-fhir": the PDS FHIR R4 API at PDS_FHIR_BASE_URL
# (our own fake at <SITE_URL>/fake-pds/FHIR/R4 outside production).
DEMOGRAPHICS_BACKEND = env.string("DEMOGRAPHICS_BACKEND", "pds-fhir" if PRODUCTION else "local")
if DEMOGRAPHICS_BACKEND not in ("local", "pds-fhir"):
    raise env.ImproperlyConfiguredEnv("DEMOGRAPHICS_BACKEND must be local or pds-fhir")
if PRODUCTION and DEMOGRAPHICS_BACKEND == "local":
    raise env.ImproperlyConfiguredEnv("DEMOGRAPHICS_BACKEND cannot be local in production")
PDS_FHIR_BASE_URL = env.string(
    "PDS_FHIR_BASE_URL",
    None if DEMOGRAPHICS_BACKEND == "pds-fhir" and PRODUCTION else f"{SITE_URL}/fake-pds/FHIR/R4",
)
PDS_FHIR_ACCESS_TOKEN = env.optional("PDS_FHIR_ACCESS_TOKEN")
# NHS England's signed JWT authentication (verification/demographics/auth.py): the API key of
# our application, the file holding its RSA private key (PEM) and the key's id (``kid``).
PDS_API_KEY = env.optional("PDS_API_KEY")
PDS_PRIVATE_KEY_FILE = env.optional("PDS_PRIVATE_KEY_FILE")
PDS_KEY_ID = env.optional("PDS_KEY_ID")
_NHS_ENGLAND_TOKEN_URL = "https://api.service.nhs.uk/oauth2/token"
PDS_TOKEN_URL = env.string(
    "PDS_TOKEN_URL", _NHS_ENGLAND_TOKEN_URL if PRODUCTION else f"{SITE_URL}/fake-pds/oauth2/token"
)
if PDS_API_KEY and not (PDS_PRIVATE_KEY_FILE and PDS_KEY_ID):
    raise env.ImproperlyConfiguredEnv("PDS_API_KEY needs PDS_PRIVATE_KEY_FILE and PDS_KEY_ID")
if PDS_PRIVATE_KEY_FILE and not Path(PDS_PRIVATE_KEY_FILE).is_file():
    raise env.ImproperlyConfiguredEnv("PDS_PRIVATE_KEY_FILE must name a readable file")
if PDS_API_KEY and PDS_FHIR_ACCESS_TOKEN:
    raise env.ImproperlyConfiguredEnv("set PDS_API_KEY or PDS_FHIR_ACCESS_TOKEN, not both")
if PRODUCTION and DEMOGRAPHICS_BACKEND == "pds-fhir" and not (PDS_API_KEY or PDS_FHIR_ACCESS_TOKEN):
    raise env.ImproperlyConfiguredEnv("the PDS FHIR backend needs PDS_API_KEY (or an access token)")
PDS_FHIR_TIMEOUT = env.integer("PDS_FHIR_TIMEOUT_SECONDS", 5, minimum=1)
FAKE_PDS_ENABLED = not PRODUCTION
P5_TRACE_ATTEMPTS = env.integer("P5_TRACE_ATTEMPTS", 5, minimum=1)
P5_TRACE_WINDOW = timedelta(hours=env.integer("P5_TRACE_WINDOW_HOURS", 24, minimum=1))
# httpx logs each request URL at INFO; PDS search URLs carry names, dates of birth and postcodes.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}
LOGGING["loggers"]["httpcore"] = {"level": "WARNING"}

# --- P9 photo ID checks (verification/idchecks, docs/verification-p9-photo-id.md) ---
P9_MAX_IMAGE_MB = env.integer("P9_MAX_IMAGE_MB", 15, minimum=1)
P9_MAX_VIDEO_MB = env.integer("P9_MAX_VIDEO_MB", 60, minimum=1)
# The largest request body any page takes (the document page: front, back and camera clip);
# larger ones get a 413 before they are read (core.request_limits).
MAX_REQUEST_BODY_MB = env.integer(
    "MAX_REQUEST_BODY_MB", P9_MAX_VIDEO_MB + 2 * P9_MAX_IMAGE_MB + 1, minimum=1
)
P9_MAX_IMAGE_MEGAPIXELS = env.integer("P9_MAX_IMAGE_MEGAPIXELS", 40, minimum=1)
P9_UPLOADS_PER_HOUR = env.integer("P9_UPLOADS_PER_HOUR", 30, minimum=1)
P9_MEDIA_RETENTION_DAYS = env.integer("P9_MEDIA_RETENTION_DAYS", 30, minimum=0)
P9_REVIEW_LOCK_MINUTES = env.integer("P9_REVIEW_LOCK_MINUTES", 30, minimum=1)
# What reads the photo ID checks' media: "real" (OCR, dlib, PyAV, pocketsphinx) or "fake"
# (verification/idchecks/fake_engine.py: decided by magic picture sizes, for journey tests).
ID_CHECK_ENGINE = env.string("ID_CHECK_ENGINE", "real")
if ID_CHECK_ENGINE not in ("real", "fake"):
    raise env.ImproperlyConfiguredEnv("ID_CHECK_ENGINE must be real or fake")
if PRODUCTION and ID_CHECK_ENGINE == "fake":
    raise env.ImproperlyConfiguredEnv("ID_CHECK_ENGINE cannot be fake in production")
# --- The document's issuer (P9), issue 13: see docs/verification-p9-document-checking.md ---
# "fake": a deterministic rule in this process; "hmpo": HM Passport Office's Document Checking
# Service at DCS_URL (our own fake at <SITE_URL>/fake-dcs outside production).
DOCUMENT_CHECKING_SERVICE = env.string(
    "DOCUMENT_CHECKING_SERVICE", "hmpo" if PRODUCTION else "fake"
)
if DOCUMENT_CHECKING_SERVICE not in ("fake", "hmpo"):
    raise env.ImproperlyConfiguredEnv("DOCUMENT_CHECKING_SERVICE must be fake or hmpo")
if PRODUCTION and DOCUMENT_CHECKING_SERVICE == "fake":
    raise env.ImproperlyConfiguredEnv("DOCUMENT_CHECKING_SERVICE cannot be fake in production")
DCS_URL = env.string("DCS_URL", None if PRODUCTION else f"{SITE_URL}/fake-dcs").rstrip("/")
if PRODUCTION and not DCS_URL.startswith("https://"):
    raise env.ImproperlyConfiguredEnv("DCS_URL must be an https:// URL in production")
# Keys and certificates are files (PEM), never in the repository: ours for signing requests
# (key and certificate) and decrypting answers; the DCS's for checking its signatures and
# encrypting to it; ours and the DCS's CA bundle for mutual TLS.
DCS_CLIENT_SIGNING_KEY_FILE = env.readable_file("DCS_CLIENT_SIGNING_KEY_FILE")
DCS_CLIENT_SIGNING_CERT_FILE = env.readable_file("DCS_CLIENT_SIGNING_CERT_FILE")
DCS_CLIENT_ENCRYPTION_KEY_FILE = env.readable_file("DCS_CLIENT_ENCRYPTION_KEY_FILE")
DCS_SIGNING_CERT_FILE = env.readable_file("DCS_SIGNING_CERT_FILE")
DCS_ENCRYPTION_CERT_FILE = env.readable_file("DCS_ENCRYPTION_CERT_FILE")
DCS_TLS_CLIENT_CERT_FILE = env.readable_file("DCS_TLS_CLIENT_CERT_FILE")
DCS_TLS_CLIENT_KEY_FILE = env.readable_file("DCS_TLS_CLIENT_KEY_FILE")
DCS_TLS_CA_FILE = env.readable_file("DCS_TLS_CA_FILE")
if bool(DCS_TLS_CLIENT_CERT_FILE) != bool(DCS_TLS_CLIENT_KEY_FILE):
    raise env.ImproperlyConfiguredEnv(
        "DCS_TLS_CLIENT_CERT_FILE and DCS_TLS_CLIENT_KEY_FILE go together"
    )
if DOCUMENT_CHECKING_SERVICE == "hmpo":
    _needed = {
        "DCS_CLIENT_SIGNING_KEY_FILE": DCS_CLIENT_SIGNING_KEY_FILE,
        "DCS_CLIENT_SIGNING_CERT_FILE": DCS_CLIENT_SIGNING_CERT_FILE,
        "DCS_CLIENT_ENCRYPTION_KEY_FILE": DCS_CLIENT_ENCRYPTION_KEY_FILE,
        "DCS_SIGNING_CERT_FILE": DCS_SIGNING_CERT_FILE,
        "DCS_ENCRYPTION_CERT_FILE": DCS_ENCRYPTION_CERT_FILE,
    }
    if PRODUCTION:  # mutual TLS: the DCS accepts no request without our client certificate
        _needed["DCS_TLS_CLIENT_CERT_FILE"] = DCS_TLS_CLIENT_CERT_FILE
    if _missing := [name for name, value in _needed.items() if not value]:
        raise env.ImproperlyConfiguredEnv(
            f"DOCUMENT_CHECKING_SERVICE=hmpo needs {', '.join(_missing)}"
        )
# Outside production only: the fake DCS's own private keys (the other halves of
# DCS_SIGNING_CERT_FILE and DCS_ENCRYPTION_CERT_FILE); `manage.py fake_dcs_keys` writes a set.
FAKE_DCS_SIGNING_KEY_FILE = None if PRODUCTION else env.readable_file("FAKE_DCS_SIGNING_KEY_FILE")
FAKE_DCS_ENCRYPTION_KEY_FILE = (
    None if PRODUCTION else env.readable_file("FAKE_DCS_ENCRYPTION_KEY_FILE")
)
DCS_TIMEOUT = env.integer("DCS_TIMEOUT_SECONDS", 5, minimum=1)
FAKE_DCS_ENABLED = not PRODUCTION
FAKE_DCS_SLOW_SECONDS = env.integer("FAKE_DCS_SLOW_SECONDS", 30, minimum=1)
# Days after its expiry date a document is still accepted (0: an expired document fails).
P9_DOCUMENT_EXPIRY_GRACE_DAYS = env.integer("P9_DOCUMENT_EXPIRY_GRACE_DAYS", 0, minimum=0)
# Off unless turned on: docs/verification-p9-photo-id.md says which measured rates justify it.
P9_FAST_TRACK = env.boolean("P9_FAST_TRACK", default=False)
# The heavy checks (OCR, faces, speech) run on their own queue, in workers that load the models.
CELERY_TASK_ROUTES = {"verification.tasks.run_id_checks": {"queue": "checks"}}
CELERY_BEAT_SCHEDULE |= {
    # Photos and videos are deleted a set number of days after the decision.
    "idchecks-delete-decided-media": {
        "task": "verification.tasks.delete_decided_id_check_media",
        "schedule": timedelta(hours=6),
    },
    # A check whose task was lost (a broker without acknowledgements) is queued again.
    "idchecks-resume-stalled": {
        "task": "verification.tasks.resume_stalled_id_checks",
        "schedule": timedelta(minutes=10),
    },
}

# accounts (issue 2): daily clean-up of old security codes and dead remembered browsers.
CELERY_BEAT_SCHEDULE["accounts-delete-stale-records"] = {
    "task": "accounts.tasks.delete_stale_account_records",
    "schedule": timedelta(days=1),
}

# Inactivity (issue 17; NHS login's published rules; accounts.services.inactivity): a login not
# used for 2 years closes, after emails 60 and 7 days before; a remembered browser not used
# for 6 months is forgotten. Daily.
LOGIN_CLOSED_AFTER_UNUSED = timedelta(days=env.integer("LOGIN_CLOSED_AFTER_UNUSED_DAYS", 730))
LOGIN_CLOSING_WARNINGS = (60, 7)  # days before closing
REMEMBERED_BROWSER_FORGOTTEN_AFTER_UNUSED = timedelta(
    days=env.integer("REMEMBERED_BROWSER_FORGOTTEN_AFTER_UNUSED_DAYS", 183)
)
CELERY_BEAT_SCHEDULE["accounts-inactivity"] = {
    "task": "accounts.tasks.apply_inactivity_rules",
    "schedule": timedelta(days=1),
}

# --- Connected services: the OpenID Connect provider (issue 6; docs/adr/0030-*.md) ---------
# django-oauth-toolkit's models are swapped for ours (connected_services.models) so the vector
# of trust travels with the code and tokens and a connected service is one registration. These
# names must be set before the first migration of the swapped models.
OAUTH2_PROVIDER_APPLICATION_MODEL = "connected_services.Service"
OAUTH2_PROVIDER_GRANT_MODEL = "connected_services.Grant"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "connected_services.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "connected_services.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "connected_services.IDToken"
OAUTH2_PROVIDER.update(
    {
        "OAUTH2_VALIDATOR_CLASS": "connected_services.oidc.validator.NHSLoginValidator",
        # 256-bit values in one call (oauthlib's default picks 30 characters one by one).
        "ACCESS_TOKEN_GENERATOR": "connected_services.oidc.tokens.generate_token",
        # Rotation with reuse detection: a refresh token used twice revokes its whole family.
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
        # RFC 9700 (OAuth 2.0 Security BCP), `check --deploy` W001-W004 and W006 (ADR 0037):
        # no implicit or password grant, PKCE S256 only (the authorization endpoint refuses
        # "plain" first, connected_services.authorization), access tokens never in a URL
        # (/userinfo refuses them itself).
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        # W006: access and refresh tokens are kept only as their SHA-256 (``token_checksum``,
        # what every look-up already used); the ``token`` column stays empty. Needs the
        # grace period above to be 0 (DOT's check E001).
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        # https only; plain http is allowed for loopback relying parties outside production
        # (the demo connected service), see connected_services.models.check_redirect_uri.
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["https", "http"],
        "SCOPES": {
            "openid": "Your NHS login identifier",
            "profile": "Your NHS number, name, date of birth and proofing level",
            "basic_demographics": "Your name, date of birth and proofing level",
            "profile_extended": "Your first name",
            "email": "Your email address",
            "phone": "Your mobile phone number",
            "landline": "Your landline phone number",
            "gp_registration_details": "Your GP surgery",
            "gp_integration_credentials": "Your GP online services details",
            "client_metadata": "Information the service keeps about you",
        },
    }
)
# The issuer: connected services fetch discovery from here; tokens carry it as ``iss``.
OIDC_ISSUER = env.string("OIDC_ISSUER", SITE_URL).rstrip("/")
# ID tokens are signed with keys held in the database (encrypted); `rotate_signing_key`
# publishes a new one and keeps the old public key in JWKS until its ID tokens have expired.
OIDC_SIGNING_KEY_SIZE = env.integer("OIDC_SIGNING_KEY_SIZE", 2048, minimum=2048)
# Back-channel logout: how long to wait for a connected service to answer.
OIDC_BACKCHANNEL_LOGOUT_TIMEOUT = env.integer("OIDC_BACKCHANNEL_LOGOUT_TIMEOUT", 5, minimum=1)
# --- end connected services ---------------------------------------------------------------

# --- Accounts made for a patient by an organisation (issue 17 item 4; ADR 0065) ------------
# NHS login's account provisioning: a registered practice (admin) or service (API,
# private_key_jwt) asks us to make a login for a patient; docs/provisioning.md.
# Requests one organisation may submit in 24 hours, refused ones included (each is a trace).
PROVISIONING_REQUESTS_PER_ORGANISATION_PER_DAY = env.integer(
    "PROVISIONING_REQUESTS_PER_ORGANISATION_PER_DAY", 200, minimum=1
)
# Requests for one NHS number, from any organisation, in PROVISIONING_NHS_NUMBER_WINDOW_DAYS.
PROVISIONING_REQUESTS_PER_NHS_NUMBER = env.integer(
    "PROVISIONING_REQUESTS_PER_NHS_NUMBER", 3, minimum=1
)
PROVISIONING_NHS_NUMBER_WINDOW_DAYS = env.integer(
    "PROVISIONING_NHS_NUMBER_WINDOW_DAYS", 7, minimum=1
)
# How long the emailed link works.
PROVISIONING_LINK_DAYS = env.integer("PROVISIONING_LINK_DAYS", 7, minimum=1)
# Links that do not work, from one client address in an hour, before every link is refused there.
PROVISIONING_BAD_LINKS_PER_ADDRESS = env.integer(
    "PROVISIONING_BAD_LINKS_PER_ADDRESS", 10, minimum=1
)
CELERY_BEAT_SCHEDULE["verification-expire-provisions"] = {
    "task": "verification.tasks.expire_provisions",
    "schedule": timedelta(hours=1),
}
# --- end accounts made for a patient --------------------------------------------------------

# --- GOV.UK One Login (issue 18, items 1-2): docs/one-login.md, ADR 0066 ------------------
# "Sign in with GOV.UK One Login" through allauth.socialaccount's OpenID Connect provider,
# subclassed in accounts/one_login (private_key_jwt, vtr, the claims request, nonce). allauth is
# installed for that provider only: our own views stay the sign-in and sign-up (ADR 0010), and
# its adapter (accounts.one_login.adapter) never lets it create, link or sign in on its own.
ONE_LOGIN_ENABLED = env.boolean("ONE_LOGIN_ENABLED", default=not PRODUCTION)
# Outside production, a fake One Login served by this app at /fake-one-login/.
FAKE_ONE_LOGIN_ENABLED = ONE_LOGIN_ENABLED and not PRODUCTION
_one_login_needed = PRODUCTION and ONE_LOGIN_ENABLED
ONE_LOGIN_URL = env.string(
    "ONE_LOGIN_URL", None if _one_login_needed else f"{SITE_URL}/fake-one-login"
).rstrip("/")
ONE_LOGIN_CLIENT_ID = env.string(
    "ONE_LOGIN_CLIENT_ID", None if _one_login_needed else "nhs-login-development"
)
# Our private key (PEM, RSA) for private_key_jwt at One Login's token endpoint. Outside
# production one is made under DATA_DIR on first use, and the fake trusts its public half.
ONE_LOGIN_PRIVATE_KEY_FILE = env.readable_file("ONE_LOGIN_PRIVATE_KEY_FILE")
# Who signs the identity (coreIdentityJWT) and where its public keys are published (DID).
ONE_LOGIN_IDENTITY_ISSUER = env.string(
    "ONE_LOGIN_IDENTITY_ISSUER", None if _one_login_needed else "https://identity.fake-one-login"
)
# Default: <ONE_LOGIN_URL>/.well-known/did.json
ONE_LOGIN_DID_URL = env.optional("ONE_LOGIN_DID_URL")
ONE_LOGIN_TIMEOUT = env.integer("ONE_LOGIN_TIMEOUT_SECONDS", 5, minimum=1)
# Identities from One Login a login may try to reuse per day (each try traces PDS).
ONE_LOGIN_IDENTITY_TRIES_PER_DAY = env.integer("ONE_LOGIN_IDENTITY_TRIES_PER_DAY", 3, minimum=1)
if _one_login_needed:
    if not ONE_LOGIN_PRIVATE_KEY_FILE:
        raise env.ImproperlyConfiguredEnv("ONE_LOGIN_ENABLED needs ONE_LOGIN_PRIVATE_KEY_FILE")
    if not ONE_LOGIN_URL.startswith("https://"):
        raise env.ImproperlyConfiguredEnv("ONE_LOGIN_URL must be an https:// URL in production")
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "accounts.one_login",
]
# allauth.account refuses to start without its middleware; it only notes the request.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware"),
    "allauth.account.middleware.AccountMiddleware",
)
SOCIALACCOUNT_ADAPTER = "accounts.one_login.adapter.OneLoginAdapter"
ACCOUNT_ADAPTER = "accounts.one_login.adapter.NoSignUpAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False  # One Login's tokens are used once, then dropped
SOCIALACCOUNT_AUTO_SIGNUP = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
SOCIALACCOUNT_PROVIDERS = {
    "one_login": {
        # The one app: its client id, discovery and keys come from the ONE_LOGIN_* settings
        # (accounts.one_login.provider reads them), so a test can point it at a live server.
        # PKCE (S256) too: a code stolen on its way back is no use without our verifier.
        "APPS": [
            {
                "client_id": ONE_LOGIN_CLIENT_ID or "",
                "secret": "",
                "settings": {"oauth_pkce_enabled": True},
            }
        ],
    }
}
# --- end GOV.UK One Login -------------------------------------------------------------------
