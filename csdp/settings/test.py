"""pytest: like dev, with fast password hashing and an isolated storage directory."""
import os
import tempfile

os.environ.setdefault("CSDP_CLOCK_SETTABLE", "1")
os.environ.setdefault("CSDP_SOFTWARE_KEY_ALLOWED", "1")
os.environ.setdefault("CSDP_DEMO", "1")
os.environ.setdefault("CSDP_STORAGE_DIR", tempfile.mkdtemp(prefix="csdp-test-storage-"))
os.environ.setdefault("CSDP_FILES_DIR", tempfile.mkdtemp(prefix="csdp-test-files-"))

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
