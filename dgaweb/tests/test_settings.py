"""Production settings refuse unsafe configuration, and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "dgaweb.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/dgaweb",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "dgaweb.dga.example",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with exactly the given dgaweb variables."""
    base = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}
        and not name.startswith(("DJANGO_", "CELERY_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_reports_nothing_behind_a_tls_proxy_with_every_operations_setting():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        **PRODUCTION_ENV,
        SECURE_PROXY_SSL_HEADER_ENABLED="true",
        ADMIN_URL="office-7f3a/",
        SENTRY_DSN="https://0123456789abcdef@errors.dga.example/3",
        SENTRY_ENVIRONMENT="production",
        SENTRY_RELEASE="dgaweb@1.0.0",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_to_start_without_a_secret_key():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "SECRET_KEY"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = manage("check", **PRODUCTION_ENV, DEBUG="true")

    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_refuses_a_development_secret_key():
    result = manage("check", **{**PRODUCTION_ENV, "SECRET_KEY": "django-insecure-short"})

    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_without_redis_url_tasks_run_in_process_and_a_log_line_says_so():
    env = {"DJANGO_SETTINGS_MODULE": "dgaweb.settings.dev"}

    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)",
        **env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert "REDIS_URL is not set: Celery tasks run in-process (eager mode)" in result.stderr


def test_with_redis_url_tasks_go_to_the_broker():
    env = {"DJANGO_SETTINGS_MODULE": "dgaweb.settings.dev", "REDIS_URL": "redis://127.0.0.1:6379/0"}

    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
        **env,
    )

    assert result.stdout.strip() == "False redis://127.0.0.1:6379/0"
    assert "eager mode" not in result.stderr
