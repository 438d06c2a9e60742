"""DGA staff's dashboards of a year, and its exports: the fieldwork while the year is open (its
figures refresh every 30 seconds through htmx) and the results once it is scored. DGA staff only,
unpublished years included: anonymous users go to the login page, everyone else gets 403.
Reading happens in results.dashboards, the files in results.resources."""

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from surveys.models import SurveyYear, localized
from surveys.selectors import dimensions_of

from .. import dashboards as selectors
from ..access import dashboards_required, is_published
from ..resources import (
    FORMATS,
    FieldworkResource,
    YearResultsResource,
    content_type,
    export_file,
    fieldwork_filename,
    results_filename,
)

CHASE_PAGE_SIZE = 50


@dashboards_required
def index(request):
    """The survey years, each with the dashboards that apply to it."""
    return render(
        request, "results/dashboards/index.html", {"years": selectors.years_with_dashboards()}
    )


class FieldworkFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), required=False)
    ministry = forms.ChoiceField(label=_("Ministry"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data, *, ministries, provinces):
        super().__init__(data)
        anything = [("", _("Any"))]
        self.fields["level"].choices = anything + Agency.Level.choices
        self.fields["ministry"].choices = anything + [
            (m.code, localized(m.name_th, m.name_en)) for m in ministries
        ]
        self.fields["province"].choices = anything + [
            (p.code, localized(p.name_th, p.name_en)) for p in provinces
        ]
        self.fields["status"].choices = [
            (selectors.STATUS_TO_CHASE, _("To chase (not submitted)")),
            *selectors.FieldworkStatus.choices,
            (selectors.STATUS_ALL, _("All invited agencies")),
        ]

    def filters(self) -> selectors.FieldworkFilters:
        """The valid filters; an unknown value is ignored rather than an error."""
        self.is_valid()
        cleaned = {name: self.cleaned_data.get(name) for name in self.fields}
        return selectors.FieldworkFilters(
            **{name: value for name, value in cleaned.items() if value is not None}
        )


def _fieldwork_context(request, year: int) -> dict:
    survey_year = get_object_or_404(SurveyYear, year=year)
    form = FieldworkFilterForm(
        request.GET,
        ministries=selectors.ministry_options(),
        provinces=selectors.province_options(),
    )
    dashboard = selectors.fieldwork_dashboard(survey_year, form.filters())
    page = Paginator(dashboard.chase, CHASE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "year": survey_year,
        "dashboard": dashboard,
        "form": form,
        "page": page,
        "chase_rows": [selectors.ChaseRow(response) for response in page.object_list],
        "query": query.urlencode(),
        "live": survey_year.status == SurveyYear.Status.OPEN,
    }


@dashboards_required
def fieldwork(request, year: int):
    """Invited, started and submitted, overall and by level, ministry and province, and the list
    of agencies to chase, with filters; refreshed every 30 seconds while the year is open."""
    return render(request, "results/dashboards/fieldwork.html", _fieldwork_context(request, year))


@dashboards_required
def fieldwork_live(request, year: int):
    """The fieldwork page's figures, charts and chase list, for htmx to swap in."""
    return render(
        request, "results/dashboards/_fieldwork_live.html", _fieldwork_context(request, year)
    )


def _file_response(data: bytes, *, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type(fmt))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dashboards_required
def fieldwork_export(request, year: int, fmt: str):
    """The fieldwork list as XLSX or CSV, with the page's filters (the chase list by default,
    everyone invited with status=all)."""
    if fmt not in FORMATS:
        raise Http404
    survey_year = get_object_or_404(SurveyYear, year=year)
    form = FieldworkFilterForm(
        request.GET,
        ministries=selectors.ministry_options(),
        provinces=selectors.province_options(),
    )
    responses = selectors.fieldwork_responses(survey_year, form.filters())
    data = export_file(FieldworkResource(), fmt, responses)
    return _file_response(data, fmt=fmt, filename=fieldwork_filename(survey_year, fmt))


def _scored_year_or_404(year: int):
    survey_year = get_object_or_404(SurveyYear, year=year)
    run = selectors.current_run(survey_year)
    if run is None:
        raise Http404
    return survey_year, run


@dashboards_required
def results(request, year: int):
    """The results of a scored or published year's current run."""
    survey_year, run = _scored_year_or_404(year)
    return render(
        request,
        "results/dashboards/results.html",
        {
            "year": survey_year,
            "dashboard": selectors.results_dashboard(survey_year, run),
            "published": is_published(survey_year),
            "bin_labels": selectors.BIN_LABELS,
        },
    )


@dashboards_required
def results_export(request, year: int, fmt: str):
    """All results of the year as XLSX or CSV: one row per scored agency."""
    if fmt not in FORMATS:
        raise Http404
    survey_year, run = _scored_year_or_404(year)
    dimensions = dimensions_of(survey_year)
    data = export_file(YearResultsResource(run=run, dimensions=dimensions), fmt)
    return _file_response(data, fmt=fmt, filename=results_filename(survey_year, fmt))
