"""Test-only: the second factor for tests that are about something else.

MFA stays enforced in the test settings. Two helpers keep the rest of the suite about its own
subject:

- `count_test_client_logins_as_verified`, connected to user_logged_in by the autouse fixture
  in conftest.py: a login made by Django's test client itself (`client.force_login` or
  `client.login`, which log in on a bare HttpRequest, never through a view) gets a confirmed
  authenticator of its own and a session that has passed the second step. Logins through the
  login pages (test client posts, the browser) are never touched. Tests marked
  `@pytest.mark.real_mfa` (agencies/tests/test_mfa.py) do without it.
- `recovery_code_for(user)` and `pass_mfa_in_browser(page, code)` for browser tests that log in
  through the real login page as someone who must use MFA: a fresh recovery code per login (a
  TOTP code is good once per 30 s, and a test may log the same person in twice).
"""

from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import mfa
from agencies.middleware import NEEDS_MFA

TEST_CLIENT_DEVICE_NAME = "dgaweb.tests: test-client login"


def count_test_client_logins_as_verified(sender, request, user, **kwargs):
    if type(request) is not HttpRequest or not request.session.get(NEEDS_MFA):
        return
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=TEST_CLIENT_DEVICE_NAME, defaults={"confirmed": True}
    )
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def recovery_code_for(user) -> str | None:
    """A new one-time code for the person's next login, None if they need no second step."""
    if not mfa.mfa_required(user):
        return None
    TOTPDevice.objects.get_or_create(
        user=user, name=mfa.AUTHENTICATOR_NAME, defaults={"confirmed": True}
    )
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=mfa.RECOVERY_CODES_NAME, defaults={"confirmed": True}
    )
    return StaticToken.objects.create(device=device, token=StaticToken.random_token()).token


def pass_mfa_in_browser(page, code: str | None) -> None:
    """After the password, on the two-step page: enter the code (nothing if there is none)."""
    if code is None:
        return
    page.wait_for_selector("#mfa-verify-form")
    page.fill("#mfa-verify-form input[name=otp_token]", code)
    page.locator("#mfa-verify-form [type=submit]").click()
