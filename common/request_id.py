"""A request id on every log line of a request, and in its response.

The id is the proxy's X-Request-ID when it sends one that looks like an id (letters, digits and
`-_.:`, at most 64: nginx's $request_id, a UUID, a load balancer's trace id), else a new UUID. So
one id ties the proxy's access log, gunicorn's and ours (and a Sentry report, as its `request_id`
tag) to one request.

Guarantees:
- every log record handled while a request is served carries `record.request_id`, and so do the
  records of a Celery task the request queued; records outside a request (start-up, periodic
  tasks, management commands) carry "-", so a formatter can always name `%(request_id)s`;
- every response, error pages included, has the X-Request-ID header;
- a header that does not look like an id (too long, or with spaces, quotes, newlines) is never
  written to a log or echoed back: a new id is made instead.
"""

import contextvars
import logging
import re
import uuid

import sentry_sdk
from celery.signals import before_task_publish, task_postrun, task_prerun
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


# A Celery task queued while a request is served carries its id in a message header, and the
# worker's log lines for that task name it (the worker logs through settings.LOGGING).
TASK_HEADER = "dgaweb_request_id"


@before_task_publish.connect(dispatch_uid="common.request_id.publish")
def _send_request_id(headers=None, **kwargs) -> None:
    if headers is not None and _current.get() != NO_REQUEST:
        headers[TASK_HEADER] = _current.get()


@task_prerun.connect(dispatch_uid="common.request_id.prerun")
def _take_request_id(task=None, **kwargs) -> None:
    if not task.request.is_eager:  # an eager task runs inside the request, with its id already
        _current.set(getattr(task.request, TASK_HEADER, None) or NO_REQUEST)


@task_postrun.connect(dispatch_uid="common.request_id.postrun")
def _drop_request_id(task=None, **kwargs) -> None:
    if not task.request.is_eager:
        _current.set(NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Put the current request id on each record (a filter of the handler, so that it sees the
    records of every logger, Django's own included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
