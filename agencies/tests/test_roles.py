"""The staff roles come from a migration, with their permissions, and are recognised in code."""

from django.contrib.auth.models import Group

from agencies import roles


def permission_names(group_name: str, app_label: str = "agencies") -> set[str]:
    """The group's permissions on one app's models (later apps add their own)."""
    group = Group.objects.get(name=group_name)
    return {
        f"{app_label}.{codename}"
        for codename in group.permissions.filter(content_type__app_label=app_label).values_list(
            "codename", flat=True
        )
    }


def test_migration_gives_dga_staff_their_registry_permissions(db):
    assert permission_names(roles.DGA_STAFF) == {
        f"{app}.{codename}" for app, codename in roles.DGA_STAFF_PERMISSIONS
    }
    assert "agencies.change_agency" in permission_names(roles.DGA_STAFF)


def test_migration_gives_the_committee_read_only_registry_permissions(db):
    names = permission_names(roles.AWARD_COMMITTEE)
    assert names == {f"{app}.{codename}" for app, codename in roles.AWARD_COMMITTEE_PERMISSIONS}
    assert all(name.split(".")[1].startswith("view_") for name in names)


def test_roles_are_told_apart(respondent, dga_staff, committee_member, django_user_model):
    assert (roles.is_dga_staff(dga_staff), roles.is_committee_member(dga_staff)) == (True, False)
    assert (roles.is_dga_staff(committee_member), roles.is_committee_member(committee_member)) == (
        False,
        True,
    )
    assert (roles.is_dga_staff(respondent), roles.is_committee_member(respondent)) == (False, False)


def test_dga_staff_user_has_the_permissions_of_the_role(dga_staff):
    assert dga_staff.has_perm("agencies.change_agency")
    assert not dga_staff.has_perm("agencies.delete_agency")
