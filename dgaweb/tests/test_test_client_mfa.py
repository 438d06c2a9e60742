"""The test-only rule of dgaweb/tests/mfa.py holds no further than it says: outside tests marked
`real_mfa`, a login made by the test client itself has passed the second step, a login through
the login page has not."""

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from dgaweb.tests.mfa import TEST_CLIENT_DEVICE_NAME


def test_a_test_client_login_of_staff_counts_as_verified(client, dga_staff):
    client.force_login(dga_staff)
    assert client.get(reverse("results:dashboards")).status_code == 200
    assert TOTPDevice.objects.get(user=dga_staff).name == TEST_CLIENT_DEVICE_NAME


def test_a_login_through_the_login_page_is_never_counted_as_verified(client, dga_staff):
    client.post(
        reverse("login"), {"username": dga_staff.email, "password": "correct horse battery"}
    )
    response = client.get(reverse("results:dashboards"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_verify"))
    assert not TOTPDevice.objects.filter(user=dga_staff).exists()


def test_a_respondent_gets_no_device_from_a_test_client_login(client, respondent):
    client.force_login(respondent)
    assert client.get(reverse("surveys:responses")).status_code == 200
    assert not TOTPDevice.objects.filter(user=respondent).exists()
