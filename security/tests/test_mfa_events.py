"""Second factors in the security event log, through the real MFA pages (agencies/mfa.py):
an authenticator and recovery codes added, a wrong code, both removed; and a person changing
their own password."""

import pytest
from django.test import Client
from django.urls import reverse

from agencies.tests.test_login_protection import PASSWORD, log_in
from agencies.tests.test_mfa import a_wrong_code, code_of
from security.models import SecurityEvent

Kind = SecurityEvent.Kind
pytestmark = pytest.mark.real_mfa


def mfa_events(user):
    kinds = [Kind.MFA_DEVICE_ADDED, Kind.MFA_DEVICE_REMOVED, Kind.MFA_FAILED]
    return [
        (e.kind, e.details)
        for e in SecurityEvent.objects.filter(user=user, kind__in=kinds).order_by("pk")
    ]


def test_an_agency_person_turns_mfa_on_fails_a_code_and_turns_it_off(respondent):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    log_in(client, respondent.email, PASSWORD)
    client.get(reverse("mfa_setup"))
    pending = TOTPDevice.objects.get(user=respondent)
    assert mfa_events(respondent) == []  # a pending authenticator is not one yet

    client.post(reverse("mfa_setup"), {"otp_token": code_of(pending), "next": "/"})
    client.post(reverse("logout"))
    log_in(client, respondent.email, PASSWORD)
    client.post(reverse("mfa_verify"), {"otp_token": a_wrong_code(pending), "next": "/"})
    client.post(reverse("mfa_verify"), {"otp_token": "", "next": "/"})  # not a code: not tried
    (codes,) = SecurityEvent.objects.filter(kind=Kind.RECOVERY_CODES_GENERATED)
    assert (codes.user, codes.path) == (respondent, reverse("mfa_setup"))
    assert mfa_events(respondent) == [
        (Kind.MFA_DEVICE_ADDED, {"device": "totpdevice", "name": "authenticator"}),
        (Kind.MFA_DEVICE_ADDED, {"device": "staticdevice", "name": "recovery codes"}),
        # One wrong code, tried on both devices: one refusal.
        (Kind.MFA_FAILED, {"device": "totpdevice", "name": "authenticator", "failures": 1}),
    ]

    # The wrong code makes both devices wait a second (django-otp's throttle): the test lets it
    # pass. The authenticator's code was used a moment ago; a recovery code passes the step.
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=respondent).update(throttling_failure_timestamp=None)
    recovery_code = StaticToken.objects.filter(device__user=respondent).first().token
    client.post(reverse("mfa_verify"), {"otp_token": recovery_code, "next": "/"})
    client.post(reverse("mfa_disable"))

    assert mfa_events(respondent)[3:] == [
        (Kind.MFA_DEVICE_REMOVED, {"device": "totpdevice", "name": "authenticator"}),
        (Kind.MFA_DEVICE_REMOVED, {"device": "staticdevice", "name": "recovery codes"}),
    ]
    assert {e.path for e in SecurityEvent.objects.filter(kind=Kind.MFA_DEVICE_REMOVED)} == {
        reverse("mfa_disable")
    }


def test_deleting_an_account_with_mfa_keeps_the_removal_under_its_address(respondent):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies import mfa

    TOTPDevice.objects.create(user=respondent, name=mfa.AUTHENTICATOR_NAME, confirmed=True)

    respondent.delete()

    removed = SecurityEvent.objects.get(kind=Kind.MFA_DEVICE_REMOVED)
    assert (removed.user, removed.email) == (None, "alice@alpha.example")


def test_a_person_changing_their_own_password(client, respondent):
    new_password = "a new horse battery staple"
    client.force_login(respondent)

    answer = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert answer.status_code == 302
    (event,) = SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED)
    assert (event.user, event.details, event.path) == (respondent, {}, reverse("password_change"))
