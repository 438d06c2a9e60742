"""Refuse, with a clear 422, request text that PostgreSQL cannot hold.

PostgreSQL cannot store or compare a string containing a NUL character ("\\x00"): psycopg raises,
and a search box or filter whose raw value reaches a query would be a server error. Django's form
CharFields refuse NUL already, but values read straight from request.GET or request.POST do not,
so this middleware looks at every request's path, query string and form fields (not the contents
of uploaded files) before the view runs.

Guarantees:
- a request whose path, query string keys or values, or form field keys or values contain NUL
  gets 422 and is never seen by its view, unless the view is marked `@validates_own_nul`: then only
  its form fields are left to the view, which must refuse NUL itself (the autosave does, in the
  question's status line);
- the refusal is in the user's language: a page, an htmx fragment added at the top of the page's
  content (so the target the request meant to replace is left as it is), or JSON for an API client.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def nul_message() -> str:
    return _(
        "The text you sent contains a NUL character, which cannot be stored. "
        "Remove it and try again."
    )


def validates_own_nul(view):
    """Leave the view's form fields to the view, which refuses NUL with its own message."""

    view.validates_own_nul = True  # functools.wraps carries it through the outer decorators
    return view


def _has_nul(query_dict) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists()
    )


class NulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if NUL in request.path_info or _has_nul(request.GET):
            return refusal(request)
        if (
            request.method == "POST"
            and not getattr(view_func, "validates_own_nul", False)
            and _has_nul(request.POST)
        ):
            return refusal(request)
        return None


def refusal(request):
    message = nul_message()
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse({"detail": message}, status=422)
    if getattr(request, "htmx", False):
        response = render(request, "_nul_character.html", {"message": message}, status=422)
        # htmx swaps a 422 like a success (base.html): add the message above the page's content
        # rather than replace the element the request was meant to update.
        response["HX-Retarget"] = "#content"
        response["HX-Reswap"] = "afterbegin"
        return response
    return render(request, "nul_character.html", {"message": message}, status=422)
