"""An agency's own results: the years and agencies a user may open, one agency's page, and its
printable PDF report. Access goes through results.access; reading through results.agency."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from agencies.models import AgencyMembership

from .. import agency as selectors
from ..access import get_agency_results_or_404
from ..report import agency_report_pdf, report_filename


@login_required
def index(request):
    """Respondents: their agency's published years (straight to the page when there is one).
    DGA staff and the committee: a year and an agency search."""
    if request.user.has_perm("results.search_agencies"):
        years = selectors.readable_years(request.user)
        year = _picked_year(years, request.GET.get("year"))
        search = selectors.agency_search(year, request.GET.get("q", "")) if year else None
        return render(
            request,
            "results/agency/index_staff.html",
            {"years": years, "year": year, "search": search},
        )
    membership = AgencyMembership.objects.filter(user=request.user).select_related("agency").first()
    years = selectors.member_years(membership.agency) if membership else []
    if len(years) == 1:
        return redirect("results:agency", year=years[0].year, code=membership.agency.code)
    return render(
        request,
        "results/agency/index_member.html",
        {"agency": membership.agency if membership else None, "years": years},
    )


def _picked_year(years, value):
    picked = next((year for year in years if str(year.year) == value), None)
    return picked or (years[0] if years else None)


@login_required
def agency_results(request, year, code):
    survey_year, agency = get_agency_results_or_404(request.user, year=year, code=code)
    results = selectors.agency_results(agency, survey_year, user=request.user)
    return render(
        request,
        "results/agency/results.html",
        {
            "results": results,
            "comparison_chart": selectors.comparison_chart(results),
            "history_chart": selectors.history_chart(results),
        },
    )


@login_required
def agency_report(request, year, code):
    survey_year, agency = get_agency_results_or_404(request.user, year=year, code=code)
    results = selectors.agency_results(agency, survey_year, user=request.user)
    response = HttpResponse(agency_report_pdf(results), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(results)}"'
    return response
