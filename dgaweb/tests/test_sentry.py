"""Error reports reach a Sentry-protocol server when SENTRY_DSN is set, and nothing is set up
without it.

The server is a real HTTP server in a thread of the test process; the site runs in another
process (manage.py shell), through Django's request handler, as in production.
"""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection

from conftest import _database_url_for
from dgaweb.tests.test_settings import manage

# A request through Django's WSGI handler (what gunicorn calls) to a view that raises, then the
# report sent before the process ends.
RAISE_IN_A_VIEW = """
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from django.test.utils import override_settings

request = RequestFactory().get(
    "/fail/", headers={"X-Request-ID": "req-7f3a", "Cookie": "sessionid=secret-session"}
)
statuses = []
with override_settings(ROOT_URLCONF="dgaweb.tests.urls_raising"):
    WSGIHandler()(request.environ, lambda status, headers, exc_info=None: statuses.append(status))
print(statuses[0], sentry_sdk.get_client().is_active())
sentry_sdk.flush(timeout=10)
"""


class SentryServer(ThreadingHTTPServer):
    """Keeps the envelopes it receives: (path, [item payloads as dicts])."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.envelopes = []

    @property
    def dsn(self) -> str:
        return f"http://0123456789abcdef@127.0.0.1:{self.server_address[1]}/42"


class EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        # An envelope is a header line, then an item header line and its payload line per item.
        lines = body.decode().splitlines()
        items = [json.loads(line) for line in lines[2::2]]
        self.server.envelopes.append((self.path, items))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = SentryServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_in_a_view(**env):
    """Run RAISE_IN_A_VIEW in a new process on the test database and Redis."""
    return manage(
        "shell",
        "--no-imports",
        "-c",
        RAISE_IN_A_VIEW,
        DJANGO_SETTINGS_MODULE="dgaweb.settings.test",
        DATABASE_URL=_database_url_for(connection.settings_dict["NAME"]),
        REDIS_URL=settings.REDIS_URL,
        **env,
    )


def test_an_exception_in_a_view_is_reported_without_personal_data(sentry_server, db):
    result = run_in_a_view(
        SENTRY_DSN=sentry_server.dsn, SENTRY_ENVIRONMENT="staging", SENTRY_RELEASE="dgaweb@1.4.2"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500 Internal Server Error True"
    events = [
        item for path, items in sentry_server.envelopes for item in items if "exception" in item
    ]
    assert {path for path, _ in sentry_server.envelopes} == {"/api/42/envelope/"}
    assert len(events) == 1
    event = events[0]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "EvidenceStoreUnreachable"
    assert exception["value"] == "the evidence store did not answer"
    assert event["environment"] == "staging"
    assert event["release"] == "dgaweb@1.4.2"
    assert event["tags"]["request_id"] == "req-7f3a"
    assert event["request"]["url"] == "http://testserver/fail/"
    # send_default_pii=False: no user, no cookies, no client address.
    assert "user" not in event or "ip_address" not in event["user"]
    assert "cookies" not in event["request"]
    assert event["request"]["headers"]["X-Request-Id"] == "req-7f3a"
    assert "secret-session" not in json.dumps(event["request"])


def test_without_a_dsn_nothing_is_set_up_or_sent(sentry_server, db):
    result = run_in_a_view(SENTRY_DSN="")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500 Internal Server Error False"
    assert sentry_server.envelopes == []
