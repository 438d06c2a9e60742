"""Finding what the results pages show, for whom: the rules themselves are in
results/permissions.py (who may read which agency's results, the dashboards)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies.models import Agency
from surveys.models import SurveyYear

from .permissions import AgencyYear


def is_published(year: SurveyYear) -> bool:
    return year.status == SurveyYear.Status.PUBLISHED


def published_years():
    return SurveyYear.objects.filter(status=SurveyYear.Status.PUBLISHED).order_by("-year")


def get_agency_results_or_404(user, *, year: int, code: str) -> tuple[SurveyYear, Agency]:
    """The year and agency of /results/<year>/<code>/ if `user` may read them; 404 otherwise."""
    survey_year = get_object_or_404(SurveyYear, year=year)
    agency = get_object_or_404(Agency.objects.select_related("ministry", "province"), code=code)
    if not user.has_perm("results.view_agency_results", AgencyYear(agency, survey_year)):
        raise Http404
    return survey_year, agency


def get_published_year_or_404(year: int) -> SurveyYear:
    """A published year for open data; an unpublished or unknown one is 404 for everyone."""
    return get_object_or_404(SurveyYear, year=year, status=SurveyYear.Status.PUBLISHED)


def dashboards_required(view):
    """Anonymous users go to the login page; anyone logged in without `results.view_dashboards`
    (DGA staff's) gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("results.view_dashboards"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
