"""The account pages around Django's own: password reset with a rate limit, and the page a
locked-out login gets (django-axes)."""

import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render

from security.models import SecurityEvent
from security.services import account_for, event_record

from .ratelimits import client_ip_address, password_reset_allowed

logger = logging.getLogger(__name__)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's form, which sends no e-mail once the address or the client has asked too often this
    hour (agencies.ratelimits). A refused request gets the same "check your e-mail" page as any
    other, so the form never tells whether an address has an account."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        allowed = password_reset_allowed(email=email, ip_address=client_ip_address(self.request))
        event_record(
            kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED,
            user=account_for(email),
            email=email,
            request=self.request,
            details={} if allowed else {"refused": "too many requests"},
        )
        if allowed:
            return super().form_valid(form)
        logger.warning("Password reset refused: too many requests for the address or client.")
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view; setting a new password also lifts the login lockouts of the account, since
    the one-time link proves the person reads its mailbox."""

    # With axes' backend in AUTHENTICATION_BACKENDS too, Django must be told which backend logs
    # the person in when the view does (post_reset_login, the invitation's set-password page).
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers a login refused by the lockout (AXES_LOCKOUT_CALLABLE), on the
    site's login page and the admin's alike: 429, in the user's language."""
    context = {
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "support_email": settings.SUPPORT_EMAIL,
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
