"""Settings shared by every environment. Everything that differs between machines
comes from the environment through the typed helpers of csdp.lib.env."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from csdp.lib.env import env_bool, env_choice, env_int, env_list, env_path, env_str

# The package itself (templates, our static files) — wherever it is installed.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent
# Run from a source checkout (make demo, make test) the data live in ./var beside the code; installed
# from a wheel, never inside site-packages: CSDP_VAR_DIR, default /var/lib/csdp (README, production).
SOURCE_CHECKOUT = (BASE_DIR / "pyproject.toml").is_file()
VAR_DIR = env_path("CSDP_VAR_DIR", BASE_DIR / "var" if SOURCE_CHECKOUT else Path("/var/lib/csdp"))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret-0c8a1f4e2b7d4e9a9f3c5b6d7e8f9a0b")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Domain apps: one per domain of the seeds (../shared/style.md habit 1).
    "csdp.accounts",
    "csdp.clock",
    "csdp.audit",
    "csdp.approvals",
    "csdp.uploads",
    "csdp.notify",
    "csdp.portal",
    "csdp.securities",
    "csdp.ledger",
    "csdp.register",
    "csdp.ipo",
    "csdp.keys",
    "csdp.issuers",
    "csdp.counter",
    "csdp.pledge",
    "csdp.restrictions",
    "csdp.fees",
    "csdp.greenshoe",
    "csdp.ops",
    "csdp.dividend",
    # Only for its static files: the API docs page serves Swagger UI from the installed package, no CDN.
    "ninja",
]

MIDDLEWARE = [
    "csdp.ops.metrics.RequestMetricsMiddleware",
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
    "csdp.accounts.middleware.LoginScopeMiddleware",
    "csdp.accounts.middleware.PasswordChangeMiddleware",
    "csdp.accounts.api_guard.ApiGuardMiddleware",
    "csdp.lib.web.RefusalMiddleware",  # a refusal no view handled: its message, back where the user came from
    "csdp.lib.security_headers.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "csdp.urls"
WSGI_APPLICATION = "csdp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csdp.portal.context.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'csdp.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; busy timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "csdp.accounts.passwords.MixedCharacterValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# ISO first for date inputs: <input type=date> drops any other spelling (csdp/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["csdp.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end packages are installed from the npm registry by `make assets` (package.json);
# nothing minified is committed. csdp/static holds only our own CSS and JS.
# `make assets` puts them in var/vendor (the source checkout) and csdp/static/vendor (packed into the
# wheel by `make wheel`); an installed wheel finds them in the package.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
if not (PACKAGE_DIR / "static" / "vendor").is_dir():
    STATICFILES_DIRS.append(("vendor", BASE_DIR / "var" / "vendor"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploaded files: kept outside any static/media URL; served only by permission-checked views.
CSDP_STORAGE_DIR = env_path("CSDP_STORAGE_DIR", VAR_DIR / "storage")
# Participant data files (申购清算数据 etc.) are written here before publication.
CSDP_FILES_DIR = env_path("CSDP_FILES_DIR", VAR_DIR / "files")
# The exchange's drop folder for T-day subscription files (`csdp ipo inbox`, csdp/ipo/subscription/inbox.py).
CSDP_EXCHANGE_INBOX = env_path("CSDP_EXCHANGE_INBOX", VAR_DIR / "exchange-inbox")
# 15 million orders are about 1.2 GB of CSV (rules.md §10); anything far above is not a subscription file.
CSDP_EXCHANGE_FILE_MAX_BYTES = env_int("CSDP_EXCHANGE_FILE_MAX_BYTES", 4 * 1024**3)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "csdp_cache",
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

TASKS = {
    "default": {
        "BACKEND": env_str("CSDP_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Notifications. "outbox" keeps messages in the database (demo and tests: a person reads the codes
# on the outbox page); production uses SMTP for e-mail and the generic HTTP adapter for SMS.
CSDP_SMS_BACKEND = env_choice("CSDP_SMS_BACKEND", "outbox", ("outbox", "http"))
CSDP_SMS_HTTP_URL = env_str("CSDP_SMS_HTTP_URL", "")
CSDP_SMS_HTTP_TOKEN = env_str("CSDP_SMS_HTTP_TOKEN", "")
CSDP_SMS_HTTP_TIMEOUT_S = env_int("CSDP_SMS_HTTP_TIMEOUT_S", 5, minimum=1)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "csdp.notify.backends.OutboxEmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "csdp@localhost")

# The business clock may be set (csdp clock set …) only where this is on: demo, dev and tests.
CSDP_CLOCK_SETTABLE = env_bool("CSDP_CLOCK_SETTABLE", False)
# Demo world and the software USB-KEY (WebCrypto) are allowed only where this is on.
CSDP_SOFTWARE_KEY_ALLOWED = env_bool("CSDP_SOFTWARE_KEY_ALLOWED", False)
# USB-KEY (csdp.keys, docs/usb-key.md): institution kinds whose users need the key for a full login,
# certificate validity, expiry warning, challenge lifetime, enrolment-code lifetime, WebAuthn relying party.
# 004 §十六: the report telephone published on the pledge board (ChinaClear's public service line).
CSDP_PLEDGE_REPORT_PHONE = env_str("CSDP_PLEDGE_REPORT_PHONE", "4008-058-058")
CSDP_KEY_REQUIRED_KINDS = set(env_list("CSDP_KEY_REQUIRED_KINDS", ["issuer"]))
# Staff (reviewers, operators, administrators) log in with a second factor: their USB-KEY when they hold
# one, else a one-time password from an authenticator app (csdp.keys.factors). On unless turned off;
# dev and tests turn it off by default so the demo's printed staff logins work with a password alone.
CSDP_STAFF_SECOND_FACTOR = env_bool("CSDP_STAFF_SECOND_FACTOR", True)
# A new staff account (or one whose factor two administrators reset) may set up its factor this long.
CSDP_STAFF_ENROL_DAYS = env_int("CSDP_STAFF_ENROL_DAYS", 7, minimum=1)
# An upload no business object references (a re-uploaded scan, a refused filing, a purged draft's ID
# documents) is deleted by `csdp uploads_sweep` after this many hours (docs/uploads.md, retention).
CSDP_UPLOAD_ORPHAN_HOURS = env_int("CSDP_UPLOAD_ORPHAN_HOURS", 24, minimum=1)
CSDP_CERT_VALIDITY_DAYS = env_int("CSDP_CERT_VALIDITY_DAYS", 730, minimum=1)
CSDP_CERT_EXPIRY_WARNING_DAYS = env_int("CSDP_CERT_EXPIRY_WARNING_DAYS", 30, minimum=1)
CSDP_KEY_CHALLENGE_TTL_S = env_int("CSDP_KEY_CHALLENGE_TTL_S", 600, minimum=30)
CSDP_KEY_ISSUE_TTL_DAYS = env_int("CSDP_KEY_ISSUE_TTL_DAYS", 30, minimum=1)
CSDP_WEBAUTHN_RP_ID = env_str("CSDP_WEBAUTHN_RP_ID", "")  # empty: the request's host name
CSDP_WEBAUTHN_ORIGINS = env_list("CSDP_WEBAUTHN_ORIGINS", [])  # empty: the request's own origin
CSDP_DEMO = env_bool("CSDP_DEMO", False)

# Verification codes (SMS / e-mail): lifetime and rate limits.
CSDP_CODE_TTL_S = env_int("CSDP_CODE_TTL_S", 300, minimum=30)
CSDP_CODE_RESEND_S = env_int("CSDP_CODE_RESEND_S", 60, minimum=0)
CSDP_CODE_MAX_PER_HOUR = env_int("CSDP_CODE_MAX_PER_HOUR", 10, minimum=1)
CSDP_CODE_MAX_ATTEMPTS = env_int("CSDP_CODE_MAX_ATTEMPTS", 5, minimum=1)
CSDP_CODE_MAX_PER_ADDRESS_PER_HOUR = env_int("CSDP_CODE_MAX_PER_ADDRESS_PER_HOUR", 30, minimum=1)
# Reverse proxies in front of the web processes that append to X-Forwarded-For (csdp/lib/clients.py):
# 0 = none (REMOTE_ADDR is the client); 1 = one nginx; 2 = a load balancer and nginx.
CSDP_TRUSTED_PROXIES = env_int("CSDP_TRUSTED_PROXIES", 0, minimum=0)
# API tokens (csdp/accounts/tokens.py): the longest lifetime a token may be issued for.
CSDP_API_TOKEN_MAX_DAYS = env_int("CSDP_API_TOKEN_MAX_DAYS", 365, minimum=1)
# API throttling (csdp/api.py): requests per minute per token, and per client address for every caller.
CSDP_API_PER_TOKEN_PER_MINUTE = env_int("CSDP_API_PER_TOKEN_PER_MINUTE", 600, minimum=1)
CSDP_API_PER_ADDRESS_PER_MINUTE = env_int("CSDP_API_PER_ADDRESS_PER_MINUTE", 1200, minimum=1)
# Passwords: consecutive failures before a temporary lockout, and its length.
CSDP_PASSWORD_MAX_FAILURES = env_int("CSDP_PASSWORD_MAX_FAILURES", 5, minimum=1)
CSDP_PASSWORD_LOCKOUT_S = env_int("CSDP_PASSWORD_LOCKOUT_S", 900, minimum=1)

# Upload limits per kind, in bytes (csdp.uploads.kinds holds the kinds).
CSDP_UPLOAD_MAX_BYTES = env_int("CSDP_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "csdp.uploads.handlers.UploadCeilingHandler",  # caps what reaches disk at CSDP_UPLOAD_MAX_BYTES + 1
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

NINJA_PAGINATION_PER_PAGE = 50

# Task workers run the heartbeat task; /readyz fails when none did for this long.
CSDP_WORKER_HEARTBEAT_MAX_S = env_int("CSDP_WORKER_HEARTBEAT_MAX_S", 300, minimum=10)
# /metrics: when set, Prometheus must send it as a bearer token.
CSDP_METRICS_TOKEN = env_str("CSDP_METRICS_TOKEN", "")

# LOG_FORMAT=json: one JSON object per line (csdp/lib/logs.py) for a log shipper; plain otherwise.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "csdp.lib.logs.JsonLinesFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# 权益分派 dates as trading-day offsets from the record date R (csdp/dividend/dates.py, docs/dividend.md).
CSDP_DIVIDEND_OFFSETS = {
    "ex": env_int("CSDP_DIVIDEND_EX_OFFSET", 1, minimum=1),
    "pay": env_int("CSDP_DIVIDEND_PAY_OFFSET", 1, minimum=1),
    "list": env_int("CSDP_DIVIDEND_LIST_OFFSET", 2, minimum=1),
    "funding": -env_int("CSDP_DIVIDEND_FUNDING_DAYS_BEFORE", 2, minimum=1),
}

# 持有人名册 snapshots taken by the end of day (csdp/register/roster_snapshot.py): for securities with at
# least this many holders, every this many days, the newest this many kept per security.
CSDP_ROSTER_SNAPSHOT_MIN_HOLDERS = env_int("CSDP_ROSTER_SNAPSHOT_MIN_HOLDERS", 100_000, minimum=1)
CSDP_ROSTER_SNAPSHOT_DAYS = env_int("CSDP_ROSTER_SNAPSHOT_DAYS", 7, minimum=1)
CSDP_ROSTER_SNAPSHOT_KEEP = env_int("CSDP_ROSTER_SNAPSHOT_KEEP", 8, minimum=1)
