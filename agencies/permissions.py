"""The role predicates every app's rules build on, and who may change whose account.

Predicates are django-rules predicates (`rules.predicate`): they combine with `&`, `|` and `~`
and are registered as permissions with `rules.add_perm`, so that code asks
`user.has_perm("agencies.change_account", account)` and never tests a group name itself.

Django's `has_perm` answers True to an active superuser for every permission, except those in
`ROLE_BOUND` (see agencies.models.User.has_perm): answering for an agency, voting and deciding
on awards belong to the people who hold those roles, never to an administrator's flag.
"""

import rules

from . import roles
from .models import AgencyMembership


@rules.predicate
def is_dga_staff(user) -> bool:
    """DGA staff, or a superuser (who runs the admin too)."""
    return user.is_authenticated and (
        user.is_superuser or roles.DGA_STAFF in roles.group_names(user)
    )


@rules.predicate
def is_committee_member(user) -> bool:
    return roles.AWARD_COMMITTEE in roles.group_names(user)


@rules.predicate
def is_committee_chair(user) -> bool:
    return {roles.AWARD_COMMITTEE, roles.AWARD_CHAIR} <= roles.group_names(user)


def agency_id_of(user) -> int | None:
    """The id of the agency the user answers for, or None. Read once for the life of the user
    object (a request's `request.user` lives for that request only)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_dgaweb_agency_id"):
        user._dgaweb_agency_id = (
            AgencyMembership.objects.filter(user=user).values_list("agency_id", flat=True).first()
        )
    return user._dgaweb_agency_id


@rules.predicate
def is_member_of_agency(user, agency) -> bool:
    """A coordinator or respondent of `agency` (an Agency)."""
    return agency is not None and agency_id_of(user) == agency.pk


@rules.predicate
def account_holds_no_role(user, account) -> bool:
    """The account is an agency person's only: no flag, group or permission of its own."""
    return account is None or not roles.holds_a_role(account)


# Only a superuser grants or removes a role (superuser, staff, a group, a permission).
rules.add_perm("agencies.grant_roles", rules.is_superuser)
# Only a superuser sets another person's password in the admin (everyone changes their own).
rules.add_perm("agencies.set_password", rules.is_superuser)
# Only a superuser changes (or deletes, or sets the password of) an account that holds a role,
# their own included; DGA staff manage agency people only.
rules.add_perm(
    "agencies.change_account", rules.is_superuser | (is_dga_staff & account_holds_no_role)
)

# Permissions that a superuser's flag does not imply: only the people who hold the role do this.
ROLE_BOUND = frozenset(
    {
        "surveys.change_answer",  # answering for an agency: its own people only
        "surveys.remove_evidence",
        "awards.view_committee",  # the committee's pages, votes, conflicts and nominations
        "awards.vote_candidate",
        "awards.declare_conflict",
        "awards.nominate",
        "awards.finalise_category",  # the chair only
    }
)
