"""One settings module; everything that differs between machines comes from the environment."""

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
    "port.notifications",
    "huey.contrib.djhuey",
    # After the port apps, so our registration templates win over the admin's.
    "django.contrib.admin",
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
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "port.accounts.middleware.MembershipMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Shared cache: rate limits must be counted across web workers, so never the per-process locmem.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "port_cache"}
    }
# Background work (deadline warnings): huey, on SQLite by default and on Redis in production.
# flush_locks: a lock left by a worker killed mid-run would otherwise block the job for good.
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "port", "immediate": False,
            "connection": {"url": REDIS_URL}, "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True}}
else:
    HUEY = {"huey_class": "huey.SqliteHuey", "name": "port", "immediate": False,
            "filename": str(VAR_DIR / "huey.sqlite3"),
            "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True}}
RATELIMIT_VIEW = "port.core.views.rate_limited"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
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

# Uploads: an emergency department's daily list is small; refuse anything larger with a clear message.
INTAKE_CSV_MAX_BYTES = env_int("INTAKE_CSV_MAX_BYTES", 2 * 1024 * 1024)
INTAKE_CSV_MAX_ROWS = env_int("INTAKE_CSV_MAX_ROWS", 5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PUBLIC_HELP_RATE = env_str("PUBLIC_HELP_RATE", "5/h")
# Requests one API token may make (docs/api.md); set it empty to turn the limit off (benchmarks).
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "600/m")

# Logs carry request lines and errors but never participant data (no bodies, no query strings).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
