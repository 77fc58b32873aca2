"""One settings module; everything that differs between machines comes from the environment."""

import datetime as dt
from pathlib import Path

import dj_database_url

from port.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The embedded demo runs without configuration; production sets SECRET_KEY (docs/deployment.md).
SECRET_KEY = env_str("SECRET_KEY") or "insecure-demo-key-set-SECRET_KEY-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "port.core",
    "port.accounts",
    "port.audit",
    "port.participants",
    "port.referrals",
    "port.api",
    "port.outreach",
    "port.supplies",
    "port.directory",
    "port.linkage",
    "port.notifications",
    "port.consent",
    "port.security",
    "port.administration",
    "port.casefile",
    "port.oversight",
    "port.reports",
    "port.demo",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    # After the port apps, so our registration templates win over the admin's.
    "django.contrib.admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page and export says Cache-Control: no-store (static files, answered above, keep their caching).
    "port.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "port.accounts.middleware.MembershipMiddleware",
    "port.audit.middleware.AuditContextMiddleware",
    # Sign-in rules for every page (port/security): timeouts first, then two-factor; axes last, as it asks.
    "port.security.middleware.SessionTimeoutMiddleware",
    "port.security.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "port.urls"
WSGI_APPLICATION = "port.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "port.accounts.context_processors.membership",
                "port.notifications.context_processors.notices",
                "port.security.context_processors.two_factor",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'port.sqlite3'}", conn_max_age=env_int("CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web workers read while one writes; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# axes first: it refuses a locked-out sign-in before the password is checked (docs/deployment.md).
AUTHENTICATION_BACKENDS = [
    "port.security.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Two-factor sign-in (django-otp): required for roles that see identities, after a grace period to enrol.
OTP_ENROL_GRACE_DAYS = env_int("OTP_ENROL_GRACE_DAYS", 7)
OTP_TOTP_ISSUER = "PORT"
# Lockout (django-axes): 5 failed passwords or codes for one username from one address pause that
# username there for 15 minutes; colleagues behind the same address are not affected.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "port.audit.context.client_ip"  # the address the audit trail records
# Tries during a lockout do not extend it, so the lockout page can say when to try again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "port.security.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail already
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]  # masked in the record of a failure
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # registered on PORT's own admin site instead (port/security/admin.py)
# Sessions end after this long without a request (each program sets its own, Program.idle_timeout_minutes;
# this is for accounts without a program) and this long after sign-in, whatever happens.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)

# Shared cache: rate limits must be counted across web workers, so never the per-process locmem.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "port_cache"}}
# Background work (deadline warnings): huey, on SQLite by default and on Redis in production.
# flush_locks: a lock left by a worker killed mid-run would otherwise block the job for good.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "port",
        "immediate": False,
        "connection": {"url": REDIS_URL},
        "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "port",
        "immediate": False,
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
    }
RATELIMIT_VIEW = "port.core.views.rate_limited"

LANGUAGE_CODE = "en"
# The languages the interface may be written in. A browser's Accept-Language picks only among those
# actually translated (a compiled catalog in port/locale), so a page is labelled with the language it is
# served in: until port/locale/es exists, a browser asking for Spanish gets English labelled lang="en".
# Consent forms are written out in both languages (port/consent/wording.py) and label themselves.
INTERFACE_LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "port" / "locale"]


def interface_languages(locale_dir: Path) -> list[tuple[str, str]]:
    """English (the source language) and each language with a compiled catalog in `locale_dir`."""
    return [
        (code, name)
        for code, name in INTERFACE_LANGUAGES
        if code == LANGUAGE_CODE or (locale_dir / code / "LC_MESSAGES" / "django.mo").exists()
    ]


LANGUAGES = interface_languages(LOCALE_PATHS[0])
TIME_ZONE = "UTC"  # stored times are UTC; each program's own zone is used wherever a person sees one
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "port@localhost")
# Where links in emails point (deadline warnings, password resets use the request's host instead).
PORT_BASE_URL = env_str("PORT_BASE_URL", "http://127.0.0.1:8000")

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and bool(env_str("SECRET_KEY")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Messages can carry a newly issued API token or a name: keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Production (SECRET_KEY set, DEBUG off) is HTTPS only; `manage.py check --deploy` passes (docs/deployment.md).
_PRODUCTION = not DEBUG and bool(env_str("SECRET_KEY"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a commitment the domain's owner makes (hstspreload.org), so it is opt-in, not a warning.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# No inline script or style anywhere; nothing from another host (docs/deployment.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Audit chain: entries are HMAC-signed with this key (docs/privacy.md). The demo derives one from SECRET_KEY.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY") or ("audit:" + SECRET_KEY)
AUDIT_ANCHOR_PATH = env_str("AUDIT_ANCHOR_PATH", str(VAR_DIR / "audit-anchors.log"))
# Notes and the participant's own words are encrypted at rest with these Fernet keys, newest first
# (docs/deployment.md, "Keys and rotation"). Without them the demo derives a key from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")

# Uploads: an emergency department's daily list is small; refuse anything larger with a clear message.
INTAKE_CSV_MAX_BYTES = env_int("INTAKE_CSV_MAX_BYTES", 2 * 1024 * 1024)
INTAKE_CSV_MAX_ROWS = env_int("INTAKE_CSV_MAX_ROWS", 5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PUBLIC_HELP_RATE = env_str("PUBLIC_HELP_RATE", "5/h")  # accepted requests per address
PUBLIC_HELP_ATTEMPT_RATE = env_str("PUBLIC_HELP_ATTEMPT_RATE", "30/h")  # every try, accepted or not
# Requests one API token may make (docs/api.md); set it empty to turn the limit off (benchmarks).
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "600/m")

# Logs carry request lines and errors but never participant data (no bodies, no query strings, no field
# values: port.core.logging filters every record on every handler). Django's own loggers, the worker's and
# gunicorn's are routed here too, replacing their default handlers (Django's error emails would carry
# request data and local variables, so there are none). docs/deployment.md, "Logs".
_LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
_FILTERED = {"handlers": ["console"], "propagate": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_field_values": {"()": "port.core.logging.RedactFieldValues"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_field_values"]}},
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {
        "django": {**_FILTERED, "level": _LOG_LEVEL},
        "django.request": {**_FILTERED, "level": "ERROR"},
        "django.server": {**_FILTERED, "level": _LOG_LEVEL},
        "huey": {**_FILTERED, "level": _LOG_LEVEL},
        "gunicorn.error": {**_FILTERED, "level": _LOG_LEVEL},
        "gunicorn.access": {**_FILTERED, "level": _LOG_LEVEL},
    },
}
