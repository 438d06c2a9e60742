"""Open data of published years, for everyone (DGA staff included: never an unpublished year):
the page that lists the years and their packages, the data dictionary, and each year's package."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .. import opendata
from ..access import get_published_year_or_404, published_years


def index(request):
    return render(
        request,
        "results/opendata/index.html",
        {"years": published_years()},
    )


def dictionary(request):
    return render(
        request,
        "results/opendata/dictionary.html",
        {"files": opendata.DATA_DICTIONARY},
    )


def package(request, year: int):
    survey_year = get_published_year_or_404(year)
    content = opendata.open_data_package(
        survey_year, source_url=request.build_absolute_uri(reverse("results:open_data"))
    )
    response = HttpResponse(content, content_type="application/zip")
    filename = opendata.package_filename(survey_year)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
