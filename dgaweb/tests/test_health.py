"""/health/ on the real services: PostgreSQL, Redis, the evidence storage and a Celery worker.

The last tests run gunicorn under production settings and call it with docker-compose.yml's own
web health check, as Docker would.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from conftest import _database_url_for
from dgaweb.tests.test_settings import PRODUCTION_ENV

pytestmark = pytest.mark.celery

ALL_OK = {"database": "ok", "cache": "ok", "storage": "ok", "celery": "ok"}


def test_health_is_ok_when_every_service_answers(client, db, celery_worker):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == ALL_OK
    assert "no-store" in response["Cache-Control"]


def test_a_failing_service_is_named_and_its_reason_logged_not_shown(
    client, db, celery_worker, settings, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "cache": "failing"}
    assert b"127.0.0.1" not in response.content
    [failure] = [record for record in caplog.records if record.name == "health_check"]
    assert failure.levelname == "WARNING"
    assert failure.getMessage() == "Health check Cache(alias='default') failed"
    assert type(failure.exc_info[1].__cause__).__name__ == "ConnectionError"


def test_without_a_broker_there_is_no_worker_to_check(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # what settings make of an unset REDIS_URL

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "storage": "ok"}


# Docker's view ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(celery_worker, tmp_path):
    """Start gunicorn as docker compose's web service would (production settings, HTTPS redirect
    on, a real host name), on the test database, Redis and the worker's queue."""
    started = []

    def start(*, queue: str) -> str:
        address = f"127.0.0.1:{free_port()}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
            **PRODUCTION_ENV,
            "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "MEDIA_ROOT": str(tmp_path),
        }
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "dgaweb.wsgi", "--bind", address],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start"
            try:
                socket.create_connection(address.split(":"), timeout=1).close()
                return address
            except OSError:
                time.sleep(0.2)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def compose_web_health_check(address: str) -> list[str]:
    """docker-compose.yml's web health check, aimed at `address` instead of the container's."""
    with open(settings.BASE_DIR / "docker-compose.yml") as compose:
        test = yaml.safe_load(compose)["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/health/" in test[3]
    return [sys.executable, "-c", test[3].replace("127.0.0.1:8000", address)]


def probe(address: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        compose_web_health_check(address),
        env={**os.environ, "ALLOWED_HOSTS": PRODUCTION_ENV["ALLOWED_HOSTS"]},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_docker_composes_web_health_check_passes_on_a_healthy_site(gunicorn, celery_worker):
    address = gunicorn(queue=celery_worker.queue)

    result = probe(address)

    assert result.returncode == 0, result.stderr


def test_docker_composes_web_health_check_fails_without_a_worker_for_the_queue(gunicorn):
    address = gunicorn(queue="a-queue-no-worker-serves")

    result = probe(address)

    assert result.returncode != 0
    assert "HTTP Error 503: Service Unavailable" in result.stderr
