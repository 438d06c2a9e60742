"""The one table of roles: the groups hold exactly its permissions after migrate, whatever was
granted by hand before; the role predicates tell the roles apart."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from agencies import permissions, roles
from agencies.tests.factories import UserFactory


def group_permissions(name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.parametrize("name", [roles.DGA_STAFF, roles.AWARD_COMMITTEE, roles.AWARD_CHAIR])
def test_each_group_holds_exactly_the_permissions_of_the_table(db, name):
    assert group_permissions(name) == roles.GROUP_PERMISSIONS[name]


def test_the_committee_only_reads(db):
    assert all(".view_" in name for name in group_permissions(roles.AWARD_COMMITTEE))
    assert group_permissions(roles.AWARD_CHAIR) == set()


def test_migrate_puts_back_the_table_over_what_was_granted_by_hand(db):
    staff = Group.objects.get(name=roles.DGA_STAFF)
    staff.permissions.add(Permission.objects.get(codename="delete_agency"))
    staff.permissions.remove(Permission.objects.get(codename="publish_results"))
    Group.objects.get(name=roles.AWARD_CHAIR).delete()

    call_command("migrate", verbosity=0)

    assert group_permissions(roles.DGA_STAFF) == roles.GROUP_PERMISSIONS[roles.DGA_STAFF]
    assert Group.objects.filter(name=roles.AWARD_CHAIR).exists()


def test_a_permission_the_table_names_but_no_model_declares_is_an_error(db, monkeypatch):
    table = {**roles.GROUP_PERMISSIONS, roles.DGA_STAFF: frozenset({"surveys.fly_away"})}
    monkeypatch.setattr(roles, "GROUP_PERMISSIONS", table)
    with pytest.raises(LookupError, match=r"surveys\.fly_away"):
        roles.sync_roles()


def test_no_migration_imports_the_live_roles():
    """The roles' history is the table's, not five migrations' that import live code."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    importing = [
        str(path.relative_to(root))
        for path in root.glob("*/migrations/*.py")
        if re.search(
            r"^\s*(from agencies import roles|from agencies\.roles import|import agencies\.roles)",
            path.read_text(),
            re.M,
        )
    ]
    assert importing == []


def test_role_predicates_tell_the_roles_apart(respondent, dga_staff, committee_member):
    def kinds(user):
        return (
            permissions.is_dga_staff(user),
            permissions.is_committee_member(user),
            permissions.is_committee_chair(user),
        )

    chair = UserFactory(email="chair@dga.example")
    chair.groups.add(*Group.objects.filter(name__in=[roles.AWARD_COMMITTEE, roles.AWARD_CHAIR]))
    root = UserFactory(email="root@dga.example", is_superuser=True, is_staff=True)
    assert kinds(dga_staff) == (True, False, False)
    assert kinds(committee_member) == (False, True, False)
    assert kinds(chair) == (False, True, True)
    assert kinds(respondent) == (False, False, False)
    assert kinds(root) == (True, False, False)


def test_a_superusers_flag_does_not_make_them_a_voter_or_a_respondent(db, respondent):
    from surveys.tests.factories import ResponseFactory

    root = UserFactory(email="root@dga.example", is_superuser=True, is_staff=True)
    response = ResponseFactory(agency=respondent.membership.agency)
    assert root.has_perm("agencies.delete_agency")  # the admin's: all of them
    for name in permissions.ROLE_BOUND:
        # Neither as a model permission (Answer's own "change_answer" among them) nor on an object.
        assert not root.has_perm(name), name
    assert not root.has_perm("surveys.change_answer", response)
    assert respondent.has_perm("surveys.change_answer", response)


def test_dga_staff_user_has_the_permissions_of_the_role(dga_staff):
    assert dga_staff.has_perm("agencies.change_agency")
    assert not dga_staff.has_perm("agencies.delete_agency")
