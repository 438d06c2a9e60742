"""Who may read which results.

- DGA staff: everything, unpublished years included (a preview while a year is scored).
- The award committee: every agency's results of a published year.
- An agency's own staff: their agency's results of a published year.
- Everyone else: nothing (404, so that they cannot even learn what exists).
Open data and the API serve published years only, to everyone, DGA staff included.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies import roles
from agencies.models import Agency, AgencyMembership
from surveys.models import SurveyYear


def is_published(year: SurveyYear) -> bool:
    return year.status == SurveyYear.Status.PUBLISHED


def published_years():
    return SurveyYear.objects.filter(status=SurveyYear.Status.PUBLISHED).order_by("-year")


def agency_results_visible(user, agency: Agency, year: SurveyYear) -> bool:
    if roles.is_dga_staff(user):
        return True
    if not is_published(year):
        return False
    if roles.is_committee_member(user):
        return True
    return AgencyMembership.objects.filter(user=user, agency=agency).exists()


def get_agency_results_or_404(user, *, year: int, code: str) -> tuple[SurveyYear, Agency]:
    """The year and agency of /results/<year>/<code>/ if `user` may read them; 404 otherwise."""
    survey_year = get_object_or_404(SurveyYear, year=year)
    agency = get_object_or_404(Agency.objects.select_related("ministry", "province"), code=code)
    if not agency_results_visible(user, agency, survey_year):
        raise Http404
    return survey_year, agency


def get_published_year_or_404(year: int) -> SurveyYear:
    """A published year for open data; an unpublished or unknown one is 404 for everyone."""
    return get_object_or_404(SurveyYear, year=year, status=SurveyYear.Status.PUBLISHED)


def dga_staff_required(view):
    """Anonymous users go to the login page; anyone logged in but not DGA staff gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_dga_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
