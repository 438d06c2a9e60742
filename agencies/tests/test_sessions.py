"""How long a login lasts (agencies/middleware.py), the e-mail address in any case at login and
password reset, and changing one's own password. Time passes by moving the session's own
timestamps back, as that much real time would have."""

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.core import mail
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from agencies.middleware import CHECKED_AT, LOGIN_AT, SEEN_AT
from agencies.models import User
from agencies.tests.factories import UserFactory

PASSWORD = "correct horse battery"  # UserFactory's
IDLE_MESSAGE = (
    "You have been logged out after %(minutes)d minutes without activity. Please log in again."
)
MAX_MESSAGE = (
    "You have been logged out: your session had lasted %(hours)d hours. Please log in again."
)


def thai(message: str, **values) -> str:
    with translation.override("th"):
        translated = translation.gettext(message)
    assert translated != message, f"No Thai for {message!r}"
    return translated % values


def logged_in(client, user) -> Client:
    client.force_login(user)
    return client


def move_back(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] -= seconds
    session.save()


def test_the_defaults_are_30_minutes_8_hours_and_12_hours():
    assert settings.SESSION_IDLE_MINUTES_STAFF == 30
    assert settings.SESSION_IDLE_MINUTES_RESPONDENT == 8 * 60
    assert settings.SESSION_MAX_HOURS == 12
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


@pytest.mark.parametrize("who", ["dga_staff", "committee_member"])
def test_staff_and_the_committee_are_logged_out_after_30_idle_minutes(who, request, client, db):
    logged_in(client, request.getfixturevalue(who))
    move_back(client, SEEN_AT, 29 * 60)
    assert client.get(reverse("account_security")).status_code == 200  # 29 minutes: still in
    move_back(client, SEEN_AT, 31 * 60)
    page = reverse("account_security")
    response = client.get(page, follow=True)
    assert response.redirect_chain[0][0] == f"{reverse('login')}?{urlencode({'next': page})}"
    assert "_auth_user_id" not in client.session
    assert thai(IDLE_MESSAGE, minutes=30) in response.text


def test_a_respondent_stays_in_for_8_idle_hours(client, respondent):
    logged_in(client, respondent)
    move_back(client, SEEN_AT, 7 * 3600)
    assert client.get(reverse("surveys:responses")).status_code == 200
    move_back(client, SEEN_AT, 8 * 3600 + 60)
    response = client.get(reverse("surveys:responses"), follow=True)
    assert "_auth_user_id" not in client.session
    assert thai(IDLE_MESSAGE, minutes=480) in response.text


def test_each_request_keeps_the_session_alive(client, dga_staff):
    logged_in(client, dga_staff)
    for _quarter in range(4):  # an hour of work, a request every 20 minutes
        move_back(client, SEEN_AT, 20 * 60)
        move_back(client, LOGIN_AT, 20 * 60)
        assert client.get(reverse("account_security")).status_code == 200


def test_any_session_ends_12_hours_after_the_login(client, respondent):
    logged_in(client, respondent)
    move_back(client, LOGIN_AT, 12 * 3600 - 60)
    assert client.get(reverse("surveys:responses")).status_code == 200
    move_back(client, LOGIN_AT, 120)
    response = client.get(reverse("surveys:responses"), follow=True)
    assert "_auth_user_id" not in client.session
    assert thai(MAX_MESSAGE, hours=12) in response.text


def test_an_htmx_request_of_an_ended_session_is_sent_to_the_login_page(client, respondent):
    logged_in(client, respondent)
    move_back(client, SEEN_AT, 9 * 3600)
    response = client.post(
        "/survey/anything/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/survey/1/dimension/FIRST/",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        f"{reverse('login')}?{urlencode({'next': '/survey/1/dimension/FIRST/'})}"
    )
    assert "_auth_user_id" not in client.session


def test_the_time_of_the_last_request_is_written_at_most_once_a_minute(client, respondent):
    logged_in(client, respondent)
    with CaptureQueriesContext(connection) as fresh:
        client.get(reverse("account_security"))
    move_back(client, SEEN_AT, 90)
    with CaptureQueriesContext(connection) as later:
        client.get(reverse("account_security"))
    assert [q["sql"] for q in fresh.captured_queries if q["sql"].startswith("UPDATE")] == []
    writes = [q["sql"] for q in later.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1
    assert "django_session" in writes[0]


# The e-mail address in any case -------------------------------------------------------------------


def test_login_takes_the_address_in_any_case(client, dga_staff):
    response = client.post(
        reverse("login"), {"username": "  Staff@DGA.Example ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == dga_staff.pk


def test_postgresql_refuses_the_same_address_in_another_case(db):
    UserFactory(email="alice@alpha.example")
    with pytest.raises(IntegrityError):
        User.objects.create(email="Alice@Alpha.example")


def test_the_lockout_counts_the_address_in_any_case(client, respondent):
    spellings = ["alice@alpha.example", "ALICE@alpha.example", "Alice@Alpha.Example"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        email = spellings[attempt % len(spellings)]
        client.post(reverse("login"), {"username": email, "password": "wrong"})
    refused = client.post(
        reverse("login"), {"username": "aLiCe@alpha.example", "password": PASSWORD}
    )
    assert refused.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "_auth_user_id" not in client.session


def test_password_reset_finds_the_address_in_any_case(client, respondent):
    client.post(reverse("password_reset"), {"email": "ALICE@Alpha.Example"})
    assert [message.to for message in mail.outbox] == [["alice@alpha.example"]]


# One's own password ------------------------------------------------------------------------------


def test_a_person_changes_their_own_password(client, respondent):
    logged_in(client, respondent)
    form = client.get(reverse("password_change"))
    assert form.status_code == 200
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a much longer passphrase",
            "new_password2": "a much longer passphrase",
        },
    )
    assert changed["Location"] == reverse("password_change_done")
    assert client.get(reverse("surveys:responses")).status_code == 200  # still logged in
    fresh = Client()
    assert fresh.login(username=respondent.email, password="a much longer passphrase")
    assert not Client().login(username=respondent.email, password=PASSWORD)


def test_a_wrong_old_password_changes_nothing(client, respondent):
    logged_in(client, respondent)
    refused = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert refused.status_code == 200
    respondent.refresh_from_db()
    assert respondent.check_password(PASSWORD)


@pytest.mark.parametrize("key", [LOGIN_AT, CHECKED_AT])
def test_a_session_ended_by_a_new_password_elsewhere_is_simply_logged_out(key, client, dga_staff):
    logged_in(client, dga_staff)
    session = client.session
    if key == LOGIN_AT:
        del session[LOGIN_AT]  # a session from before these rules
    else:
        session[CHECKED_AT] -= 3600  # due for the five-minute check
    session.save()
    dga_staff.set_password("a new password, set elsewhere")
    dga_staff.save()
    response = Client(raise_request_exception=False)
    response.cookies = client.cookies
    page = response.get(reverse("account_security"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_logged_out_receivers_are_told_why_the_session_ended(client, respondent):
    reasons = []

    def receiver(sender, request, user, **kwargs):
        reasons.append((user, getattr(request, "session_end_reason", None)))

    user_logged_out.connect(receiver)
    try:
        logged_in(client, respondent)
        move_back(client, SEEN_AT, 9 * 3600)
        client.get("/")
        logged_in(client, respondent)
        move_back(client, LOGIN_AT, 13 * 3600)
        client.get("/")
        logged_in(client, respondent)
        client.post(reverse("logout"))
    finally:
        user_logged_out.disconnect(receiver)
    assert reasons == [(respondent, "idle"), (respondent, "max_age"), (respondent, None)]
