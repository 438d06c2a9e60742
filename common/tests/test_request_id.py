"""Every log line of a request names its id and the time; every response carries the id."""

import io
import logging
import re
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from common.request_id import HEADER, RequestIdFilter, RequestIdMiddleware
from dgaweb.tasks import healthcheck


@pytest.fixture
def log_lines():
    """What the configured console handler (settings.LOGGING) writes, as lines."""
    [handler] = [
        handler
        for handler in logging.getLogger("django").handlers
        if any(isinstance(f, RequestIdFilter) for f in handler.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(previous)


def test_the_proxys_request_id_is_on_the_log_line_and_in_the_response(client, db, log_lines):
    response = client.get(
        "/no-such-page/", headers={HEADER: "0f8e7d6c-5b4a-4321-8fed-cba987654321"}
    )

    assert response.status_code == 404
    assert response[HEADER] == "0f8e7d6c-5b4a-4321-8fed-cba987654321"
    [line] = log_lines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING "
        r"\[0f8e7d6c-5b4a-4321-8fed-cba987654321\] django.request: Not Found: /no-such-page/",
        line,
    ), line


def test_without_a_request_id_each_request_gets_a_new_one(client, db, log_lines):
    first = client.get("/no-such-page/")[HEADER]
    second = client.get("/no-such-page/")[HEADER]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
    assert [line.split("[")[1].split("]")[0] for line in log_lines()] == [first, second]


@pytest.mark.parametrize(
    "offered",
    ["a" * 65, "two words", 'quote"d', "id\r\nX-Injected: 1", "ลำดับ", ""],
    ids=["too long", "space", "quote", "newline", "not ascii", "empty"],
)
def test_a_request_id_that_does_not_look_like_one_is_replaced(client, db, log_lines, offered):
    response = client.get("/no-such-page/", headers={HEADER: offered})

    assert re.fullmatch(r"[0-9a-f]{32}", response[HEADER])
    assert f"[{response[HEADER]}]" in log_lines()[0]
    assert offered not in "\n".join(log_lines()) or offered == ""


def test_a_log_line_outside_a_request_says_dash(client, db, log_lines):
    client.get("/ping/", headers={HEADER: "req-1"})

    logging.getLogger("django.dgaweb").warning("after the request")

    assert log_lines()[-1].endswith(" WARNING [-] django.dgaweb: after the request")


@pytest.mark.celery
def test_a_task_queued_in_a_request_logs_with_its_id_in_the_worker(celery_worker, db):
    def view(request):
        healthcheck.apply_async(queue=celery_worker.queue).get(timeout=30)
        return HttpResponse("queued")

    request = RequestFactory().get("/", headers={HEADER: "req-9c1d-task"})
    RequestIdMiddleware(view)(request)

    # The worker stores the result before it logs the task's end: wait for the line.
    deadline = time.monotonic() + 10
    while not (finished := lines_with(celery_worker.output(), "req-9c1d-task")):
        assert time.monotonic() < deadline, celery_worker.output()[-3000:]
        time.sleep(0.1)
    assert len(finished) == 1, finished
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO \[req-9c1d-task\] celery.app.trace: "
        r"Task dgaweb.healthcheck\[[0-9a-f-]+\] succeeded in .*",
        finished[0],
    )


def lines_with(output: str, text: str) -> list[str]:
    return [line for line in output.splitlines() if text in line]
