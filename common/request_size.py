"""Refuse, with 413 and a clear message, a request whose body is larger than REQUEST_MAX_MB,
before any of the body is read.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields but not uploaded files: without this, a
60 MB upload would be streamed whole to a temporary file before the evidence service refused it.
The size is the request's Content-Length, which the WSGI server also holds the body to (a body
without one reads as empty), so nothing larger can reach a view.

Guarantees:
- a request whose Content-Length is above REQUEST_MAX_MB megabytes gets 413 and its body is not
  read by dgaweb (the response goes out before the client has sent it);
- the refusal is in the user's language: a page, an htmx fragment added at the top of the page's
  content, or JSON for an API client.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MEGABYTE = 1024 * 1024


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_MB * MEGABYTE:
            return refusal(request, length)
        return self.get_response(request)


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f}".removesuffix(".0")


def refusal(request, length: int):
    message = _(
        "What you sent is %(size)s MB; the site accepts at most %(limit)s MB at a time. "
        "Choose a smaller file."
    ) % {"size": _megabytes(length), "limit": settings.REQUEST_MAX_MB}
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        response = JsonResponse({"detail": message}, status=413)
    elif getattr(request, "htmx", False):
        response = render(request, "_request_too_large.html", {"message": message}, status=413)
        # As the NUL refusal: the message goes above the page's content, and the element the
        # request meant to replace stays as it is (base.html lets htmx swap a 413).
        response["HX-Retarget"] = "#content"
        response["HX-Reswap"] = "afterbegin"
    else:
        response = render(request, "request_too_large.html", {"message": message}, status=413)
    return response
