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
