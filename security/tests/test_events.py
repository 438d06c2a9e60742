"""Each kind of security event, recorded by doing the real thing through the site's pages and
the admin (django-axes, the user admin, the password pages): who, from where, on which page."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import roles
from agencies.tests.test_login_protection import PASSWORD, fail_until_locked, log_in
from agencies.tests.test_user_admin_roles import group_ids, save_change_form
from security.models import SecurityEvent

Kind = SecurityEvent.Kind
LIMIT = settings.AXES_FAILURE_LIMIT


def events(kind=None):
    queryset = SecurityEvent.objects.order_by("pk")
    return list(queryset.filter(kind=kind) if kind else queryset)


def test_a_wrong_password_on_the_site_login_names_the_account_and_the_address(client, respondent):
    log_in(client, "Alice@Alpha.example", "wrong password", ip="192.0.2.7")

    (event,) = events()
    assert event.kind == Kind.LOGIN_FAILED
    assert (event.user, event.email) == (respondent, "Alice@Alpha.example")
    assert (event.ip_address, event.path) == ("192.0.2.7", reverse("login"))
    assert event.details == {"failures": 1}
    assert event.at is not None


def test_a_wrong_password_on_the_admin_login_is_recorded_too(client, dga_staff):
    log_in(client, dga_staff.email, "wrong password", url=reverse("admin:login"))

    (event,) = events(Kind.LOGIN_FAILED)
    assert (event.kind, event.user, event.path) == (
        Kind.LOGIN_FAILED,
        dga_staff,
        reverse("admin:login"),
    )


def test_a_login_for_an_unknown_address_keeps_what_was_typed(client, db):
    log_in(client, "nobody@example.org", "guess")

    (event,) = events()
    assert (event.kind, event.user, event.email) == (Kind.LOGIN_FAILED, None, "nobody@example.org")


def test_a_login_and_a_logout(client, respondent):
    log_in(client, respondent.email, PASSWORD, ip="192.0.2.8")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.8")

    assert [(e.kind, e.user, e.ip_address) for e in events()] == [
        (Kind.LOGIN_SUCCEEDED, respondent, "192.0.2.8"),
        (Kind.LOGGED_OUT, respondent, "192.0.2.8"),
    ]


def test_a_session_that_ends_by_itself_says_why(client, dga_staff):
    from agencies.middleware import SEEN_AT

    client.force_login(dga_staff)
    session = client.session
    session[SEEN_AT] -= 31 * 60
    session.save()

    client.get(reverse("home"), REMOTE_ADDR="192.0.2.5")

    (event,) = events(Kind.SESSION_EXPIRED)
    assert (event.user, event.ip_address, event.details) == (
        dga_staff,
        "192.0.2.5",
        {"reason": "idle"},
    )
    assert events(Kind.LOGGED_OUT) == []


def test_the_lockout_is_recorded_once_and_each_attempt_after_it_as_a_failure(client, respondent):
    fail_until_locked(client, respondent.email)
    log_in(client, respondent.email, PASSWORD)  # refused unchecked: the account is locked

    (locked,) = events(Kind.LOCKED_OUT)
    failed = events(Kind.LOGIN_FAILED)
    assert (locked.user, locked.ip_address, locked.details) == (
        respondent,
        "192.0.2.1",
        {"failures": LIMIT},
    )
    assert [e.details for e in failed] == [
        *({"failures": n} for n in range(1, LIMIT)),
        {"failures": LIMIT, "locked_out": True},
        {"failures": LIMIT + 1, "locked_out": True},  # each attempt starts the wait again
    ]


def test_a_superuser_lifting_a_lockout_in_the_admin_is_recorded_with_who_did_it(
    client, respondent, superuser
):
    fail_until_locked(client, respondent.email, ip="192.0.2.9")
    attempt = AccessAttempt.objects.get(username=respondent.email)
    client.force_login(superuser)

    answer = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]),
        {"post": "yes"},
        REMOTE_ADDR="198.51.100.1",
    )

    assert answer.status_code == 302
    (event,) = events(Kind.UNLOCKED)
    assert (event.user, event.email, event.ip_address) == (
        respondent,
        respondent.email,
        "198.51.100.1",
    )
    assert event.details == {
        "by": superuser.email,
        "failures": LIMIT,
        "locked_ip_address": "192.0.2.9",
    }


def test_a_successful_login_clearing_its_failures_lifts_no_lockout(client, respondent):
    log_in(client, respondent.email, "wrong password")
    log_in(client, respondent.email, PASSWORD)

    assert not AccessAttempt.objects.exists()
    assert events(Kind.UNLOCKED) == []


def test_a_password_reset_request_names_the_account(client, respondent):
    client.post(reverse("password_reset"), {"email": respondent.email}, REMOTE_ADDR="192.0.2.3")

    (event,) = events()
    assert (event.kind, event.user, event.ip_address) == (
        Kind.PASSWORD_RESET_REQUESTED,
        respondent,
        "192.0.2.3",
    )
    assert event.details == {}


def test_a_password_reset_refused_by_the_limit_says_so(client, db):
    for _request in range(settings.PASSWORD_RESET_EMAIL_LIMIT + 1):
        client.post(reverse("password_reset"), {"email": "someone@example.org"})

    assert [e.details for e in events(Kind.PASSWORD_RESET_REQUESTED)][-2:] == [
        {},
        {"refused": "too many requests"},
    ]


def test_a_superuser_setting_a_password_in_the_admin(client, respondent, superuser):
    client.force_login(superuser)
    new_password = "a new horse battery staple"

    client.post(
        reverse("admin:auth_user_password_change", args=[respondent.pk]),
        {"password1": new_password, "password2": new_password},
    )

    (event,) = events(Kind.PASSWORD_CHANGED)
    assert (event.user, event.details) == (respondent, {"by": superuser.email})
    assert event.path == reverse("admin:auth_user_password_change", args=[respondent.pk])


def test_a_stronger_hash_of_the_same_password_at_login_is_no_change(client, respondent, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]

    log_in(client, respondent.email, PASSWORD)

    respondent.refresh_from_db()
    assert respondent.password.startswith("pbkdf2_sha256$")  # Django rehashed it
    assert events(Kind.PASSWORD_CHANGED) == []


def test_saving_an_account_without_a_new_password_records_nothing(respondent):
    respondent.first_name = "Alice"
    respondent.save()

    assert events() == []


def test_a_superuser_granting_roles_in_the_user_admin(client, respondent, superuser):
    client.force_login(superuser)
    respondent.membership.delete()  # DGA staff are not an agency's people

    answer = save_change_form(client, respondent, is_staff="on", groups=group_ids(roles.DGA_STAFF))

    assert answer.status_code == 302
    changes = [(e.user, e.details) for e in events(Kind.ROLES_CHANGED) if e.user == respondent]
    assert changes == [
        (respondent, {"added": [roles.STAFF_FLAG], "by": superuser.email}),
        (respondent, {"added": [roles.DGA_STAFF], "by": superuser.email}),
    ]


def test_roles_taken_away_from_either_side_outside_the_admin(dga_staff, committee_member):
    staff_group = Group.objects.get(name=roles.DGA_STAFF)
    before = SecurityEvent.objects.order_by("pk").last().pk  # the fixtures' grants

    staff_group.user_set.remove(dga_staff)
    committee_member.groups.clear()
    dga_staff.is_staff = False
    dga_staff.save()

    changes = SecurityEvent.objects.filter(pk__gt=before).order_by("pk")
    assert [(e.kind, e.user, e.details) for e in changes] == [
        (Kind.ROLES_CHANGED, dga_staff, {"removed": [roles.DGA_STAFF]}),
        (Kind.ROLES_CHANGED, committee_member, {"removed": [roles.AWARD_COMMITTEE]}),
        (Kind.ROLES_CHANGED, dga_staff, {"removed": [roles.STAFF_FLAG]}),
    ]
    # Outside a request: no address, no path, nobody named as having done it.
    assert {(e.ip_address, e.path) for e in changes} == {(None, "")}


def test_creating_a_superuser_is_a_grant(db):
    from agencies.models import User

    root = User.objects.create_superuser(email="root2@dga.example", password="x" * 12)

    assert [(e.kind, e.user, e.details) for e in events()] == [
        (Kind.ROLES_CHANGED, root, {"added": [roles.STAFF_FLAG, roles.SUPERUSER_FLAG]})
    ]


def test_a_permission_given_to_one_account_and_taken_back(respondent):
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="view_securityevent")

    respondent.user_permissions.add(permission)
    permission.user_set.clear()

    assert [e.details for e in events(Kind.ROLES_CHANGED)] == [
        {"permissions_added": ["security.view_securityevent"]},
        {"permissions_removed": ["security.view_securityevent"]},
    ]


def test_a_refused_page_names_the_user_the_path_and_the_method(client, respondent):
    client.force_login(respondent)

    answer = client.get(reverse("results:dashboards"), REMOTE_ADDR="192.0.2.4")

    assert answer.status_code == 403
    (event,) = events(Kind.PERMISSION_REFUSED)
    assert (event.user, event.ip_address, event.path, event.details) == (
        respondent,
        "192.0.2.4",
        reverse("results:dashboards"),
        {"method": "GET"},
    )


def test_a_page_a_view_refuses_itself_is_recorded_too(client, respondent):
    """The committee's pages answer 403 with a page of their own, not PermissionDenied."""
    client.force_login(respondent)

    answer = client.get(reverse("awards:committee"))

    assert answer.status_code == 403
    (event,) = events(Kind.PERMISSION_REFUSED)
    assert (event.user, event.path) == (respondent, reverse("awards:committee"))


def test_a_forged_post_without_csrf_token_is_a_refusal(respondent):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(respondent)

    answer = client.post(reverse("logout"))

    assert answer.status_code == 403
    (event,) = events(Kind.PERMISSION_REFUSED)
    assert (event.user, event.details) == (respondent, {"method": "POST"})


def test_new_recovery_codes(client, respondent):
    """(The MFA pages themselves are in test_mfa_events.py.) Here the test client's login
    counts as having passed the second step (dgaweb/tests/mfa.py)."""
    from agencies import mfa

    TOTPDevice.objects.create(user=respondent, name=mfa.AUTHENTICATOR_NAME, confirmed=True)
    mfa.recovery_codes_generate(user=respondent)  # the first ones, made with the authenticator
    client.force_login(respondent)

    client.post(reverse("recovery_codes_regenerate"))

    first, regenerated = SecurityEvent.objects.filter(kind=Kind.RECOVERY_CODES_GENERATED)[::-1]
    assert (first.path, regenerated.path) == ("", reverse("recovery_codes_regenerate"))
    assert regenerated.user == respondent


def test_dga_staff_resetting_a_second_factor_in_the_user_admin(client, dga_staff, respondent):
    from agencies import mfa

    TOTPDevice.objects.create(user=respondent, name=mfa.AUTHENTICATOR_NAME, confirmed=True)
    mfa.recovery_codes_generate(user=respondent)
    client.force_login(dga_staff)

    client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "reset_mfa", "_selected_action": [respondent.pk]},
    )

    removed = events(Kind.MFA_DEVICE_REMOVED)
    assert [(e.user, e.details["device"], e.details["by"]) for e in removed] == [
        (respondent, "totpdevice", dga_staff.email),
        (respondent, "staticdevice", dga_staff.email),
    ]
