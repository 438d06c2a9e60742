"""The suite also guards the code base: migrations match the models and ruff finds nothing."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def test_models_have_no_changes_without_a_migration(db):
    output = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=output)

    assert output.getvalue().strip() == "No changes detected"


def test_ruff_finds_nothing_to_fix():
    ruff = Path(sys.executable).with_name("ruff")

    result = subprocess.run(
        [str(ruff), "check", "--no-cache", "."],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_suite_stops_at_once_naming_a_service_that_does_not_answer():
    pytest = Path(sys.executable).with_name("pytest")
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}

    result = subprocess.run(
        [str(pytest), "--collect-only", "-q", "dgaweb/tests/test_era.py"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 3
    assert "Redis is not reachable at 127.0.0.1:1: start it with `redis-server" in result.stderr


def test_the_site_has_a_favicon_at_its_root(client):
    """Browsers ask every site for /favicon.ico; a 404 there is an error in every page's console."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
