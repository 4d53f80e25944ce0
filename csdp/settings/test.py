"""pytest: like dev, with fast password hashing and an isolated storage directory."""

import os
import tempfile

os.environ.setdefault("CSDP_CLOCK_SETTABLE", "1")
os.environ.setdefault("CSDP_SOFTWARE_KEY_ALLOWED", "1")
os.environ.setdefault("CSDP_STAFF_SECOND_FACTOR", "0")
os.environ.setdefault("CSDP_DEMO", "1")


def _own_directory(name: str, kind: str) -> None:
    """One directory per test process. pytest-xdist's workers inherit the controller's environment, so
    a directory made by the controller would be shared — and two workers writing the same participant
    file at once would race. A directory given from outside (not ours) is kept."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    current = os.environ.get(name, "")
    if not current or (f"csdp-test-{kind}-" in current and f"-{worker}-" not in current):
        os.environ[name] = tempfile.mkdtemp(prefix=f"csdp-test-{kind}-{worker}-")


_own_directory("CSDP_STORAGE_DIR", "storage")
_own_directory("CSDP_FILES_DIR", "files")

from csdp.settings.base import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise indexes STATIC_ROOT at start-up and warns on every test client when it is missing;
# tests serve static files through the finders, so an empty directory is all it needs.
STATIC_ROOT = tempfile.mkdtemp(prefix="csdp-test-static-")
