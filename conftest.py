"""Fixtures shared by the whole suite, and the check that PostgreSQL and Redis are up.

The suite runs against real services only: if either does not answer, pytest stops at once and
says which one and how to start it.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

import pytest

HOW_TO_START = {
    "PostgreSQL": "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) "
    "main start` or `docker compose up -d db`, or point DATABASE_URL at a running server",
    "Redis": "start it with `redis-server --daemonize yes` or `docker compose up -d redis`, "
    "or point REDIS_URL at a running server",
}


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 3
        ):
            return True
    except OSError:
        return False


def pytest_configure(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit(f"The tests need PostgreSQL; DATABASE_URL points at {database['ENGINE']}.", 3)
    checks = {
        "PostgreSQL": (
            f"postgres://{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}",
            5432,
        ),
        "Redis": (settings.REDIS_URL, 6379),
    }
    for service, (url, port) in checks.items():
        if not _reachable(url, port):
            where = f"{urlsplit(url).hostname}:{urlsplit(url).port or port}"
            pytest.exit(f"{service} is not reachable at {where}: {HOW_TO_START[service]}.", 3)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The test database as pytest-django sets it up, with its serialized contents (the rows data
    migrations made, such as the role groups) kept for every connection object.

    Django keeps them on the connection object, and connections are per context: code run after
    Playwright's greenlets can get a fresh connection object without them, and a transactional
    test with serialized_rollback would then start from an empty database.
    """
    from django.db import connections
    from django.db.utils import ConnectionHandler

    contents = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    create_connection = ConnectionHandler.create_connection

    def create_connection_with_contents(self, alias):
        connection = create_connection(self, alias)
        if alias in contents:
            connection._test_serialized_contents = contents[alias]
        return connection

    ConnectionHandler.create_connection = create_connection_with_contents
    try:
        yield
    finally:
        ConnectionHandler.create_connection = create_connection


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on Redis, using the test database.

    Tests that use it must see committed data: mark them `transactional_db`.
    """
    from django.conf import settings

    from dgaweb.celery import app

    with django_db_blocker.unblock():
        worker = start_celery_worker(queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    try:
        yield worker
    finally:
        worker.stop()
        app.control.purge()


def start_celery_worker(*, queue: str, concurrency: int = 2, env: dict | None = None):
    """Start `celery worker` on `queue` against the test database and wait until it answers.

    It runs in a process group of its own, so that a test can kill it with all its children.
    """
    from django.conf import settings
    from django.db import connection

    from dgaweb.tasks import healthcheck

    test_database = connection.settings_dict["NAME"]
    node = f"{queue}@{socket.gethostname()}"
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dgaweb.settings.test",
        "DATABASE_URL": _database_url_for(test_database),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "dgaweb", "worker",
        "--queues", queue, "--hostname", node, "--concurrency", str(concurrency),
        "--pool", "prefork", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by WorkerProcess.stop
    process = subprocess.Popen(
        command, env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    worker = WorkerProcess(process=process, node=node, queue=queue, database=test_database, log=log)
    # The worker is ready when it answers a task; fail with its log if it never does.
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            output = worker.output()
            worker.stop()
            pytest.fail(f"The Celery worker did not start:\n{output[-5000:]}")
        try:
            healthcheck.apply_async(queue=queue, expires=10).get(timeout=5)
            return worker
        except Exception:
            pass


class WorkerProcess:
    def __init__(self, *, process, node, queue, database, log):
        self.process = process
        self.pid = process.pid
        self.node = node
        self.queue = queue
        self.database = database
        self.log = log

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as an out-of-memory killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def _database_url_for(name: str) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


# Two agencies and their people, so that "the other agency's user gets 404" is one line in any
# view test (as healthchecks' alice and bob).
@pytest.fixture
def agency(db):
    from agencies.tests.factories import DepartmentFactory

    return DepartmentFactory(code="ALPHA", name_th="กรมอัลฟา", name_en="Alpha Department")


@pytest.fixture
def other_agency(db):
    from agencies.tests.factories import DepartmentFactory

    return DepartmentFactory(code="BRAVO", name_th="กรมบราโว", name_en="Bravo Department")


@pytest.fixture
def respondent(agency):
    from agencies.tests.factories import MembershipFactory

    return MembershipFactory(agency=agency, user__email="alice@alpha.example").user


@pytest.fixture
def other_respondent(other_agency):
    from agencies.tests.factories import MembershipFactory

    return MembershipFactory(agency=other_agency, user__email="bob@bravo.example").user


@pytest.fixture
def dga_staff(db):
    from agencies import roles
    from agencies.tests.factories import user_with_role

    return user_with_role(roles.DGA_STAFF, email="staff@dga.example")


@pytest.fixture
def committee_member(db):
    from agencies import roles
    from agencies.tests.factories import user_with_role

    return user_with_role(roles.AWARD_COMMITTEE, email="committee@dga.example")


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = os.path.join(os.path.dirname(__file__), ".artifacts", "screenshots")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: apt-get install chromium fonts-thai-tlwg"
        )
    # Playwright's sync API runs an event loop in this thread, and Django would then refuse ORM
    # calls from the test body; the tests are plain synchronous code, so the guard does not apply.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, request):
    """A fresh browser tab; its screenshot is kept in .artifacts/screenshots/ for a human look."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(autouse=True)
def test_client_logins_pass_mfa(request):
    """Logins made by the test client itself (force_login, login) count as having passed the
    second step, so that tests about something else need not enter codes; the login pages and
    tests marked `real_mfa` get MFA exactly as in production (dgaweb/tests/mfa.py)."""
    if request.node.get_closest_marker("real_mfa"):
        yield
        return
    from django.contrib.auth.signals import user_logged_in

    from dgaweb.tests.mfa import count_test_client_logins_as_verified

    user_logged_in.connect(count_test_client_logins_as_verified)
    yield
    user_logged_in.disconnect(count_test_client_logins_as_verified)
