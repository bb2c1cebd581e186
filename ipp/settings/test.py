"""Test settings: the real services when they answer, SQLite otherwise.

`make test` says which it used; tests that need PostgreSQL or Redis are marked and
skipped (with the reason) on the fallback. CI sets IPP_REQUIRE_SERVICES=1 and then a
missing service is an error, not a skip.
"""

import os
import socket
import tempfile
from urllib.parse import urlparse

from ipp.settings import *  # noqa: E402,F403
from ipp.settings import DATABASES, env  # noqa: E402


def service_answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=0.5):
            return True
    except OSError:
        return False


_pg_url = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/ipp")
USING_POSTGRES = _pg_url.startswith("postgres") and service_answers(_pg_url, 5432)
if USING_POSTGRES:
    DATABASES = {"default": env.db_url_config(_pg_url)}
    DATABASES["default"]["TEST"] = {"NAME": env.str("IPP_TEST_DB_NAME", default="test_ipp")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                             "TEST": {"NAME": os.path.join(tempfile.gettempdir(), "ipp-test.sqlite3")}}}

TEST_REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/15")
USING_REDIS = service_answers(TEST_REDIS_URL, 6379)

DEBUG = False
SECRET_KEY = "test-" + "k" * 50
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate limits need a working cache; a per-process one keeps parallel test workers apart.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PRIVATE_ROOT = tempfile.mkdtemp(prefix="ipp-private-")
STORAGES = {
    "default": {"BACKEND": "ipp.documents.PrivateFileSystemStorage",
                "OPTIONS": {"location": PRIVATE_ROOT, "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
IPP_UNUSUAL_SIGNIN_CHECK = True
