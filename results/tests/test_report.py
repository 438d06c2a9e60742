"""The PDF report of an agency's results: the same people as the page may download it, it holds
the same numbers (those of the current run), and it costs the same queries at any size."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from results.models import Recommendation
from surveys.models import GroupScore, SurveyYear

from .conftest import YEAR
from .test_agency import sized_years


def report_url(agency, year=YEAR):
    return reverse("results:agency_report", args=[year, agency.code])


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def thai_pattern(text: str) -> str:
    # fpdf2 leaves one unmapped glyph after SARA AM (ำ) in the text layer.
    return re.escape(text).replace("ำ", "ำ.?")


def test_anonymous_is_sent_to_login(client, published):
    response = client.get(report_url(published.a))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_agencys_report_is_404(client, published, member_of):
    client.force_login(member_of(published.a))

    assert client.get(report_url(published.b)).status_code == 404


def test_an_unpublished_years_report_is_404_outside_dga_staff(
    client, published, member_of, committee_member
):
    SurveyYear.objects.filter(year=YEAR).update(
        status=SurveyYear.Status.SCORED, published_at=None, published_by=None
    )
    for user in (member_of(published.a), committee_member):
        client.force_login(user)
        assert client.get(report_url(published.a)).status_code == 404


def test_the_report_is_a_pdf_with_the_agencys_numbers(client, published, member_of):
    a = published.a
    Recommendation.objects.create(
        year=published.year, scope="ministry", key=published.m1.code, text_th="ควรเชื่อมโยงข้อมูล"
    )
    client.force_login(member_of(a))

    response = client.get(report_url(a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="dga-results-{a.code}-{YEAR}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    national = GroupScore.objects.get(run__year__year=YEAR, run__is_current=True, scope="national")
    ministry = GroupScore.objects.get(
        run__year__year=YEAR, run__is_current=True, scope="ministry", key=published.m1.code
    )
    assert re.search(thai_pattern(a.name_th), text)
    assert "80.00" in text  # the overall score
    assert f"{national.overall_mean:.2f}" in text
    assert f"{ministry.overall_mean:.2f}" in text
    assert "+10.00" in text  # the change from 2567
    assert f"+{80 - national.overall_mean:.2f}" in text  # against the national average
    assert re.search(thai_pattern("ควรเชื่อมโยงข้อมูล"), text)
    assert "2567" in text  # the history, in B.E. for Thai
    assert "2568" in text
    assert "Preview" not in text


def test_the_reports_differences_are_those_of_the_figures_shown(client, close_figures, member_of):
    client.force_login(member_of(close_figures.a))

    text = pdf_text(client.get(report_url(close_figures.a)).content)

    # 61.90 against the nation's 62.30 and against last year's 62.30: −0.40 each time.
    assert "61.90" in text
    assert "62.30" in text
    assert "\u22120.40" in text
    assert "0.39" not in text


def test_the_report_is_in_english_for_an_english_reader(client, published, member_of):
    client.cookies["django_language"] = "en"
    client.force_login(member_of(published.u1))

    text = pdf_text(client.get(report_url(published.u1)).content)

    assert published.u1.name_en in text
    assert "Overall score over the years" in text
    assert "2024" in text  # C.E. in English
    assert "2025" in text


def test_dga_staff_get_a_preview_report_of_an_unpublished_year(client, published, dga_staff):
    SurveyYear.objects.filter(year=YEAR).update(
        status=SurveyYear.Status.SCORED, published_at=None, published_by=None
    )
    client.cookies["django_language"] = "en"
    client.force_login(dga_staff)

    response = client.get(report_url(published.a))

    assert response.status_code == 200
    assert "Preview" in pdf_text(response.content)


def test_the_report_of_an_agency_without_a_score_says_so(client, published, dga_staff):
    client.cookies["django_language"] = "en"
    client.force_login(dga_staff)

    response = client.get(report_url(published.d))

    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "its questionnaire was not submitted" in text


@pytest.mark.parametrize("extra", [0, 20])
def test_the_report_takes_the_same_queries_at_any_size(
    client, registry, member_of, django_assert_num_queries, extra
):
    r = sized_years(registry, extra)
    client.force_login(member_of(r.a))

    # As the page (test_agency): the session and the user; the user's groups; the year; the
    # agency; the membership; the score; the dimensions; the dimension scores; the ranks; the
    # groups and their dimension means; the permissions of the user and of their groups (asked
    # whether they see unpublished years); the history; the recommendations.
    with django_assert_num_queries(16):
        response = client.get(report_url(r.a))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
