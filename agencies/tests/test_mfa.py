"""Multi-factor authentication through the real views, middleware and database: who must set it
up, where they are sent until they do, codes right and wrong, recovery codes, opting in and out,
and the admin's reset. Codes are computed from the device's key at the real time."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import mfa, roles
from agencies.middleware import CHECKED_AT, MFA_RECHECK_SECONDS
from agencies.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.real_mfa

PASSWORD = "correct horse battery"  # UserFactory's
WRONG_CODE = (
    "That code is not right. Enter the code your authenticator app shows now, or one of your "
    "recovery codes."
)


def thai(message: str) -> str:
    with translation.override("th"):
        translated = translation.gettext(message)
    assert translated != message, f"No Thai for {message!r}"
    return translated


def code_of(device: TOTPDevice) -> str:
    """What the person's authenticator app shows now."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def a_wrong_code(device: TOTPDevice) -> str:
    right = int(code_of(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def wait_out_the_throttle(device) -> None:
    """A wrong code makes the device wait a second before the next try (django-otp's throttle);
    the test lets that second pass by moving the failure back, not by sleeping."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(seconds=5)
    )


def log_in(client, user, *, url=None):
    response = client.post(url or reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def with_authenticator(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name=mfa.AUTHENTICATOR_NAME, confirmed=True)
    mfa.recovery_codes_generate(user=user)
    return device


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@dga.example", is_staff=True, is_superuser=True)


@pytest.fixture
def chair(db):
    user = user_with_role(roles.AWARD_COMMITTEE, email="chair@dga.example")
    user.groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    return user


def test_mfa_is_required_of_staff_the_committee_and_superusers_only(
    respondent, dga_staff, committee_member, chair, superuser
):
    admin_only = UserFactory(email="clerk@dga.example", is_staff=True)
    assert [mfa.mfa_required(u) for u in (dga_staff, committee_member, chair, superuser)] == [
        True
    ] * 4
    assert mfa.mfa_required(admin_only) is True
    assert mfa.mfa_required(respondent) is False


# Every kind of page: the site, the admin, DGA's dashboards, the committee's, the respondent's,
# and the account page itself.
PAGES = [
    "/",
    "/admin/",
    "/admin/agencies/user/",
    reverse("results:dashboards"),
    reverse("awards:committee"),
    reverse("surveys:responses"),
    reverse("account_security"),
    reverse("password_change"),
]


@pytest.mark.parametrize("who", ["dga_staff", "committee_member", "superuser"])
def test_without_an_authenticator_every_page_leads_to_the_set_up(who, request, db):
    # `db` asked up front: pytest-django then runs this among the database tests, before any
    # transactional test has flushed the role groups.
    user = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)
    for path in PAGES:
        if path.startswith("/admin/"):
            path = path.replace("/admin/", reverse("admin:index"), 1)
        response = client.get(path, follow=True)
        next_query = urlencode({"next": path})
        assert response.redirect_chain[0][0] == f"{reverse('mfa_verify')}?{next_query}"
        assert response.redirect_chain[-1][0] == f"{reverse('mfa_setup')}?{next_query}"
        assert response.status_code == 200
        assert "registration/mfa_setup.html" in [t.name for t in response.templates]
    # Logging out is open; so is the language switcher.
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_is_sent_to_the_second_step_as_a_whole_page(dga_staff):
    client = Client()
    client.force_login(dga_staff)
    response = client.get(
        reverse("results:dashboards"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/results/x/",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('mfa_verify')}?next=%2Fresults%2Fx%2F"


def test_set_up_refuses_a_wrong_code_in_thai_and_takes_the_right_one(dga_staff):
    client = Client()
    log_in(client, dga_staff)
    page = client.get(reverse("mfa_setup"))
    device = TOTPDevice.objects.get(user=dga_staff, confirmed=False)
    # The page shows the QR code of the otpauth URL, drawn as SVG, and the secret to type.
    assert 'class="mfa-qr"' in page.text
    assert "no-store" in page["Cache-Control"]  # the secret stays out of every cache
    secret = page.context["setup"].secret.replace(" ", "")
    assert device.config_url.split("secret=")[1].startswith(secret)

    wrong = client.post(reverse("mfa_setup"), {"otp_token": a_wrong_code(device), "next": "/"})
    assert wrong.status_code == 200
    assert thai(WRONG_CODE) in wrong.text
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
    assert client.get(reverse("results:dashboards")).status_code == 302

    wait_out_the_throttle(device)
    right = client.post(reverse("mfa_setup"), {"otp_token": code_of(device), "next": "/"})
    assert right.status_code == 302
    assert right["Location"] == f"{reverse('mfa_recovery_codes')}?next=%2F"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True

    shown = client.get(right["Location"])
    codes = shown.context["codes"]
    assert len(codes) == mfa.RECOVERY_CODE_COUNT == 10
    assert all(code in shown.text for code in codes)
    assert "no-store" in shown["Cache-Control"]
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=dga_staff).values_list("token", flat=True)
    )
    # Shown once: the page does not show them again.
    assert client.get(reverse("mfa_recovery_codes")).status_code == 302
    assert client.get(reverse("results:dashboards")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_code_typed_with_spaces_is_taken(committee_member):
    device = with_authenticator(committee_member)
    client = Client()
    log_in(client, committee_member)
    code = code_of(device)
    response = client.post(reverse("mfa_verify"), {"otp_token": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302


@pytest.mark.parametrize("login", ["site", "admin"])
def test_after_the_password_the_code_is_asked_before_any_page(login, dga_staff):
    device = with_authenticator(dga_staff)
    client = Client()
    url = reverse("login") if login == "site" else reverse("admin:login")
    target = reverse("admin:index") if login == "admin" else reverse("results:dashboards")
    answer = client.post(
        f"{url}?next={target}", {"username": dga_staff.email, "password": PASSWORD}
    )
    assert answer["Location"] == target
    asked = client.get(target)
    assert asked["Location"] == f"{reverse('mfa_verify')}?{urlencode({'next': target})}"
    page = client.get(asked["Location"])
    assert "registration/mfa_verify.html" in [t.name for t in page.templates]

    wrong = client.post(reverse("mfa_verify"), {"otp_token": a_wrong_code(device)})
    assert wrong.status_code == 200
    assert thai(WRONG_CODE) in wrong.text
    assert client.get(target).status_code == 302

    wait_out_the_throttle(device)
    session_before = client.session.session_key
    right = client.post(reverse("mfa_verify"), {"otp_token": code_of(device), "next": target})
    assert right["Location"] == target
    assert client.session.session_key != session_before  # a new session key once verified
    assert client.get(target).status_code == 200


def test_a_totp_code_is_good_once(dga_staff):
    device = with_authenticator(dga_staff)
    first, second = Client(), Client()
    log_in(first, dga_staff)
    log_in(second, dga_staff)
    code = code_of(device)
    assert first.post(reverse("mfa_verify"), {"otp_token": code}).status_code == 302
    assert second.post(reverse("mfa_verify"), {"otp_token": code}).status_code == 200


def test_a_recovery_code_works_once_only(committee_member):
    with_authenticator(committee_member)
    code = StaticToken.objects.filter(device__user=committee_member).first().token
    client = Client()
    log_in(client, committee_member)
    used = client.post(reverse("mfa_verify"), {"otp_token": code.upper(), "next": "/awards/"})
    assert used["Location"] == "/awards/"
    assert client.get(reverse("awards:committee")).status_code == 200
    assert mfa.recovery_codes_left(committee_member) == 9
    client.post(reverse("logout"))

    again = Client()
    log_in(again, committee_member)
    refused = again.post(reverse("mfa_verify"), {"otp_token": code})
    assert refused.status_code == 200
    assert thai(WRONG_CODE) in refused.text
    assert again.get(reverse("awards:committee")).status_code == 302


def test_new_recovery_codes_void_the_old(dga_staff):
    device = with_authenticator(dga_staff)
    old = set(StaticToken.objects.filter(device__user=dga_staff).values_list("token", flat=True))
    client = Client()
    log_in(client, dga_staff)
    client.post(reverse("mfa_verify"), {"otp_token": code_of(device)})
    made = client.post(reverse("recovery_codes_regenerate"))
    shown = client.get(made["Location"])
    new = set(shown.context["codes"])
    assert len(new) == 10
    assert not new & old
    assert (
        set(StaticToken.objects.filter(device__user=dga_staff).values_list("token", flat=True))
        == new
    )


def test_a_respondent_without_mfa_goes_straight_in(respondent):
    client = Client()
    log_in(client, respondent)
    assert client.get(reverse("surveys:responses")).status_code == 200
    assert client.get(reverse("mfa_verify"))["Location"] == "/"  # nothing to ask


def test_a_respondent_may_opt_in_and_is_then_asked_at_each_login(respondent):
    client = Client()
    log_in(client, respondent)
    account = client.get(reverse("account_security"))
    assert reverse("mfa_setup") in account.text
    client.get(reverse("mfa_setup"))
    device = TOTPDevice.objects.get(user=respondent)
    done = client.post(reverse("mfa_setup"), {"otp_token": code_of(device)})
    assert done.status_code == 302
    assert client.get(reverse("surveys:responses")).status_code == 200  # this session passed
    client.post(reverse("logout"))

    later = Client()
    log_in(later, respondent)
    assert later.get(reverse("surveys:responses"))["Location"].startswith(reverse("mfa_verify"))
    # A stolen password alone cannot put a new phone in place of the person's.
    assert later.get(reverse("mfa_setup"))["Location"].startswith(reverse("mfa_verify"))
    code = StaticToken.objects.filter(device__user=respondent).first().token
    assert later.post(reverse("mfa_verify"), {"otp_token": code}).status_code == 302
    assert later.get(reverse("surveys:responses")).status_code == 200

    # ... and may turn it off again; nothing is asked at the next login.
    assert later.post(reverse("mfa_disable")).status_code == 302
    assert not TOTPDevice.objects.filter(user=respondent).exists()
    assert not StaticDevice.objects.filter(user=respondent).exists()
    client = Client()
    log_in(client, respondent)
    assert client.get(reverse("surveys:responses")).status_code == 200


def test_staff_cannot_turn_their_mfa_off(dga_staff):
    device = with_authenticator(dga_staff)
    client = Client()
    log_in(client, dga_staff)
    client.post(reverse("mfa_verify"), {"otp_token": code_of(device)})
    assert client.post(reverse("mfa_disable")).status_code == 403
    assert TOTPDevice.objects.filter(user=dga_staff, confirmed=True).exists()


def test_a_role_given_during_a_session_asks_for_mfa_at_the_next_check(respondent):
    client = Client()
    log_in(client, respondent)
    respondent.groups.add(Group.objects.get(name=roles.DGA_STAFF))
    assert client.get("/").status_code == 200  # the decision made at login holds a while ...
    session = client.session
    session[CHECKED_AT] -= MFA_RECHECK_SECONDS
    session.save()
    assert client.get("/")["Location"].startswith(reverse("mfa_verify"))  # ... then is redone


def reset_action(client, *accounts):
    return client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "reset_mfa", "_selected_action": [a.pk for a in accounts]},
        follow=True,
    )


def test_a_superuser_resets_anyone_dga_staff_only_agency_people(
    superuser, dga_staff, committee_member, respondent
):
    for person in (dga_staff, committee_member, respondent):
        with_authenticator(person)
    root = Client()
    root_device = with_authenticator(superuser)
    log_in(root, superuser)
    root.post(reverse("mfa_verify"), {"otp_token": code_of(root_device)})
    assert reset_action(root, committee_member).status_code == 200
    assert not TOTPDevice.objects.filter(user=committee_member).exists()
    assert not StaticDevice.objects.filter(user=committee_member).exists()

    staff = Client()
    staff.force_login(dga_staff)
    staff_session = staff.session
    staff_session["otp_device_id"] = TOTPDevice.objects.get(user=dga_staff).persistent_id
    staff_session.save()
    reset_action(staff, superuser, respondent)
    assert TOTPDevice.objects.filter(user=superuser).exists()  # refused: holds a role
    assert not TOTPDevice.objects.filter(user=respondent).exists()

    # The committee member, reset, is asked to set up again at the next login.
    member = Client()
    log_in(member, committee_member)
    assert member.get("/", follow=True).redirect_chain[-1][0].startswith(reverse("mfa_setup"))


def test_a_reset_ends_the_second_step_of_open_sessions_at_the_next_check(dga_staff):
    device = with_authenticator(dga_staff)
    client = Client()
    log_in(client, dga_staff)
    client.post(reverse("mfa_verify"), {"otp_token": code_of(device)})
    assert client.get(reverse("results:dashboards")).status_code == 200
    mfa.mfa_reset(user=dga_staff)
    session = client.session
    session[CHECKED_AT] -= MFA_RECHECK_SECONDS
    session.save()
    assert client.get(reverse("results:dashboards"))["Location"].startswith(reverse("mfa_verify"))


def test_the_otp_device_pages_are_not_in_the_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_the_account_page_links_the_password_change_and_the_header_links_the_account(respondent):
    client = Client()
    log_in(client, respondent)
    page = client.get(reverse("account_security"))
    assert reverse("password_change") in page.text
    home = client.get("/")
    assert re.search(rf'href="{reverse("account_security")}"', home.text)


def test_a_recovery_code_does_not_slow_the_authenticator_down(dga_staff):
    device = with_authenticator(dga_staff)
    client = Client()
    log_in(client, dga_staff)
    assert client.post(reverse("mfa_verify"), {"otp_token": "notacode"}).status_code == 200
    # Right away, without waiting: the wrong recovery code counted on the recovery codes only.
    assert client.post(reverse("mfa_verify"), {"otp_token": code_of(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
