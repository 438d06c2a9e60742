"""The two staff roles. Their groups and permissions are created by migration 0002_roles.

A respondent is not a group: it is an AgencyMembership, which ties the person to one agency.
"""

DGA_STAFF = "DGA staff"
AWARD_COMMITTEE = "Award committee"
# The committee's chair is also in AWARD_COMMITTEE; only the chair finalises a category.
AWARD_CHAIR = "Award committee chair"

# Permissions granted to each role, as (app_label, codename). Later apps add theirs in their own
# migrations through grant_permissions().
DGA_STAFF_PERMISSIONS = [
    ("agencies", f"{action}_{model}")
    for model in (
        "province",
        "ministry",
        "provincialunittype",
        "agency",
        "agencymembership",
        "user",
    )
    for action in ("view", "add", "change")
]
AWARD_COMMITTEE_PERMISSIONS = [
    ("agencies", f"view_{model}")
    for model in ("province", "ministry", "provincialunittype", "agency")
]


def _in_group(user, group_name: str) -> bool:
    if not user.is_authenticated:
        return False
    # One query per request at most: the names are cached on the user object.
    if not hasattr(user, "_dgaweb_group_names"):
        user._dgaweb_group_names = set(user.groups.values_list("name", flat=True))
    return group_name in user._dgaweb_group_names


def is_dga_staff(user) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, DGA_STAFF))


def is_committee_member(user) -> bool:
    return _in_group(user, AWARD_COMMITTEE)


def is_committee_chair(user) -> bool:
    return _in_group(user, AWARD_COMMITTEE) and _in_group(user, AWARD_CHAIR)


# The two flags on the account, named as roles beside the group names, as the admin's history
# records them (Django's own names for the two fields).
SUPERUSER_FLAG = "superuser status"
STAFF_FLAG = "staff status"


def account_roles(user) -> frozenset[str]:
    """The roles an account holds: its groups' names, and the two flags by the names above.

    Read from the database each time (not the per-request cache of `_in_group`), so that it can
    be compared before and after a change.
    """
    names = set(user.groups.values_list("name", flat=True)) if user.pk else set()
    if user.is_superuser:
        names.add(SUPERUSER_FLAG)
    if user.is_staff:
        names.add(STAFF_FLAG)
    return frozenset(names)


def holds_a_role(user) -> bool:
    """Whether the account is more than an agency person's: a superuser, staff (into the admin),
    in any group, or holding a permission of its own."""
    return bool(account_roles(user)) or (bool(user.pk) and user.user_permissions.exists())


def may_change_account(user, account) -> bool:
    """Only a superuser changes an account that holds a role, their own included: DGA staff
    manage agency people (respondents and coordinators) only."""
    return user.is_superuser or not holds_a_role(account)


def is_staff_and_committee(role_names) -> bool:
    """Whether the roles put one person on both sides: DGA staff (or a superuser, or anyone let
    into the admin) and the award committee, which judges what DGA staff prepare.

    Only a superuser's explicit confirmation allows it.
    """
    staff_side = {SUPERUSER_FLAG, STAFF_FLAG, DGA_STAFF} & set(role_names)
    committee_side = {AWARD_COMMITTEE, AWARD_CHAIR} & set(role_names)
    return bool(staff_side and committee_side)


def committee_members():
    """Every active member of the award committee, the chair included: the people who vote."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name=AWARD_COMMITTEE)


def grant_permissions(apps, group_name: str, permissions: list[tuple[str, str]]) -> None:
    """Create the group if needed and give it the permissions; for use inside data migrations.

    Permissions are normally created after `migrate` finishes, so they are created here first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for app_label, codename in permissions:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        group.permissions.add(permission)
