"""Multi-factor authentication: who must use it, and the writes that set it up and reset it.

A person's second factor is an authenticator app (one django-otp TOTP device) and ten one-time
recovery codes (one static device). `mfa_required` is the one place that says whose account
must have them; agencies/middleware.py enforces it on every page.

Guarantees:
- a person has at most one authenticator; a new one is confirmed only by a code it produced;
- recovery codes are shown once, when made; each works once; making new ones voids the old;
- a reset removes both, so the person sets up again at the next page they open.
"""

import base64
from dataclasses import dataclass

import segno
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import SecurityEvent
from security.services import event_record

from . import permissions

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_CODES_NAME = "recovery codes"


def mfa_required(user) -> bool:
    """Whether the account must use a second factor: superusers, DGA staff (the group or the
    admin's staff flag) and the award committee. Agency people may choose to."""
    return user.is_authenticated and (
        user.is_superuser
        or user.is_staff
        or permissions.is_dga_staff(user)
        or permissions.is_committee_member(user)
    )


def mfa_enabled(user) -> bool:
    """Whether the account has a confirmed authenticator, required or chosen."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_pending(*, user) -> TOTPDevice:
    """The authenticator being set up: a new secret, kept until a code from it confirms it.

    Opening the set-up page again shows the same secret, so a scan already made still works.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def authenticator_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a pending authenticator with a code it shows; None if the code is wrong.

    Returns the new recovery codes, to be shown once. Any other authenticator of the person's is
    removed in the same transaction.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_generate(user=device.user)


def recovery_codes_generate(*, user) -> list[str]:
    """New recovery codes for the person, voiding any earlier ones; returned to be shown once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        event_record(kind=SecurityEvent.Kind.RECOVERY_CODES_GENERATED, user=user)
        return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def mfa_reset(*, user) -> int:
    """Remove the person's authenticator and recovery codes (a lost phone, or a respondent who
    turns MFA off). Returns how many devices were removed."""
    removed = 0
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


def devices_for_code(user, token: str) -> list:
    """The person's confirmed devices that could have made `token`: six digits are the
    authenticator's, anything else a recovery code. Only these count a wrong try (django-otp
    slows a device down after each), so a recovery code does not slow the authenticator."""
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    return [device for device in devices_for_user(user) if isinstance(device, model)]


@dataclass(frozen=True)
class AuthenticatorSetup:
    """What the set-up page shows: the QR code of the otpauth URL and its secret, typed instead."""

    qr_svg: str
    secret: str


def authenticator_setup(device: TOTPDevice) -> AuthenticatorSetup:
    secret = base64.b32encode(device.bin_key).decode()
    # Drawn here as SVG markup: no image service sees the secret, and no script draws it.
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="mfa-qr", lineclass=None, omitsize=True
    )
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return AuthenticatorSetup(qr_svg=svg, secret=grouped)
