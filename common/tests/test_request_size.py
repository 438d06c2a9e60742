"""The request size cap, through a real gunicorn: a 60 MB upload under a 10 MB cap is refused with
413 before its body is sent, and nothing of it reaches the server's temporary files."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import _database_url_for

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# gunicorn writes on connections of its own (the security log records the refused request), so
# the tests are transactional: what it committed is emptied after each one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def gunicorn():
    """gunicorn serving dgaweb on the test database, with a 10 MB cap and a temporary directory
    of its own."""
    from django.db import connection

    port = _free_port()
    temporary = tempfile.mkdtemp(prefix="dgaweb-gunicorn-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dgaweb.settings.test",
        "REQUEST_MAX_MB": "10",
        "TMPDIR": temporary,
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
    }
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dgaweb.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-tmp-dir", temporary],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read()[-3000:]}")
                time.sleep(0.2)
        yield port, Path(temporary)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.seek(0)
        print(log.read()[-5000:])  # shown when a test fails
        log.close()
        shutil.rmtree(temporary, ignore_errors=True)


def _post(port: int, path: str, length: int, body: bytes = b"") -> tuple[int, str]:
    """Send a multipart POST's head saying `length` bytes follow, then `body` only; return the
    status and the body of what the server answers."""
    boundary = "dgaweb-boundary"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), 20) as connection:
        connection.sendall(head.encode() + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")


def test_a_60_mb_upload_is_refused_before_its_body_is_sent(gunicorn):
    port, temporary = gunicorn
    path = reverse("surveys:upload", args=[1, "REPORT"])
    started = time.monotonic()
    # Not a byte of the 60 MB body is sent: the server must answer from the head alone.
    status, page = _post(port, path, 60 * MB)
    assert status == 413
    assert "ข้อมูลที่ส่งมีขนาด 60 MB แต่ระบบรับได้ครั้งละไม่เกิน 10 MB กรุณาเลือกไฟล์ที่เล็กลง" in page
    assert time.monotonic() - started < 10
    big_files = [p for p in temporary.rglob("*") if p.is_file() and p.stat().st_size > MB]
    assert big_files == []


def test_a_request_under_the_cap_is_read_as_usual(gunicorn):
    port, _ = gunicorn
    path = reverse("surveys:upload", args=[1, "REPORT"])
    boundary = b"--dgaweb-boundary"
    body = (
        boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + b"%PDF-1.4\n" + b"0" * (3 * MB) + b"\r\n"
        + boundary + b"--\r\n"
    )  # fmt: skip
    status, _ = _post(port, path, len(body), body)
    # Read whole, then refused for what it lacks (a CSRF token), not for its size.
    assert status == 403
