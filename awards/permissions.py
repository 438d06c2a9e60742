"""Who may do what with the awards.

- `awards.view_committee`: the committee's pages (its years, the shortlists, conflicts,
  nominations): members of the award committee, the chair included. Not DGA staff, who prepare
  what the committee judges, and not implied by a superuser's flag.
- `awards.vote_candidate` (a Candidate), `awards.declare_conflict` (a SurveyYear),
  `awards.nominate` (an AwardCategory): a committee member. Whether the vote may be cast (a
  conflict, a finalised category) is a rule of `services`, which says why when it may not.
- `awards.finalise_category` (an AwardCategory): the committee's chair.
- `awards.view_year` (a SurveyYear): a published year's awards are public; an unpublished year is a
  preview for DGA staff.
- `awards.publish_results`: a model permission of DGA staff (agencies.roles).
- `surveys.download_evidence` (an Evidence) is completed here: a committee member also reads the
  evidence of a submitted response whose agency is on a current shortlist of its year, unless
  conflicted (selectors.evidence_open_to_member).
"""

import rules

from agencies.permissions import is_committee_chair, is_committee_member
from surveys.permissions import download_evidence_outside_awards

from . import selectors


@rules.predicate
def year_is_published(user, year) -> bool:
    return year is not None and year.is_published


@rules.predicate
def may_preview_year(user) -> bool:
    return user.has_perm("surveys.view_unpublished_year")


@rules.predicate
def is_shortlisted_evidence(user, evidence) -> bool:
    return evidence is not None and selectors.evidence_open_to_member(user, evidence.response)


rules.add_perm("awards.view_committee", is_committee_member)
rules.add_perm("awards.vote_candidate", is_committee_member)
rules.add_perm("awards.declare_conflict", is_committee_member)
rules.add_perm("awards.nominate", is_committee_member)
rules.add_perm("awards.finalise_category", is_committee_chair)
rules.add_perm("awards.view_year", year_is_published | may_preview_year)
rules.set_perm(
    "surveys.download_evidence",
    download_evidence_outside_awards | (is_committee_member & is_shortlisted_evidence),
)
