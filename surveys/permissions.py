"""Who may do what with a survey year's responses, answers and evidence.

- `surveys.change_answer` (a Response): its agency's own people work on it: the dashboard, the
  dimension pages, autosave, evidence, review and submit. Whether the response may still change
  (the deadline, its status) is a rule of `services`, which says why when it may not. DGA staff
  read responses in the admin and the results, never through the respondent's pages; a
  superuser's flag does not imply it either (agencies.permissions.ROLE_BOUND).
- `surveys.remove_evidence` (an Evidence): as `surveys.change_answer`, on the evidence's response.
- `surveys.view_response` (a Response): its agency's own people and DGA staff.
- `surveys.download_evidence` (an Evidence): its agency's own people and DGA staff; the award
  committee's part (agencies on the current shortlists) is added in awards/permissions.py, which
  knows the shortlists.
- `surveys.view_unpublished_year`: DGA staff see scored years before publication (previews of the
  results and awards); everyone else sees published years only.
"""

import rules

from agencies.permissions import is_dga_staff, is_member_of_agency


@rules.predicate
def is_a_response(user, response) -> bool:
    return response is not None


@rules.predicate
def is_own_response(user, response) -> bool:
    return response is not None and is_member_of_agency(user, response.agency)


@rules.predicate
def is_own_evidence(user, evidence) -> bool:
    return evidence is not None and is_own_response(user, evidence.response)


rules.add_perm("surveys.change_answer", is_own_response)
rules.add_perm("surveys.remove_evidence", is_own_evidence)
# Without an object this is the admin's model permission, which ModelBackend answers alone.
rules.add_perm("surveys.view_response", is_a_response & (is_dga_staff | is_own_response))
# Completed with the committee's rule in awards/permissions.py.
download_evidence_outside_awards = is_dga_staff | is_own_evidence
rules.add_perm("surveys.download_evidence", download_evidence_outside_awards)
rules.add_perm("surveys.view_unpublished_year", is_dga_staff)
