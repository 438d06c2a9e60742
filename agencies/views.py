"""The account pages around Django's own: password reset with a rate limit, the page a
locked-out login gets (django-axes), the second factor (agencies/mfa.py) and the account page."""

import logging
import time

import django_otp
from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import SecurityEvent
from security.selectors import account_for
from security.services import event_record

from . import mfa
from .middleware import mfa_verified, session_recheck
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
        axes_reset(username=form.user.get_username().lower())
        return response


class OtpTokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_otp_token(self):
        # Authenticator apps show "123 456"; recovery codes are typed in any case.
        return "".join(self.cleaned_data["otp_token"].split()).lower()


_WRONG_CODE = _("That code is not right. Enter the code your authenticator app shows now, or one "
                "of your recovery codes.")  # fmt: skip


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


# Multi-factor authentication and the account page ------------------------------------------------

NEW_RECOVERY_CODES = "mfa_new_recovery_codes"


def _safe_next(request, default="home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _mfa_passed(request, device) -> None:
    """The session has its second factor: a new session key, and the device remembered."""
    request.session.cycle_key()
    django_otp.login(request, device)
    session_recheck(request.session, request.user, int(time.time()))


@never_cache
@login_required
def mfa_verify(request):
    """Asks for a code from the authenticator, or a recovery code, once per session."""
    user = request.user
    next_url = _safe_next(request)
    if mfa_verified(request.session):
        return redirect(next_url)
    if not mfa.mfa_enabled(user):
        if not mfa.mfa_required(user):
            return redirect(next_url)
        return redirect(f"{reverse('mfa_setup')}?{urlencode({'next': next_url})}")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        for device in mfa.devices_for_code(user, token):
            verified = django_otp.verify_token(user, device.persistent_id, token)
            if verified is not None:
                _mfa_passed(request, verified)
                if not isinstance(verified, TOTPDevice):
                    left = mfa.recovery_codes_left(user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a recovery code; %(count)d is left.",
                            "You used a recovery code; %(count)d are left.",
                            left,
                        )
                        % {"count": left},
                    )
                return redirect(next_url)
        logger.warning("MFA: a wrong code for user %s.", user.pk)
        form.add_error("otp_token", _WRONG_CODE)
    context = {"form": form, "next": next_url, "support_email": settings.SUPPORT_EMAIL}
    return render(request, "registration/mfa_verify.html", context)


@never_cache
@login_required
def mfa_setup(request):
    """Set up an authenticator: scan or type its secret, confirm with a code it shows."""
    user = request.user
    next_url = _safe_next(request)
    if mfa.mfa_enabled(user):
        # Replacing an authenticator needs the old one (or a reset by DGA): a stolen password
        # alone must not enrol a new phone.
        if mfa_verified(request.session):
            return redirect("account_security")
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': next_url})}")
    device = mfa.authenticator_pending(user=user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.authenticator_confirm(device=device, token=form.cleaned_data["otp_token"])
        if codes is not None:
            device.refresh_from_db()
            _mfa_passed(request, device)
            logger.info("MFA: user %s set up an authenticator.", user.pk)
            request.session[NEW_RECOVERY_CODES] = codes
            return redirect(f"{reverse('mfa_recovery_codes')}?{urlencode({'next': next_url})}")
        form.add_error("otp_token", _WRONG_CODE)
    context = {
        "form": form,
        "next": next_url,
        "setup": mfa.authenticator_setup(device),
        "required": mfa.mfa_required(user),
    }
    return render(request, "registration/mfa_setup.html", context)


@never_cache
@login_required
def mfa_recovery_codes(request):
    """The new recovery codes, shown once: they are taken out of the session as shown."""
    codes = request.session.pop(NEW_RECOVERY_CODES, None)
    if not codes:
        return redirect("account_security")
    context = {"codes": codes, "next": _safe_next(request, default="account_security")}
    return render(request, "registration/mfa_recovery_codes.html", context)


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if not mfa.mfa_enabled(request.user):
        return redirect("account_security")
    request.session[NEW_RECOVERY_CODES] = mfa.recovery_codes_generate(user=request.user)
    logger.info("MFA: user %s made new recovery codes.", request.user.pk)
    return redirect("mfa_recovery_codes")


@login_required
@require_POST
def mfa_disable(request):
    """An agency person turns their own MFA off; those who must use it cannot."""
    user = request.user
    if mfa.mfa_required(user):
        return HttpResponseForbidden()
    mfa.mfa_reset(user=user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    session_recheck(request.session, user, int(time.time()))
    logger.info("MFA: user %s turned MFA off.", user.pk)
    messages.success(request, _("Two-step verification is off."))
    return redirect("account_security")


@login_required
def account_security(request):
    """The person's own account: their second factor, recovery codes and password."""
    user = request.user
    context = {
        "mfa_enabled": mfa.mfa_enabled(user),
        "mfa_required": mfa.mfa_required(user),
        "recovery_codes_left": mfa.recovery_codes_left(user),
    }
    return render(request, "registration/account_security.html", context)
