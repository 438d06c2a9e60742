"""A request id on every log line of a request, and in its response.

The id is the proxy's X-Request-ID when it sends one that looks like an id (letters, digits and
`-_.:`, at most 64: nginx's $request_id, a UUID, a load balancer's trace id), else a new UUID. So
one id ties the proxy's access log, gunicorn's and ours (and a Sentry report, as its `request_id`
tag) to one request.

Guarantees:
- every log record handled while a request is served carries `record.request_id`, and records
  outside a request (start-up, Celery tasks, management commands) carry "-", so a formatter can
  always name `%(request_id)s`;
- every response, error pages included, has the X-Request-ID header;
- a header that does not look like an id (too long, or with spaces, quotes, newlines) is never
  written to a log or echoed back: a new id is made instead.
"""

import contextvars
import logging
import re
import uuid

import sentry_sdk
from django.core.signals import request_finished

HEADER = "X-Request-ID"
NO_REQUEST = "-"
SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_current = contextvars.ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served, or "-" outside a request."""
    return _current.get()


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that everything below it logs with the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if SANE.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed, not only while the middleware runs: Django logs
        # "Not Found" and the like after the middleware has returned.
        _current.set(request_id)
        sentry_sdk.set_tag("request_id", request_id)  # nothing when Sentry is off
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget_request_id(**kwargs) -> None:
    _current.set(NO_REQUEST)


request_finished.connect(_forget_request_id, dispatch_uid="common.request_id")


class RequestIdFilter(logging.Filter):
    """Put the current request id on each record (a filter of the handler, so that it sees the
    records of every logger, Django's own included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
