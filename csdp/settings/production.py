"""Production: every secret from the environment, HTTPS only, real clock, no software key."""

import os

from csdp.lib.env import ConfigError

if os.environ.get("CSDP_CLOCK_SETTABLE", "0") not in ("0", "", "false"):
    raise ConfigError("CSDP_CLOCK_SETTABLE must be off in production: the business clock is real time")
if os.environ.get("CSDP_SOFTWARE_KEY_ALLOWED", "0") not in ("0", "", "false"):
    raise ConfigError("CSDP_SOFTWARE_KEY_ALLOWED must be off in production: only hardware keys")
os.environ["CSDP_DEMO"] = "0"

from csdp.settings.base import *  # noqa: F403
from csdp.lib.env import env_bool, env_int, env_str

SECRET_KEY = env_str("SECRET_KEY")  # no default: refuse to start without one
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ConfigError("SECRET_KEY must be a random string of at least 50 characters")
# The CA's private key is encrypted with its own passphrase in production: deriving it from SECRET_KEY
# would lock the CA out on the day SECRET_KEY is rotated, and tie two secrets together (issue 20 §9).
if len(os.environ.get("CSDP_CA_PASSPHRASE", "")) < 20:
    raise ConfigError("CSDP_CA_PASSPHRASE must be set in production (at least 20 characters)")
DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Probes of the load balancer and Prometheus come over plain HTTP from inside: no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
# Static files with content hashes in their names (cache-busting; served for a year by WhiteNoise).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "csdp.lib.staticstorage.ManifestStorage"},
}
CSRF_COOKIE_SECURE = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    import warnings

    warnings.warn("production settings with SQLite: use PostgreSQL (DATABASE_URL=postgres://…)", stacklevel=1)
