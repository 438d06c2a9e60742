"""Who may read which results.

- `results.view_agency_results` (an AgencyYear: an agency in a survey year): DGA staff, any year
  (a preview while a year is scored); the award committee, every agency of a published year; an
  agency's own people, their agency's published years. Everyone else: nothing (the views answer
  404, so that they cannot even learn what exists).
- `results.view_dashboards`: DGA staff's dashboards and exports.
- `results.search_agencies`: DGA staff and the committee pick among every agency's results.

Open data and the API serve published years only, to everyone, DGA staff included: that is a
filter on the year (results.access.get_published_year_or_404), not a permission.
"""

from dataclasses import dataclass

import rules

from agencies.permissions import is_committee_member, is_dga_staff, is_member_of_agency


@dataclass(frozen=True)
class AgencyYear:
    agency: object  # agencies.models.Agency
    year: object  # surveys.models.SurveyYear


@rules.predicate
def year_is_published(user, agency_year) -> bool:
    return agency_year is not None and agency_year.year.is_published


@rules.predicate
def is_own_agency(user, agency_year) -> bool:
    return agency_year is not None and is_member_of_agency(user, agency_year.agency)


rules.add_perm(
    "results.view_agency_results",
    is_dga_staff | (year_is_published & (is_committee_member | is_own_agency)),
)
rules.add_perm("results.view_dashboards", is_dga_staff)
# Who picks among every agency's results (the /results/ search) rather than their own.
rules.add_perm("results.search_agencies", is_dga_staff | is_committee_member)
