"""Who is who: the roles, and the one table of what each group role may do in the admin.

dgaweb's six roles:

- **Superuser** (a flag on the account): everything in the admin; the only one who grants roles.
- **DGA staff** (group): runs the survey years, the registry, scoring and the awards in the admin.
- **Award committee** (group): reviews the shortlists, votes, declares conflicts, nominates.
- **Award committee chair** (group, with the committee's): finalises a category.
- **Agency coordinator** and **agency respondent**: not groups. An AgencyMembership ties the person
  to one agency (its role says which of the two); what they may do with their agency's data is
  decided by the object rules.

`GROUP_PERMISSIONS` below is the table of the three groups' model permissions (what the admin
checks). `sync_roles()` makes each group hold exactly these after every `migrate` (a post_migrate
receiver, see agencies/apps.py): a permission added to or removed from the table is added to or
removed from the group, and a permission granted by hand to a group is taken away again.

Object rules (which response, which candidate, which year) are django-rules predicates in each
app's `permissions.py`, built on the role predicates of agencies/permissions.py. Code asks
`user.has_perm("app.permission", obj)`; only this module and agencies/permissions.py know the
groups' names.
"""

from django.db import DEFAULT_DB_ALIAS

DGA_STAFF = "DGA staff"
AWARD_COMMITTEE = "Award committee"
# The committee's chair is also in AWARD_COMMITTEE; only the chair finalises a category.
AWARD_CHAIR = "Award committee chair"


def _each(app_label: str, actions: str, *models: str) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions.split()]


REGISTRY = ("province", "ministry", "provincialunittype", "agency")
QUESTIONNAIRE = ("dimension", "question", "option", "scoringband")

GROUP_PERMISSIONS: dict[str, frozenset[str]] = {
    DGA_STAFF: frozenset(
        # The registry and the agencies' people (accounts that hold a role are a superuser's:
        # the object rule agencies.change_account).
        _each("agencies", "view add change", *REGISTRY, "agencymembership", "user")
        # The survey year and its questionnaire; invitations are responses.
        + _each("surveys", "view add change", "surveyyear", *QUESTIONNAIRE, "response")
        + _each("surveys", "delete", *QUESTIONNAIRE)
        + _each("surveys", "view", "answer", "evidence", "yeartransition")
        # Scoring: every run, score and aggregate; a recompute is a new run.
        + _each("surveys", "view", "scoringrun", "scoringchunk", "responsescore", "groupscore")
        + ["surveys.add_scoringrun"]
        # The awards: categories, the committee's work read-only, the audit record, publication.
        + _each("awards", "view add change", "awardcategory")
        + _each(
            "awards",
            "view",
            "shortlist",
            "candidate",
            "exclusion",
            "vote",
            "conflictofinterest",
            "auditentry",
        )
        + ["awards.publish_results"]
        # DGA's recommendations to groups of agencies.
        + _each("results", "view add change delete", "recommendation")
        # The security event log, read-only for everyone (security/admin.py).
        + ["security.view_securityevent"]
        # django-axes' lock-outs: read them, and delete one to unlock the account at once.
        + _each("axes", "view", "accessattempt", "accessfailurelog")
        + ["axes.delete_accessattempt"]
    ),
    # The committee works in its own pages, not the admin: these let it read the registry.
    AWARD_COMMITTEE: frozenset([*_each("agencies", "view", *REGISTRY), "surveys.view_surveyyear"]),
    AWARD_CHAIR: frozenset(),
}


def sync_roles(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Give each group of GROUP_PERMISSIONS exactly its permissions, creating what is missing.

    Runs after every `migrate` (and `flush`). A permission named in the table that no model
    declares is an error, so a typo cannot silently leave a role without a right.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # Django creates each app's permissions in that app's own post_migrate turn; the table
    # names every app's, so all of them are created first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    known = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for name, permissions in GROUP_PERMISSIONS.items():
        unknown = sorted(permissions - known.keys())
        if unknown:
            raise LookupError(f"agencies.roles names permissions no model declares: {unknown}")
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([known[permission] for permission in permissions])


def sync_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    sync_roles(using=using)


# The two flags on the account, named as roles beside the group names, as the admin's history
# records them (Django's own names for the two fields).
SUPERUSER_FLAG = "superuser status"
STAFF_FLAG = "staff status"


def account_roles(user) -> frozenset[str]:
    """The roles an account holds: its groups' names, and the two flags by the names above.

    Read from the database each time (not the per-request cache of the role predicates), so
    that it can be compared before and after a change.
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


def group_names(user) -> frozenset[str]:
    """The names of the user's groups, read once for the life of the user object (a request's
    `request.user` lives for that request only)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_dgaweb_group_names"):
        user._dgaweb_group_names = frozenset(user.groups.values_list("name", flat=True))
    return user._dgaweb_group_names
