"""The published awards, open to everyone: the years, a year's winners, its exports, and each
winner's certificate. An unpublished year is a preview for DGA staff and 404 for anyone else."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from common import exports
from surveys.models import SurveyYear

from . import publication
from .models import AwardCategory, Candidate


def _get_year_for_user(request, year: int) -> SurveyYear:
    survey_year = get_object_or_404(SurveyYear, year=year)
    if not request.user.has_perm("awards.view_year", survey_year):
        raise Http404
    return survey_year


def _get_winner_for_user(request, pk: int) -> Candidate:
    """A winner of a finalised category, on its current shortlist, of a year the user may see."""
    candidate = get_object_or_404(
        Candidate.objects.select_related(
            "shortlist__category__year", "agency__province", "province"
        ),
        pk=pk,
        is_winner=True,
        shortlist__is_current=True,
        shortlist__category__status=AwardCategory.Status.FINALISED,
    )
    if not request.user.has_perm("awards.view_year", candidate.shortlist.category.year):
        raise Http404
    return candidate


def _private_if_preview(response, survey_year: SurveyYear):
    # A preview must never sit in a shared cache where the public could read it.
    if not survey_year.is_published:
        patch_cache_control(response, private=True, no_store=True)
    return response


def index(request):
    years = SurveyYear.objects.order_by("-year")
    previews = SurveyYear.objects.none()
    if request.user.has_perm("surveys.view_unpublished_year"):
        previews = years.filter(
            published_at__isnull=True, award_categories__isnull=False
        ).distinct()
    return render(
        request,
        "awards/public/index.html",
        {"published": years.filter(published_at__isnull=False), "previews": previews},
    )


def results(request, year: int):
    survey_year = _get_year_for_user(request, year)
    results = publication.year_results(survey_year)
    response = render(
        request,
        "awards/public/results.html",
        {
            "year": survey_year,
            "results": results,
            "winner_count": sum(len(result.winners) for result in results),
        },
    )
    return _private_if_preview(response, survey_year)


def export(request, year: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    survey_year = _get_year_for_user(request, year)
    columns, rows = publication.winner_columns(), publication.winner_rows(survey_year)
    if fmt == "csv":
        content = exports.rows_csv(columns, rows)
        content_type = exports.CSV_CONTENT_TYPE
    else:
        content = exports.rows_xlsx(
            columns, rows, sheet_title=str(survey_year.year), widths=publication.XLSX_WIDTHS
        )
        content_type = exports.XLSX_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    filename = publication.export_filename(survey_year, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private_if_preview(response, survey_year)


def certificate(request, pk: int):
    candidate = _get_winner_for_user(request, pk)
    winner = publication.certificate_winner(candidate)
    response = HttpResponse(publication.certificate_pdf(winner), content_type="application/pdf")
    filename = publication.certificate_filename(winner)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private_if_preview(response, candidate.shortlist.category.year)
