"""Brute-force protection: the login lockout on both login pages (django-axes) and the limit on
password-reset e-mails, through the real views, database and cache."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.module_loading import import_string

from agencies.ratelimits import client_ip_address
from agencies.tests.factories import UserFactory

PASSWORD = "correct horse battery"  # UserFactory's
LIMIT = settings.AXES_FAILURE_LIMIT
LOCKOUT = settings.AXES_COOLOFF_TIME
MONDAY_9AM = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok


def log_in(client, email, password, *, url=None, ip="192.0.2.1"):
    return client.post(
        url or reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def fail_until_locked(client, email, *, url=None, ip="192.0.2.1"):
    """Post wrong passwords up to the limit; return the last answer."""
    for _attempt in range(LIMIT):
        result = log_in(client, email, "wrong password", url=url, ip=ip)
    return result


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def lockout_text(language: str) -> str:
    minutes = int(LOCKOUT.total_seconds() // 60)
    with translation.override(language):
        return translation.ngettext(
            "The wrong password was entered too many times, so this account is locked for "
            "%(minutes)s minute. Each new attempt before then starts the wait again.",
            "The wrong password was entered too many times, so this account is locked for "
            "%(minutes)s minutes. Each new attempt before then starts the wait again.",
            minutes,
        ) % {"minutes": minutes}


def test_lockout_is_per_account_and_address_5_failures_15_minutes_by_default():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    # Production's backends and middleware pass axes' system checks: see test_settings.py.
    assert issubclass(import_string(settings.AUTHENTICATION_BACKENDS[0]), AxesStandaloneBackend)
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_wrong_passwords_below_the_limit_get_the_login_form(client, respondent):
    for _attempt in range(LIMIT - 1):
        result = log_in(client, respondent.email, "wrong password")
        assert result.status_code == 200
        assert result.context["form"].errors


def test_site_login_refuses_even_the_right_password_after_the_limit_in_thai(client, respondent):
    last_failure = fail_until_locked(client, respondent.email)

    result = log_in(client, respondent.email, PASSWORD)

    assert last_failure.status_code == 429
    assert result.status_code == 429
    assert not is_logged_in(client)
    page = result.content.decode()
    assert result["Content-Language"] == "th"
    assert '<html lang="th">' in page
    assert lockout_text("th") in page
    assert "ลืมรหัสผ่าน?" in page  # "Forgotten your password?", a link to reset it
    assert settings.SUPPORT_EMAIL in page


def test_lockout_page_is_in_english_with_the_language_cookie(respondent):
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    fail_until_locked(english, respondent.email)

    result = log_in(english, respondent.email, PASSWORD)

    assert result.status_code == 429
    assert result["Content-Language"] == "en"
    page = result.content.decode()
    assert "Account locked" in page
    assert (
        "this account is locked for 15 minutes. Each new attempt before then starts the wait "
        "again." in page
    )
    assert f'<a href="mailto:{settings.SUPPORT_EMAIL}">' in page


def test_admin_login_refuses_the_right_password_after_the_limit(client, dga_staff):
    admin_login = reverse("admin:login")
    fail_until_locked(client, dga_staff.email, url=admin_login)

    result = log_in(client, dga_staff.email, PASSWORD, url=admin_login)

    assert result.status_code == 429
    assert lockout_text("th") in result.content.decode()
    assert not is_logged_in(client)


def test_failures_on_both_login_pages_count_together(client, dga_staff):
    for attempt in range(LIMIT):
        url = reverse("admin:login") if attempt % 2 else reverse("login")
        log_in(client, dga_staff.email, "wrong password", url=url)

    assert log_in(client, dga_staff.email, PASSWORD).status_code == 429


def test_login_works_again_once_the_lockout_is_over(client, respondent):
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        fail_until_locked(client, respondent.email)
        clock.shift(LOCKOUT - timedelta(seconds=1))
        assert log_in(client, respondent.email, PASSWORD).status_code == 429

        clock.shift(LOCKOUT + timedelta(seconds=1))
        result = log_in(client, respondent.email, PASSWORD)
        logged_in = is_logged_in(client)  # while the session, made at the travelled time, lasts

    assert result.status_code == 302
    assert logged_in


def test_an_attempt_during_the_lockout_starts_the_wait_again(client, respondent):
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        fail_until_locked(client, respondent.email)
        clock.shift(timedelta(minutes=10))
        log_in(client, respondent.email, "another guess")
        clock.shift(LOCKOUT - timedelta(minutes=5))
        assert log_in(client, respondent.email, PASSWORD).status_code == 429

        clock.shift(LOCKOUT + timedelta(seconds=1))
        assert log_in(client, respondent.email, PASSWORD).status_code == 302


def test_another_user_on_the_same_address_is_not_locked(client, respondent, other_respondent):
    fail_until_locked(client, respondent.email)

    result = log_in(client, other_respondent.email, PASSWORD)

    assert result.status_code == 302
    assert is_logged_in(client)


def test_the_same_user_from_another_address_is_not_locked(client, respondent):
    fail_until_locked(client, respondent.email, ip="192.0.2.1")

    result = log_in(client, respondent.email, PASSWORD, ip="198.51.100.7")

    assert result.status_code == 302


def test_a_successful_login_starts_the_count_again(client, respondent):
    for _attempt in range(LIMIT - 1):
        log_in(client, respondent.email, "wrong password")
    assert log_in(client, respondent.email, PASSWORD).status_code == 302
    client.logout()

    for _attempt in range(LIMIT - 1):
        log_in(client, respondent.email, "wrong password")
    result = log_in(client, respondent.email, PASSWORD)

    assert result.status_code == 302


@pytest.mark.parametrize("who", ["superuser", "dga_staff"])
def test_superusers_and_dga_staff_see_the_lockout_in_the_admin_and_lift_it(
    client, respondent, dga_staff, who
):
    fail_until_locked(client, respondent.email)
    attempt = AccessAttempt.objects.get(username=respondent.email)
    admin = Client()
    admin.force_login(
        dga_staff
        if who == "dga_staff"
        else UserFactory(email="root@dga.example", is_staff=True, is_superuser=True)
    )

    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert respondent.email in listing.content.decode()
    assert deleted.status_code == 302
    assert log_in(client, respondent.email, PASSWORD).status_code == 302


def test_dga_staff_do_not_unlock_an_account_that_holds_a_role(client, dga_staff, committee_member):
    fail_until_locked(client, committee_member.email)
    attempt = AccessAttempt.objects.get(username=committee_member.email)
    admin = Client()
    admin.force_login(dga_staff)

    refused = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert refused.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_setting_a_new_password_lifts_the_lockout(client, respondent):
    fail_until_locked(client, respondent.email)
    link = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(respondent.pk)),
            default_token_generator.make_token(respondent),
        ],
    )
    form = client.get(link, follow=True)

    saved = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "ต้มยำกุ้ง-2569-ใหม่", "new_password2": "ต้มยำกุ้ง-2569-ใหม่"},
    )

    assert saved.status_code == 302
    assert log_in(client, respondent.email, "ต้มยำกุ้ง-2569-ใหม่").status_code == 302


def test_client_login_in_tests_still_works(client, respondent):
    assert client.login(username=respondent.email, password=PASSWORD)


# Password reset. The counters live in the session's own cache keys and hour buckets; each test
# uses addresses of its own so that the tests do not share counts.


def ask_reset(client, email, *, ip):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_sends_at_most_the_limit_per_address_an_hour(client, db):
    UserFactory(email="carol@charlie.example")
    limit = settings.PASSWORD_RESET_EMAIL_LIMIT

    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        answers = [
            ask_reset(client, "carol@charlie.example", ip=f"203.0.113.{n}")
            for n in range(limit + 2)
        ]
        # Another case and spaces are the same address.
        answers.append(ask_reset(client, " Carol@Charlie.example ", ip="203.0.113.99"))
        sent_in_the_hour = len(mail.outbox)
        clock.shift(timedelta(hours=1))
        ask_reset(client, "carol@charlie.example", ip="203.0.113.1")

    assert sent_in_the_hour == limit
    assert len(mail.outbox) == limit + 1
    # A refused request gets the very answer an allowed one gets.
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_password_reset_sends_at_most_the_limit_per_client_address_an_hour(client, db):
    limit = settings.PASSWORD_RESET_IP_LIMIT
    for n in range(limit + 1):
        UserFactory(email=f"dave{n}@delta.example")

    with time_machine.travel(MONDAY_9AM, tick=False):
        answers = [
            ask_reset(client, f"dave{n}@delta.example", ip="203.0.113.200")
            for n in range(limit + 1)
        ]

    assert len(mail.outbox) == limit
    assert answers[-1].status_code == 302
    assert answers[-1]["Location"] == reverse("password_reset_done")


def test_requests_for_unknown_addresses_count_too(client, db):
    UserFactory(email="erin@echo.example")
    limit = settings.PASSWORD_RESET_IP_LIMIT

    with time_machine.travel(MONDAY_9AM, tick=False):
        for n in range(limit):
            ask_reset(client, f"nobody{n}@echo.example", ip="203.0.113.201")
        ask_reset(client, "erin@echo.example", ip="203.0.113.201")

    assert mail.outbox == []


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),
        (1, "198.51.100.9", "198.51.100.9"),
        # What the client wrote itself, on the left, is not believed.
        (1, "1.2.3.4, 198.51.100.9", "198.51.100.9"),
        (2, "1.2.3.4, 198.51.100.9, 10.0.0.3", "198.51.100.9"),
        # Fewer hops than proxies: the header is not what the proxies would send.
        (2, "198.51.100.9", "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    rf, settings, proxies, forwarded_for, expected
):
    settings.REVERSE_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip_address(request) == expected
