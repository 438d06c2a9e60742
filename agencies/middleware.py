"""How long a login lasts, and the second factor it needs before any page.

Guarantees:
- a session ends after SESSION_IDLE_MINUTES_STAFF (the roles of `mfa_required`) or
  SESSION_IDLE_MINUTES_RESPONDENT (everyone else) without a request, and SESSION_MAX_HOURS
  after the login whatever happens; the person lands on the login page with a message saying
  why, and an htmx request gets HX-Redirect to it;
- a person who must use MFA, or who chose to, reaches no page but the MFA pages, the language
  switcher and logging out until a code from their authenticator or a recovery code is entered
  in this session; without an authenticator yet, they are sent to set one up.

What a page costs: the decision is kept in the session when the person logs in and checked
again at most every MFA_RECHECK_SECONDS (their roles and devices read afresh: a new role, or an
MFA reset in the admin, counts from then), so an ordinary request reads nothing more than
Django's own session and user; the time of the last request is written at most once a minute.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from . import mfa

LOGIN_AT = "account_login_at"
SEEN_AT = "account_seen_at"
CHECKED_AT = "account_checked_at"
# The roles of mfa_required: the short idle timeout.
STRICT = "account_strict"
# This session needs a second factor (required, or chosen by the person).
NEEDS_MFA = "account_needs_mfa"

MFA_RECHECK_SECONDS = 300
SEEN_RESOLUTION_SECONDS = 60


def session_start(sender, request, user, **kwargs):
    """On every login (user_logged_in): the clocks start and the MFA decision is made."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    session_recheck(request.session, user, now)


def session_recheck(session, user, now: int) -> None:
    """Read the person's roles and devices afresh into the session."""
    session[STRICT] = mfa.mfa_required(user)
    session[NEEDS_MFA] = session[STRICT] or mfa.mfa_enabled(user)
    device_id = session.get(DEVICE_ID_SESSION_KEY)
    if device_id:
        device = Device.from_persistent_id(device_id)
        if device is None or device.user_id != user.pk or not device.confirmed:
            del session[DEVICE_ID_SESSION_KEY]
    session[CHECKED_AT] = now


def mfa_verified(session) -> bool:
    return DEVICE_ID_SESSION_KEY in session


def _next(request) -> str:
    if request.htmx:
        current = request.htmx.current_url_abs_path
        if current and url_has_allowed_host_and_scheme(current, allowed_hosts=None):
            return current
        return reverse("home")
    return request.get_full_path() if request.method == "GET" else reverse("home")


def _send_to(request, url_name: str):
    url = f"{reverse(url_name)}?{urlencode({'next': _next(request)})}"
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            due = LOGIN_AT not in session or now - session.get(CHECKED_AT, 0) >= MFA_RECHECK_SECONDS
            if due and not request.user.is_authenticated:
                # Django has just ended the session (the password was changed elsewhere).
                return self.get_response(request)
            if LOGIN_AT not in session:  # a session from before these rules: they start now
                session_start(None, request, request.user)
            idle_minutes = (
                settings.SESSION_IDLE_MINUTES_STAFF
                if session.get(STRICT)
                else settings.SESSION_IDLE_MINUTES_RESPONDENT
            )
            if now - session[LOGIN_AT] > settings.SESSION_MAX_HOURS * 3600:
                message = _(
                    "You have been logged out: your session had lasted %(hours)d hours. "
                    "Please log in again."
                )
                return self._end(
                    request, "max_age", message % {"hours": settings.SESSION_MAX_HOURS}
                )
            if now - session[SEEN_AT] > idle_minutes * 60:
                message = _(
                    "You have been logged out after %(minutes)d minutes without activity. "
                    "Please log in again."
                )
                return self._end(request, "idle", message % {"minutes": idle_minutes})
            if now - session[SEEN_AT] >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
            if now - session.get(CHECKED_AT, 0) >= MFA_RECHECK_SECONDS:
                session_recheck(session, request.user, now)
        return self.get_response(request)

    def _end(self, request, reason: str, message):
        response = _send_to(request, "login")
        # For user_logged_out's receivers (the security event log): why the session ended.
        request.session_end_reason = reason
        logout(request)
        messages.warning(request, message)
        return response


# Reachable before the second factor: the MFA pages themselves, logging out (site and admin)
# and the language switcher.
MFA_OPEN_URL_NAMES = ("mfa_verify", "mfa_setup", "logout", "set_language")


class MfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        session = request.session
        if (
            SESSION_KEY in session
            and session.get(NEEDS_MFA)
            and not mfa_verified(session)
            and request.path not in self.open_paths()
        ):
            return _send_to(request, "mfa_verify")
        return self.get_response(request)

    def open_paths(self) -> set[str]:
        if self._open_paths is None:
            names = [*MFA_OPEN_URL_NAMES, "admin:logout"]
            self._open_paths = {reverse(name) for name in names}
        return self._open_paths
