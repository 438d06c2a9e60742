"""Which responses a browser or a proxy may keep: `Cache-Control: no-store` on all but the public.

A page for a logged-in user shows their name and their agency's answers; an admin page, an evidence
file, an agency's report or a staff export is for its reader only. None of these may stay in a
shared computer's browser cache or a proxy, where the next person could open it.

Guarantees:
- every response that passes through this middleware gets `Cache-Control: no-store`, unless it is
  public;
- public is a short allow-list of URL names in settings.PUBLIC_PAGES ("ns:*" for all of a
  namespace's patterns), answered to an anonymous visitor; the patterns in
  settings.PUBLIC_FOR_EVERYONE (the API, which never reads the session) are public to logged-in
  users too;
- a public response keeps whatever caching its view gave it; static files never reach this
  middleware (WhiteNoise answers them first).

A new view is therefore not cached until someone adds it to the list.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control


def _listed(view_name: str, names) -> bool:
    namespace = view_name.rpartition(":")[0]
    return view_name in names or (bool(namespace) and f"{namespace}:*" in names)


def is_public(request) -> bool:
    """May the response to this request be kept by a browser or a shared cache?"""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if _listed(match.view_name, settings.PUBLIC_FOR_EVERYONE):
        return True
    if not _listed(match.view_name, settings.PUBLIC_PAGES):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_public(request):
            # Whatever the view said (public, max-age...) gives way: no-store alone decides.
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, no_store=True)
        return response
