"""Settings for `make test`: PostgreSQL and Redis are required (conftest.py checks they answer)."""

import os
import uuid

os.environ.setdefault("SECRET_KEY", "django-insecure-dgaweb-test-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dgaweb")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Each test session sends Celery tasks to a queue of its own, so a worker left running by a
# developer (`make worker`) never takes the tests' tasks; the test worker inherits the name.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"dgaweb-test-{uuid.uuid4().hex[:8]}")

from .base import *  # noqa: F403

# Each session's cache keys (the password-reset counters) are its own too, so that a run does not
# inherit the counts of a run before it in the same hour.
CACHES["default"]["KEY_PREFIX"] = CELERY_TASK_DEFAULT_QUEUE  # noqa: F405
# Django's test client logs in (`client.login`) without a request, which django-axes refuses; this
# backend gives such a call a request from 127.0.0.1 and checks the lockout as usual. A login
# through the login pages has its own request and is checked exactly as in production.
AUTHENTICATION_BACKENDS = [
    "dgaweb.tests.backends.AxesBackendForTestClient",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The security event log refuses TRUNCATE unless the session allows it (security/migrations/0002);
# Django empties the test database with TRUNCATE after each transactional test.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c dgaweb.allow_truncate=on"  # noqa: F405
# Tests queue Celery tasks to a real worker (see the celery_worker fixture), never eagerly.
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Serve static files straight from the finders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
