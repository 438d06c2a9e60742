"""Who may grant roles in the user admin.

Only a superuser grants superuser, staff or committee roles, changes an account that holds one, or
sets another person's password; DGA staff manage agency people only. Nobody who is not a superuser
changes their own roles. A user is both DGA staff and on the award committee only when a superuser
ticks the box that allows it, and every change of roles is in the admin's history (LogEntry).
"""

import json

import pytest
from django import forms
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from agencies import roles
from agencies.models import AgencyMembership, User
from agencies.tests.factories import UserFactory, user_with_role

ROLE_FIELDS = {"is_superuser", "is_staff", "groups", "user_permissions"}
ALLOW_FIELD = "allow_staff_and_committee"


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@dga.example", is_superuser=True, is_staff=True)


@pytest.fixture
def other_dga_staff(db):
    return user_with_role(roles.DGA_STAFF, email="colleague@dga.example")


@pytest.fixture
def committee_chair(db):
    chair = user_with_role(roles.AWARD_COMMITTEE, email="chair@dga.example")
    chair.groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    return chair


def group_ids(*names: str) -> list[str]:
    return [str(Group.objects.get(name=name).pk) for name in names]


def change_url(user) -> str:
    return reverse("admin:agencies_user_change", args=[user.pk])


def password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def stored_roles(user) -> tuple[bool, bool, set[str], int]:
    user = User.objects.get(pk=user.pk)
    return (
        user.is_superuser,
        user.is_staff,
        set(user.groups.values_list("name", flat=True)),
        user.user_permissions.count(),
    )


def unchanged_form_data(page) -> dict:
    """What the browser sends back when the change form on `page` is saved as it stands."""
    data = {}
    forms_on_page = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms_on_page += [inline.formset.management_form, *inline.formset.forms]
    for form in forms_on_page:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, forms.MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(getattr(item, "pk", item)) for item in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)
    return data


def forged_roles() -> dict:
    """Role fields a forged POST adds, whatever the form shows."""
    all_groups = group_ids(roles.DGA_STAFF, roles.AWARD_COMMITTEE, roles.AWARD_CHAIR)
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": all_groups,
        "user_permissions": ["1", "2"],
        ALLOW_FIELD: "on",
    }


def save_change_form(client, user, **changes):
    page = client.get(change_url(user))
    assert page.status_code == 200
    return client.post(change_url(user), {**unchanged_form_data(page), **changes})


def role_log(user) -> LogEntry:
    return LogEntry.objects.filter(object_id=str(user.pk), action_flag=CHANGE).latest("pk")


# DGA staff: agency people only, and never a role


def test_dga_staff_see_no_role_fields_on_an_agency_persons_change_form(
    client, dga_staff, respondent
):
    client.force_login(dga_staff)

    page = client.get(change_url(respondent))

    fields = set(page.context["adminform"].form.fields)
    assert page.status_code == 200
    assert fields & (ROLE_FIELDS | {ALLOW_FIELD}) == set()
    assert {"email", "first_name", "last_name", "is_active"} <= fields


def test_dga_staff_see_no_role_fields_on_the_add_form(client, dga_staff):
    client.force_login(dga_staff)

    page = client.get(reverse("admin:agencies_user_add"))

    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) & (ROLE_FIELDS | {ALLOW_FIELD}) == set()


def test_a_forged_post_from_dga_staff_grants_no_role_to_an_agency_person(
    client, dga_staff, respondent
):
    client.force_login(dga_staff)

    response = save_change_form(client, respondent, first_name="สมหญิง", **forged_roles())

    assert response.status_code == 302
    assert User.objects.get(pk=respondent.pk).first_name == "สมหญิง"
    assert stored_roles(respondent) == (False, False, set(), 0)


def test_a_forged_add_from_dga_staff_creates_a_person_without_roles(client, dga_staff):
    client.force_login(dga_staff)

    response = client.post(
        reverse("admin:agencies_user_add"),
        {
            "email": "new@agency.example",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
            "membership-TOTAL_FORMS": "0",
            "membership-INITIAL_FORMS": "0",
            **forged_roles(),
        },
    )

    assert response.status_code == 302
    assert stored_roles(User.objects.get(email="new@agency.example")) == (False, False, set(), 0)


def test_dga_staff_manage_an_agency_persons_name_email_activity_and_membership(
    client, dga_staff, respondent
):
    client.force_login(dga_staff)

    response = save_change_form(
        client,
        respondent,
        first_name="สมหญิง",
        email="somying@alpha.example",
        is_active="",
        **{"membership-0-role": AgencyMembership.Role.COORDINATOR},
    )

    respondent.refresh_from_db()
    assert response.status_code == 302
    assert (respondent.first_name, respondent.email, respondent.is_active) == (
        "สมหญิง",
        "somying@alpha.example",
        False,
    )
    assert respondent.membership.role == AgencyMembership.Role.COORDINATOR


@pytest.mark.parametrize(
    "who", ["superuser", "other_dga_staff", "committee_member", "committee_chair"]
)
def test_dga_staff_only_read_an_account_that_holds_a_role(client, dga_staff, request, who):
    account = request.getfixturevalue(who)
    roles_before = stored_roles(account)
    client.force_login(dga_staff)

    page = client.get(change_url(account))
    post = client.post(change_url(account), {"email": account.email, **forged_roles()})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert stored_roles(account) == roles_before


def test_dga_staff_do_not_see_a_password_hash_on_an_account_they_only_read(
    client, dga_staff, superuser
):
    client.force_login(dga_staff)

    page = client.get(change_url(superuser))

    assert superuser.password.split("$")[-1] not in page.content.decode()


def test_dga_staff_cannot_change_their_own_roles(client, dga_staff):
    client.force_login(dga_staff)

    response = client.post(change_url(dga_staff), {"email": dga_staff.email, **forged_roles()})

    assert response.status_code == 403
    assert stored_roles(dga_staff) == (False, True, {roles.DGA_STAFF}, 0)


@pytest.mark.parametrize("whose", ["respondent", "superuser", "dga_staff"])
def test_dga_staff_set_nobodys_password_in_the_admin(client, dga_staff, request, whose):
    account = request.getfixturevalue(whose)
    client.force_login(dga_staff)

    page = client.get(password_url(account))
    post = client.post(
        password_url(account),
        {"password1": "a new secret 2569", "password2": "a new secret 2569"},
    )

    assert (page.status_code, post.status_code) == (403, 403)
    assert User.objects.get(pk=account.pk).check_password("correct horse battery")


def test_dga_staff_change_their_own_password_on_the_admins_password_page(client, dga_staff):
    client.force_login(dga_staff)

    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": "a new secret 2569",
            "new_password2": "a new secret 2569",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(pk=dga_staff.pk).check_password("a new secret 2569")


def test_dga_staff_are_not_offered_a_password_button_they_cannot_use(client, dga_staff, respondent):
    client.force_login(dga_staff)

    page = client.get(change_url(respondent))

    assert "../password/" not in page.content.decode()


# Superusers grant roles, and each grant is in the history


def test_a_superuser_sets_another_persons_password(client, superuser, respondent):
    client.force_login(superuser)

    response = client.post(
        password_url(respondent),
        {
            "usable_password": "true",
            "password1": "a new secret 2569",
            "password2": "a new secret 2569",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(pk=respondent.pk).check_password("a new secret 2569")


def test_a_superuser_grants_committee_roles_and_the_history_names_them(
    client, superuser, respondent
):
    client.force_login(superuser)

    response = save_change_form(
        client, respondent, groups=group_ids(roles.AWARD_COMMITTEE, roles.AWARD_CHAIR)
    )

    assert response.status_code == 302
    assert stored_roles(respondent) == (
        False,
        False,
        {roles.AWARD_COMMITTEE, roles.AWARD_CHAIR},
        0,
    )
    entry = role_log(respondent)
    assert entry.user == superuser
    assert {"added": {"name": "role", "object": roles.AWARD_COMMITTEE}} in json.loads(
        entry.change_message
    )
    assert {"added": {"name": "role", "object": roles.AWARD_CHAIR}} in json.loads(
        entry.change_message
    )


def test_a_role_given_ends_the_persons_sessions_so_the_next_login_asks_for_the_second_factor(
    client, superuser, respondent
):
    theirs = Client()
    theirs.force_login(respondent)
    assert theirs.get(reverse("surveys:responses")).status_code == 200
    client.force_login(superuser)

    save_change_form(client, respondent, groups=group_ids(roles.AWARD_COMMITTEE))

    assert theirs.get(reverse("surveys:responses"))["Location"].startswith(reverse("login"))
    assert client.get(change_url(respondent)).status_code == 200  # the superuser's stays


def test_saving_without_a_new_role_keeps_the_persons_session(client, superuser, respondent):
    theirs = Client()
    theirs.force_login(respondent)
    client.force_login(superuser)

    save_change_form(client, respondent, first_name="Alice")

    assert theirs.get(reverse("surveys:responses")).status_code == 200


def test_the_history_names_the_superuser_and_staff_flags_granted_and_the_roles_removed(
    client, superuser, committee_member
):
    client.force_login(superuser)

    save_change_form(client, committee_member, is_superuser="on", is_staff="on", groups=[])

    messages = json.loads(role_log(committee_member).change_message)
    assert stored_roles(committee_member) == (True, True, set(), 0)
    assert {"added": {"name": "role", "object": "superuser status"}} in messages
    assert {"added": {"name": "role", "object": "staff status"}} in messages
    assert {"deleted": {"name": "role", "object": roles.AWARD_COMMITTEE}} in messages


def test_the_history_reads_the_role_changes_in_thai(client, superuser, respondent):
    client.force_login(superuser)
    save_change_form(client, respondent, groups=group_ids(roles.AWARD_COMMITTEE))

    history = client.get(reverse("admin:agencies_user_history", args=[respondent.pk]))

    assert f"บทบาท “{roles.AWARD_COMMITTEE}”" in history.content.decode()


def test_saving_without_a_change_of_roles_logs_no_role(client, superuser, committee_member):
    client.force_login(superuser)

    save_change_form(client, committee_member, first_name="สมชาย")

    messages = json.loads(role_log(committee_member).change_message)
    assert [message for message in messages if "changed" not in message] == []


def test_dga_staff_and_committee_together_needs_a_superusers_confirmation(
    client, superuser, dga_staff
):
    client.force_login(superuser)

    refused = save_change_form(
        client, dga_staff, groups=group_ids(roles.DGA_STAFF, roles.AWARD_COMMITTEE)
    )

    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == [ALLOW_FIELD]
    assert stored_roles(dga_staff) == (False, True, {roles.DGA_STAFF}, 0)


def test_a_superuser_confirms_dga_staff_and_committee_together_and_it_is_logged(
    client, superuser, dga_staff
):
    client.force_login(superuser)
    page = client.get(change_url(dga_staff))
    assert ALLOW_FIELD in page.context["adminform"].form.fields

    response = save_change_form(
        client,
        dga_staff,
        groups=group_ids(roles.DGA_STAFF, roles.AWARD_COMMITTEE),
        **{ALLOW_FIELD: "on"},
    )

    assert response.status_code == 302
    assert stored_roles(dga_staff) == (False, True, {roles.DGA_STAFF, roles.AWARD_COMMITTEE}, 0)
    messages = json.loads(role_log(dga_staff).change_message)
    assert {"added": {"name": "role", "object": roles.AWARD_COMMITTEE}} in messages
    changed_fields = next(
        message["changed"]["fields"] for message in messages if "changed" in message
    )
    assert "Allow DGA staff and award committee together" in changed_fields


def test_a_committee_member_made_staff_also_needs_the_confirmation(
    client, superuser, committee_member
):
    client.force_login(superuser)

    refused = save_change_form(client, committee_member, is_staff="on")

    assert refused.status_code == 200
    assert stored_roles(committee_member) == (False, False, {roles.AWARD_COMMITTEE}, 0)


def test_an_account_already_allowed_both_roles_is_saved_without_asking_again(
    client, superuser, dga_staff
):
    dga_staff.groups.add(Group.objects.get(name=roles.AWARD_COMMITTEE))
    client.force_login(superuser)

    response = save_change_form(client, dga_staff, first_name="สมชาย")

    assert response.status_code == 302
    assert User.objects.get(pk=dga_staff.pk).first_name == "สมชาย"
