"""Django settings.

Embedded by default (SQLite under RPD_DATA_DIR); PostgreSQL when RPD_DATABASE_URL
says so, e.g. ``postgres://postgres@localhost/test``.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("RPD_DATA_DIR", Path.cwd() / "var"))

SECRET_KEY = os.environ.get("RPD_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = os.environ.get("RPD_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("RPD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's security-key list uses naturaltime
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rpd.pathways",
    "rpd.people",
    "rpd.disagreements",
    "rpd.audit",
    "rpd.notifications",
]

AUTH_USER_MODEL = "people.User"
# allauth's email sign-in, loading each user with agency and roles (see backends.py).
AUTHENTICATION_BACKENDS = ["rpd.people.backends.UserBackend"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rpd.people.middleware.SecondFactorRequired",
]

ROOT_URLCONF = "rpd.urls"
WSGI_APPLICATION = "rpd.wsgi.application"

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
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/name`` into Django's form."""
    parts = urlparse(url)
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path[1:]) if parts.path.startswith("//") else unquote(parts.path),
            # WAL lets the web process read while a worker writes.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "rpd",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Short OLTP queries: JIT compilation costs more than it saves (seen in
            # bench/workflow.py as 370 ms on an oversight list).
            "OPTIONS": {"options": "-c jit=off"},
        }
    raise ValueError(
        f"RPD_DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite or postgres)"
    )


DATABASES = {
    "default": database_from_url(
        os.environ.get("RPD_DATABASE_URL", f"sqlite:///{DATA_DIR / 'rpd.sqlite3'}")
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# Directories of partnership-written packs, besides the built-in ones.
RPD_PACK_DIRS = [
    Path(p) for p in os.environ.get("RPD_PACK_DIRS", str(DATA_DIR / "packs")).split(os.pathsep) if p
]

# Notices: links in emails point here; the worker sends through Django's email backend
# (SMTP in production) or GOV.UK Notify.
RPD_BASE_URL = os.environ.get("RPD_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("RPD_FROM_EMAIL", "rpd@localhost")
EMAIL_BACKEND = os.environ.get(
    "RPD_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("RPD_SMTP_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "sent-mail"
EMAIL_HOST = os.environ.get("RPD_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RPD_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("RPD_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RPD_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("RPD_SMTP_TLS", "0") == "1"
EMAIL_TIMEOUT = 10
RPD_NOTICE_CHANNEL = os.environ.get("RPD_NOTICE_CHANNEL", "email")  # or "notify"
RPD_NOTIFY_API_KEY = os.environ.get("RPD_NOTIFY_API_KEY", "")
RPD_NOTIFY_BASE_URL = os.environ.get(
    "RPD_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
)
RPD_NOTIFY_TEMPLATE_ID = os.environ.get("RPD_NOTIFY_TEMPLATE_ID", "")
# Reminders go out only in these London hours, on the partnership's working days.
RPD_WORKING_HOURS = (8, 18)
# Working days without any activity before a disagreement counts as drifting.
RPD_DRIFT_WORKING_DAYS = int(os.environ.get("RPD_DRIFT_WORKING_DAYS", "5"))
# How long a worker's claim on a notice lasts before another worker may take it.
RPD_WORKER_LEASE_SECONDS = int(os.environ.get("RPD_WORKER_LEASE_SECONDS", "120"))


# Sign-in (django-allauth). People are registered by their partnership: nobody signs up,
# everyone signs in with their email address and password, then a second factor.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "rpd.people.adapters.AccountAdapter"  # signup closed; mail via the outbox
ACCOUNT_FORMS = {
    "login": "rpd.people.forms.SignInForm",
    "reset_password": "rpd.people.forms.ResetPasswordForm",
    "reset_password_from_key": "rpd.people.forms.ResetPasswordKeyForm",
    "reauthenticate": "rpd.people.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # the partnership vouches for each address it registers
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no mail to addresses nobody registered
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False  # every session ends after RPD_SESSION_IDLE_MINUTES idle
ACCOUNT_LOGOUT_ON_GET = False  # sign-out is a POST, so a link in an email cannot do it
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False  # a reset is followed by a full sign-in, with MFA
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people when their password or second factor changes
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Resolving Professional Differences: "
ACCOUNT_RATE_LIMITS = {
    # Per address: five wrong passwords in five minutes lock that address for the rest of
    # them, whichever web process or server is asked (the counts live in the shared cache).
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}
# NCSC advice: length over complexity; no common or all-digit passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link lasts a day
MFA_ADAPTER = "rpd.people.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Resolving Professional Differences"
MFA_PASSKEY_LOGIN_ENABLED = False  # a security key is a second factor here, not a password
MFA_REAUTHENTICATION_REQUIRED = True  # the password again before any second-factor change
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # http://localhost while developing
# Everyone must set up a second factor before using the service (see people/middleware.py);
# "0" only where the identity provider enforces one.
RPD_REQUIRE_MFA = os.environ.get("RPD_REQUIRE_MFA", "1") == "1"
# Demo mode: the sign-in page lists the demo people and signs them in without a second
# factor. Only with DEBUG on: production settings refuse it whatever this says.
RPD_DEMO = os.environ.get("RPD_DEMO", "0") == "1"

# Idle sessions end: each request pushes the expiry on, so it counts from the last one.
SESSION_COOKIE_AGE = int(os.environ.get("RPD_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG


def cache_from_url(url: str) -> dict:
    """``db://table`` (the default), ``redis://host:port/n`` or ``locmem://`` (one process)."""
    parts = urlparse(url)
    if parts.scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": parts.netloc or parts.path.lstrip("/") or "rpd_cache",
        }
    if parts.scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ValueError(f"RPD_CACHE_URL: unsupported scheme {parts.scheme!r} (use db or redis)")


# Sign-in throttling counts failures here, so the cache is shared by every web process:
# the database by default (its table is made by migrate), Redis for a large region.
CACHES = {"default": cache_from_url(os.environ.get("RPD_CACHE_URL", "db://rpd_cache"))}
