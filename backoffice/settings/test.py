"""Test settings: PostgreSQL and Redis when reachable, else a loud SQLite fallback.

The probe result is exposed as SERVICES_AVAILABLE; tests marked ``services`` are skipped
without them, or fail the run when REQUIRE_SERVICES=1 (see tests/conftest.py).
"""

import hashlib
import os
import socket
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import BASE_DIR, STORAGE_BACKEND, default_storage_config, env

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pacte_backoffice"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


_database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
_redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
POSTGRES_AVAILABLE = _database_url.startswith("postgres") and _reachable(_database_url, 5432)
REDIS_AVAILABLE = _reachable(_redis_url, 6379)
SERVICES_AVAILABLE = POSTGRES_AVAILABLE and REDIS_AVAILABLE

if POSTGRES_AVAILABLE:
    DATABASES = {"default": env.db_url_config(_database_url)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "test.sqlite3")}}
# Every run has its own test database and Celery queue, so two runs on one machine (two
# checkouts, or the same one twice) never meet. Set once in the environment so that the
# worker processes a run starts inherit the same identifier.
TEST_RUN_ID = os.environ.setdefault(
    "PACTE_TEST_RUN_ID", f"{hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:6]}_{os.getpid()}")
if POSTGRES_AVAILABLE:
    DATABASES["default"]["TEST"] = {"NAME": f"test_pacte_{TEST_RUN_ID}"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["ATOMIC_REQUESTS"] = False

REDIS_URL = _redis_url if REDIS_AVAILABLE else ""
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# pytest-xdist workers share the run's identifier: each also has its own queue (pytest-django
# gives each its own database by suffixing the name).
CELERY_TASK_DEFAULT_QUEUE = f"pacte-test-{TEST_RUN_ID}{os.environ.get('PYTEST_XDIST_WORKER', '')}"
# Unit tests run tasks inline; the tests about the worker start a real one (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".test-media")
STORAGES = {
    "default": default_storage_config(STORAGE_BACKEND),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Counters of throttled actions live in the test process only (tests clear them).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Client.login() passes no request: the test backend lets it through (HTTP logins are counted).
AUTHENTICATION_BACKENDS = ["tests.axes_backend.AxesTestBackend",
                           "django.contrib.auth.backends.ModelBackend"]
