"""Django settings.

Embedded by default (SQLite under RPD_DATA_DIR); PostgreSQL when RPD_DATABASE_URL
says so, e.g. ``postgres://postgres@localhost/test``.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """Where RPD keeps its data unless RPD_DATA_DIR says: the same place whichever
    directory a command runs from (cron's is the home directory, a shell's anywhere)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "rpd"


DATA_DIR = Path(os.environ.get("RPD_DATA_DIR") or default_data_dir()).absolute()


def env_int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name}: {value} is out of range ({low} to {high})")
    return value


DEVELOPMENT_KEY = "insecure-development-key-change-me"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
SECRET_KEY = os.environ.get("RPD_SECRET_KEY") or DEVELOPMENT_KEY
# Production unless told otherwise: a server started with nothing set must never show debug
# pages (behind a proxy that sends `Host: 127.0.0.1:8000` they would reach everyone).
# scripts/run and the tests turn development on explicitly with RPD_DEBUG=1.
RPD_DEVELOPMENT = os.environ.get("RPD_DEBUG", "0") == "1"
# Django's debug pages (a traceback, the URL patterns on a 404) are for the developer at
# this machine: `rpd serve --demo` turns them off (RPD_DEBUG_PAGES=0) so a newcomer trying
# the demo meets the error pages production shows, while keeping development's other
# conveniences (the published key, plain HTTP, demo sign-in).
DEBUG = RPD_DEVELOPMENT and os.environ.get("RPD_DEBUG_PAGES", "1") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("RPD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
# The development key is published in this file: anyone could sign a preferences link or
# a session with it. And debug pages show settings and code to whoever can reach them.
if not RPD_DEVELOPMENT and SECRET_KEY == DEVELOPMENT_KEY:
    raise ImproperlyConfigured(
        "RPD_SECRET_KEY: set a secret key of your own (e.g. `python3 -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'`); the published development key is refused "
        "in production (RPD_DEBUG=1 runs a development server on this machine instead)"
    )
if RPD_DEVELOPMENT and not set(ALLOWED_HOSTS) <= LOCAL_HOSTS:
    raise ImproperlyConfigured(
        f"RPD_DEBUG: debug pages are for this machine only, but RPD_ALLOWED_HOSTS is "
        f"{','.join(ALLOWED_HOSTS)}; set RPD_DEBUG=0 (and RPD_SECRET_KEY) to serve others"
    )

INSTALLED_APPS = [
    # rpd itself: the layout, the GOV.UK components (templatetags/govuk.py), static files.
    "rpd",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's own widget templates, for the form renderer (TemplatesSetting) to fall back on.
    "django.forms",
    "django.contrib.humanize",  # allauth's security-key list uses naturaltime
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on: an OpenID Connect provider per agency (rpd/people/sso.py).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rpd.pathways",
    "rpd.people",
    "rpd.disagreements",
    "rpd.audit",
    "rpd.notifications",
    "rpd.administration",
    "rpd.onboarding",
    "rpd.dataprotection",
    "rpd.oversight",
]

AUTH_USER_MODEL = "people.User"
# allauth's email sign-in, loading each user with agency and roles (see backends.py).
AUTHENTICATION_BACKENDS = ["rpd.people.backends.UserBackend"]

MIDDLEWARE = [
    # First, so every line logged while a request runs carries its id (rpd/logs.py).
    "rpd.logs.RequestLog",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rpd.people.middleware.IdleSession",  # the idle timeout, at most one write a minute
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rpd.logs.NamesUser",  # the signed-in person's id on each line logged from here on
    # Nothing shown to a signed-in person is kept by a browser or proxy (rpd/middleware.py).
    "rpd.middleware.NoStoreForSignedIn",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rpd.people.middleware.SecondFactorRequired",
    # Who was shown which case: written once a request has answered (dataprotection).
    "rpd.dataprotection.readings.ReadingsMiddleware",
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


# Seconds a web process keeps its PostgreSQL connection (0: a new one for every request).
DATABASE_CONN_MAX_AGE = env_int("RPD_DATABASE_CONN_MAX_AGE", 60, 0, 86_400)
# 0 behind a connection pooler in transaction mode that cannot keep prepared statements
# (PgBouncer before 1.21, or with max_prepared_statements at 0): ADR 020.
PREPARED = env_int("RPD_DATABASE_PREPARE", 1, 0, 1) == 1


def database_from_url(url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/name`` into Django's form."""
    parts = urlparse(url)
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path[1:]) if parts.path.startswith("//") else unquote(parts.path),
            # WAL lets the web process read while a worker writes. IMMEDIATE takes the write
            # lock when a transaction begins, so two writers never deadlock upgrading a
            # read lock; the timeout (seconds) is how long one waits for another to commit,
            # rather than failing with "database is locked" after SQLite's default five.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("RPD_SQLITE_BUSY_SECONDS", 20, 1, 3600),
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
            # bench/workflow.py as 370 ms on an oversight list). Parameters are sent apart
            # from the SQL, so a statement a connection has run five times is prepared
            # and not planned again (ADR 020); off behind a pooler that cannot keep
            # prepared statements.
            "OPTIONS": {
                "options": "-c jit=off",
                **({"server_side_binding": True, "prepare_threshold": 5} if PREPARED else {}),
            },
            # A web process keeps its connection between requests rather than paying for
            # a new one (and a new server process) on every page; checked before reuse, so
            # a restarted server costs one reconnect, not an error page.
            "CONN_MAX_AGE": DATABASE_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"RPD_DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite:///PATH or "
        "postgres://USER@HOST:PORT/NAME)"
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
STATIC_ROOT = Path(os.environ.get("RPD_STATIC_ROOT", DATA_DIR / "static"))
# In production whitenoise serves `rpd manage collectstatic`'s hashed, compressed copies
# (far-future caching); in development and tests the files are read where they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "rpd.staticstorage.StaticStorage"
        if os.environ.get("RPD_STATIC_MANIFEST", "0" if RPD_DEVELOPMENT else "1") == "1"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

if STORAGES["staticfiles"]["BACKEND"] == "rpd.staticstorage.StaticStorage":
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

# Logs: one JSON object a line on stderr (rpd/logs.py), whatever the process (web, worker,
# a command), for the service manager's journal or a log shipper to collect. Every 500 is
# logged with its traceback by Django's "django.request" logger.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "rpd.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "rpd.logs.StderrHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("RPD_LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # Django's own lines go through the same handler, not its console or mail ones.
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}

# The health checks answer a load balancer over plain HTTP (rpd/health.py); /health/ready
# fails when no worker has been round its loop for this long, or a notice has waited this
# long to be sent.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
RPD_HEALTH_WORKER_SECONDS = env_int("RPD_HEALTH_WORKER_SECONDS", 300, 10, 86_400)
RPD_HEALTH_OUTBOX_SECONDS = env_int("RPD_HEALTH_OUTBOX_SECONDS", 900, 60, 7 * 86_400)

# Every form draws itself in GOV.UK Frontend markup (rpd/frontend.py).
FORM_RENDERER = "rpd.frontend.GovukFormRenderer"

# Content security: scripts only from this site, plus the one inline line of the
# GOV.UK template that marks the body as having JavaScript, by its nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Behind a TLS proxy. RPD_PROXY_SSL_HEADER names the header the proxy sets to "https"
# (e.g. X-Forwarded-Proto): set it only when the proxy strips the same header from clients.
if proxy_header := os.environ.get("RPD_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("RPD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not RPD_DEVELOPMENT:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("RPD_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("RPD_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("RPD_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("RPD_HSTS_PRELOAD", "1") == "1"
CSRF_FAILURE_VIEW = "rpd.errors.csrf_failure"

# The audit chain's head is sealed with this key, kept out of the database; when unset, a
# key derived from SECRET_KEY. Changing either makes `rpd audit verify` report the seal.
RPD_AUDIT_KEY = os.environ.get("RPD_AUDIT_KEY", "")
# Every committed head is appended to a file outside the database, so a wound-back head
# shows. Several web hosts and workers must all write and read the same file: point
# RPD_AUDIT_CHECKPOINT_DIR at a directory every one of them mounts (ADR 006, amended).
# RPD_AUDIT_CHECKPOINTS names the file itself, for an installation that set it before.
RPD_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("RPD_AUDIT_CHECKPOINT_DIR", DATA_DIR))
RPD_AUDIT_CHECKPOINTS = Path(
    os.environ.get("RPD_AUDIT_CHECKPOINTS", RPD_AUDIT_CHECKPOINT_DIR / "audit-checkpoints.log")
)

# Directories of partnership-written packs, besides the built-in ones.
RPD_PACK_DIRS = [
    Path(p) for p in os.environ.get("RPD_PACK_DIRS", str(DATA_DIR / "packs")).split(os.pathsep) if p
]

# Notices: links in emails point here; the worker sends through Django's email backend
# (SMTP in production) or GOV.UK Notify.
# How long the access log keeps who read what (days; two years by default, the period
# an information governance team usually asks for; `rpd access-log prune` applies it).
RPD_ACCESS_LOG_DAYS = env_int("RPD_ACCESS_LOG_DAYS", 730, 1, 36500)
# A web process gathers the reads it serves and writes them in one insert at most this
# many seconds apart (or every RPD_ACCESS_LOG_BATCH reads), so a page view does not take
# SQLite's one write lock; 0 writes each request's reads as it answers (ADR 017).
RPD_ACCESS_LOG_FLUSH_SECONDS = env_int("RPD_ACCESS_LOG_FLUSH_SECONDS", 5, 0, 3600)
RPD_ACCESS_LOG_BATCH = env_int("RPD_ACCESS_LOG_BATCH", 500, 1, 100_000)
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
EMAIL_PORT = env_int("RPD_SMTP_PORT", 25, 1, 65535)
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
RPD_DRIFT_WORKING_DAYS = env_int("RPD_DRIFT_WORKING_DAYS", 5, 1, 260)
# How long a worker's claim on a notice lasts before another worker may take it.
RPD_WORKER_LEASE_SECONDS = env_int("RPD_WORKER_LEASE_SECONDS", 120, 1, 86_400)


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
    "add_email": "rpd.people.forms.ChangeAddressForm",
    "change_password": "rpd.people.forms.ChangePasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # the partnership vouches for each address it registers
# A person changes their own address by confirming the new one, which then replaces the old
# (never made primary before it is verified; docs/adr/010).
ACCOUNT_CHANGE_EMAIL = True
# Changing one's address or password asks for the second factor again (the password for
# someone who has none), as a second-factor change does (docs/adr/010).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")  # never a code sent by email
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
MFA_FORMS = {"activate_totp": "rpd.people.forms.ActivateAuthenticatorForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Resolving Professional Differences"
# A code of the 30 seconds before is accepted too: a phone's clock a few seconds out, or a
# code typed as it turned over, is the person's own (RFC 6238 §5.2 advises one step).
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = False  # a security key is a second factor here, not a password
MFA_REAUTHENTICATION_REQUIRED = True  # the second factor again before any change to one
# allauth guards sign-up services against someone claiming another's address and locking it
# with a second factor. Nobody signs up here: registered addresses are vouched for by the
# partnership, and an address a person adds never becomes theirs before it is confirmed
# (ACCOUNT_CHANGE_EMAIL; docs/adr/010). Without this, nobody with a second factor could
# change their address, and an imported person could not set one up.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = RPD_DEVELOPMENT  # http://localhost while developing
# Everyone must set up a second factor before using the service (see people/middleware.py);
# "0" only where the identity provider enforces one.
RPD_REQUIRE_MFA = os.environ.get("RPD_REQUIRE_MFA", "1") == "1"
# An invitation's link works once, for this many days (rpd/people/invitations.py).
RPD_INVITATION_DAYS = env_int("RPD_INVITATION_DAYS", 14, 1, 90)
# Demo mode: the sign-in page lists the demo people and signs them in without a second
# factor. Only in development (RPD_DEBUG=1): production settings refuse it whatever this says.
RPD_DEMO = os.environ.get("RPD_DEMO", "0") == "1"

# Single sign-on (rpd/people/sso.py): an agency may have an OpenID Connect provider (its
# Microsoft Entra ID tenant), set with `rpd sso add`. It signs in only people the
# partnership registered, matched by the address in the ID token; nobody signs up through
# it. The client secret is read from the environment variable the provider names, never
# stored in the database. PKCE on every provider.
SOCIALACCOUNT_ADAPTER = "rpd.people.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # matching is ours: agency and active checked too
SOCIALACCOUNT_STORE_TOKENS = False  # the access token is used once, for the userinfo
SOCIALACCOUNT_LOGIN_ON_GET = False  # a provider's sign-in starts from a form (POST)
# Callback addresses given to the identity provider: https behind the TLS proxy.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if RPD_DEVELOPMENT else "https"

# Idle sessions end: a request pushes the expiry on (rpd.people.middleware.IdleSession,
# at most once a minute, so reading a page does not write), so it counts from the last one.
SESSION_COOKIE_AGE = env_int("RPD_SESSION_IDLE_MINUTES", 30, 1, 24 * 60) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not RPD_DEVELOPMENT
CSRF_COOKIE_SECURE = not RPD_DEVELOPMENT


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
    raise ImproperlyConfigured(
        f"RPD_CACHE_URL: unsupported scheme {parts.scheme!r} (use db or redis)"
    )


# Sign-in throttling counts failures here, so the cache is shared by every web process:
# the database by default (its table is made by migrate), Redis for a large region.
CACHES = {"default": cache_from_url(os.environ.get("RPD_CACHE_URL", "db://rpd_cache"))}
