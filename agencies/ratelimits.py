"""How often a client may ask for a password-reset e-mail, and which address a client has.

Guarantees:
- In one clock hour at most PASSWORD_RESET_EMAIL_LIMIT requests for one e-mail address (whatever
  its case and the spaces around it) and at most PASSWORD_RESET_IP_LIMIT requests from one client
  address are allowed; the rest are refused until the next hour.
- Every request counts, for an address with an account or without one, so that what the form
  answers never tells which addresses have an account.
- The counts are in Django's cache: Redis wherever REDIS_URL is set, so every web worker shares
  them. They are keyed by a hash of the address, never the address itself.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

HOUR = 3600


def client_ip_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind REVERSE_PROXY_COUNT proxies the address the
    outermost of them received the request from.

    Each proxy appends the address it was called from to X-Forwarded-For, so that entry is the
    REVERSE_PROXY_COUNT-th from the right; anything to its left was written by the client and is
    not trusted. The login lockout (AXES_CLIENT_IP_CALLABLE) uses this too.
    """
    proxies = settings.REVERSE_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def password_reset_allowed(*, email: str, ip_address: str) -> bool:
    """Count one password-reset request for `email` from `ip_address`; True while both are within
    their hourly limits."""
    hour = int(time.time() // HOUR)
    limits = {
        f"password-reset:email:{_digest(email.strip().lower())}:{hour}": (
            settings.PASSWORD_RESET_EMAIL_LIMIT
        ),
        f"password-reset:ip:{_digest(ip_address)}:{hour}": settings.PASSWORD_RESET_IP_LIMIT,
    }
    # Both counters go up even when the first is already over: every request counts.
    counts = {key: _count(key) for key in limits}
    return all(counts[key] <= limit for key, limit in limits.items())


def _count(key: str) -> int:
    """Add one to the counter `key`, which lives a little longer than its hour; return the new
    value."""
    cache.add(key, 0, timeout=HOUR + 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=HOUR + 60)
        return 1


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def login_username(request, credentials=None) -> str | None:
    """The account a login attempt is for, as django-axes counts it (AXES_USERNAME_CALLABLE):
    the e-mail address in lower case, as the login matches it, so that typing it in other cases
    does not buy another LOGIN_FAILURE_LIMIT guesses."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username.strip().lower() if isinstance(username, str) else username
