"""A NUL character in a text answer or a search box gives a clear 422, never a 500.

PostgreSQL cannot store or compare a string holding NUL (psycopg raises), so a raw request value
that reaches a query was a server error: the committee's conflicts search and a text answer's
autosave were. common/middleware.py refuses NUL in any path, query string or form field; the
autosave refuses it itself, in the question's status line. Real views, real PostgreSQL.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awards.models import ConflictOfInterest
from awards.tests.committee import YEAR, top_category
from surveys.models import Answer, Evidence, SurveyYear
from surveys.tests import conftest as surveys_fixtures
from surveys.tests.conftest import PDF
from surveys.tests.factories import SurveyYearFactory

# The respondent's open year and response, as in surveys/tests.
open_year = surveys_fixtures.open_year
response = surveys_fixtures.response

HTMX = {"HTTP_HX_REQUEST": "true"}
MESSAGE = (
    "The text you sent contains a NUL character, which cannot be stored. Remove it and try again."
)


def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def award_year(db):
    year = SurveyYearFactory(year=YEAR, status=SurveyYear.Status.SCORED)
    top_category(year)
    return year


# The two that were a 500 -------------------------------------------------------------------------


def test_conflicts_search_with_nul_is_422_with_the_message(client, committee_member, award_year):
    english(client).force_login(committee_member)
    result = client.get(reverse("awards:conflicts", args=[YEAR]) + "?q=a%00b")
    assert result.status_code == 422
    assert MESSAGE in result.text
    assert result.templates[0].name == "nul_character.html"


def test_conflicts_declaration_with_nul_is_422_and_records_nothing(
    client, committee_member, award_year, agency
):
    client.force_login(committee_member)
    url = reverse("awards:conflicts", args=[YEAR])
    result = client.post(url, {"q": "a\x00", "agency": agency.pk, "reason": "x"})
    assert result.status_code == 422
    assert not ConflictOfInterest.objects.exists()


@pytest.mark.parametrize("code", ["NOTES", "STAFF", "CHOICE", "CHANNELS"])
def test_autosave_with_nul_is_422_in_the_question_status_line(client, respondent, response, code):
    english(client).force_login(respondent)
    url = reverse("surveys:autosave", args=[response.pk, code])
    result = client.post(url, {"value": ["a\x00b"], "version": 0}, **HTMX)
    assert result.status_code == 422
    # The view's own fragment: the status line that htmx swaps, not the middleware's refusal.
    assert result.text.startswith(f'<div id="status-{code}" class="save-status text-danger"')
    assert MESSAGE in result.text
    assert "HX-Retarget" not in result
    assert not Answer.objects.exists()


def test_autosave_after_a_refused_nul_saves_the_cleaned_text(client, respondent, response):
    client.force_login(respondent)
    url = reverse("surveys:autosave", args=[response.pk, "NOTES"])
    assert client.post(url, {"value": "a\x00b", "version": 0}, **HTMX).status_code == 422
    assert client.post(url, {"value": "ab", "version": 0}, **HTMX).status_code == 200
    assert Answer.objects.get().value == "ab"


# Everything else the middleware refuses before the view ------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("admin:agencies_agency_changelist", {"q": "a\x00b"}),
        ("admin:agencies_user_changelist", {"q": "\x00"}),
        ("admin:surveys_response_changelist", {"q": "a\x00b"}),
        ("admin:surveys_response_changelist", {"status__exact": "\x00"}),
        ("admin:surveys_answer_changelist", {"q": "a\x00b"}),
        ("admin:awards_conflictofinterest_changelist", {"q": "a\x00b"}),
    ],
)
def test_admin_changelist_with_nul_is_422(client, admin_user, url_name, query):
    client.force_login(admin_user)
    result = client.get(reverse(url_name), query)
    assert result.status_code == 422


@pytest.mark.parametrize("field", ["level", "ministry", "province", "status", "page", "a\x00"])
def test_fieldwork_filters_with_nul_are_422(client, dga_staff, open_year, field):
    client.force_login(dga_staff)
    result = client.get(reverse("results:fieldwork", args=[open_year.year]), {field: "a\x00b"})
    assert result.status_code == 422
    assert result.templates[0].name == "nul_character.html"


def test_fieldwork_refresh_with_nul_adds_the_message_above_the_page(client, dga_staff, open_year):
    english(client).force_login(dga_staff)
    url = reverse("results:fieldwork_live", args=[open_year.year])
    result = client.get(url, {"ministry": "\x00"}, **HTMX)
    assert result.status_code == 422
    assert result["HX-Retarget"] == "#content"
    assert result["HX-Reswap"] == "afterbegin"
    assert MESSAGE in result.text
    assert "<html" not in result.text


def test_fieldwork_export_with_nul_is_422(client, dga_staff, open_year):
    client.force_login(dga_staff)
    url = reverse("results:fieldwork_export", args=[open_year.year, "csv"])
    assert client.get(url, {"ministry": "\x00"}).status_code == 422


def test_nul_in_the_path_is_422(client, dga_staff, open_year):
    client.force_login(dga_staff)
    assert client.get("/results/2569/A%00B/").status_code == 422


@pytest.mark.parametrize(
    "url",
    ["/api/v1/years/?page=%00", "/api/v1/years/2568/aggregates/?scope=%00", "/open-data/?x=%00"],
)
def test_open_data_and_api_query_with_nul_is_422(client, db, url):
    assert client.get(url).status_code == 422


def test_api_client_gets_the_refusal_as_json(client, db):
    result = english(client).get("/api/v1/years/?page=%00", HTTP_ACCEPT="application/json")
    assert result.status_code == 422
    assert result.json() == {"detail": MESSAGE}


def test_refusal_is_in_thai_by_default(client, db):
    result = client.get("/open-data/?x=%00")
    assert result.status_code == 422
    assert result["Content-Language"] == "th"
    assert '<html lang="th">' in result.text


def test_uploaded_file_contents_may_hold_nul(client, respondent, response):
    client.force_login(respondent)
    url = reverse("surveys:upload", args=[response.pk, "REPORT"])
    upload = SimpleUploadedFile("report.pdf", PDF + b"\x00\x00")
    result = client.post(url, {"file": upload}, **HTMX)
    assert result.status_code == 200
    assert Evidence.objects.count() == 1
