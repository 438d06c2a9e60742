"""Writing the security event log.

Guarantees:
- `event_record` writes one row and never fails for want of a request, an account or a valid
  address: an event outside a request (a shell, a Celery task) has no address and no path.
- An event written inside a transaction is undone with it, so the log never claims a change of
  roles, password or second factor that did not happen.
- Who did it, when that is not the account itself (a superuser changing someone's roles, lifting
  a lockout), is kept in `details["by"]`, by e-mail address.
"""

import ipaddress
from contextvars import ContextVar

from agencies.ratelimits import client_ip_address

from .models import SecurityEvent

# The request being answered, for receivers of signals that do not carry it (a role changed,
# a second factor removed): security.middleware.SecurityEventMiddleware sets it.
current_request: ContextVar = ContextVar("security_current_request", default=None)


def event_record(
    *,
    kind: SecurityEvent.Kind,
    user=None,
    email: str = "",
    request=None,
    details: dict | None = None,
) -> SecurityEvent:
    """Record that `kind` happened to `user` (an account, or None for an unknown one, with what
    was typed as `email`), in `request` (by default the request being answered, if any)."""
    request = request if request is not None else current_request.get()
    if user is not None and not user.is_authenticated:  # AnonymousUser
        user = None
    details = dict(details or {})
    actor = getattr(request, "user", None)
    if actor is not None and actor.is_authenticated and actor != user:
        details["by"] = actor.get_username()
    ip_address = None
    if request is not None:
        address = client_ip_address(request)
        try:
            ip_address = str(ipaddress.ip_address(address))
        except ValueError:
            if address:
                details["client_address"] = address[:100]
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        email=(email or (user.get_username() if user else ""))[:254],
        ip_address=ip_address,
        path=request.path[:500] if request is not None else "",
        details=details,
    )
