"""API v1: published years only, for everyone (a DGA staff session changes nothing); read-only
(every write is 405 and changes nothing); the numbers are the current run's and the winners the
published awards'; a fixed number of queries per list; the OpenAPI schema and its docs."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
import yaml
from django.urls import reverse
from playwright.sync_api import expect

from awards.models import AuditEntry, Candidate
from surveys.models import GroupScore, ResponseRank, ResponseScore, ScoringRun, SurveyYear

from .conftest import PREVIOUS, YEAR
from .test_opendata import (
    UNPUBLISHED,
    awards_of_published_year,
    expected_aggregates,
    expected_winners,
    login,
    points,
    sized_year_build,
    unpublished_year,
)

LISTS = ["dimensions", "aggregates", "winners", "agencies"]


def number(value) -> Decimal | None:
    """A JSON number of the API as the Decimal it stands for."""
    return None if value is None else Decimal(str(value))


def get(client, name, *args, **params):
    response = client.get(reverse(f"api:{name}", args=args), params)
    assert response["Content-Type"] == "application/json"
    return response


def year_urls(year: int) -> list[str]:
    return [reverse("api:year", args=[year])] + [
        reverse(f"api:{name}", args=[year]) for name in LISTS
    ]


@pytest.fixture
def sized_year(committee_member, dga_staff):
    """sized_year(n): 2568 published with n + 1 departments, n provincial units, n winners."""
    return lambda size: sized_year_build(size, member=committee_member, staff=dga_staff)


@pytest.fixture
def published_with_agency_scores(published):
    SurveyYear.objects.filter(pk=published.year.pk).update(publish_agency_scores=True)
    published.year.refresh_from_db()
    return published


# Years --------------------------------------------------------------------------------------------


def test_root_links_to_the_years_schema_and_docs(client, db):
    response = get(client, "root")

    assert response.status_code == 200
    assert response.json() == {
        "years": "http://testserver/api/v1/years/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }


def test_years_lists_published_years_newest_first(client, published):
    response = get(client, "years")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "year": 2568,
        "year_ce": 2025,
        "title_th": published.year.title_th,
        "title_en": published.year.title_en,
        "publish_agency_scores": False,
        "awards_published": True,  # a published year is published with its awards
        "links": {
            "url": "http://testserver/api/v1/years/2568/",
            "dimensions": "http://testserver/api/v1/years/2568/dimensions/",
            "aggregates": "http://testserver/api/v1/years/2568/aggregates/",
            "winners": "http://testserver/api/v1/years/2568/winners/",
            "agencies": None,
            "package": "http://testserver/open-data/2568/package.zip",
        },
    }
    assert [year["year"] for year in body["results"]] == [YEAR, PREVIOUS]


def test_year_links_its_agencies_when_it_publishes_them(client, published_with_agency_scores):
    body = get(client, "year", YEAR).json()

    assert body["publish_agency_scores"] is True
    assert body["links"]["agencies"] == "http://testserver/api/v1/years/2568/agencies/"


@pytest.mark.parametrize("who", ["anonymous", "dga_staff", "committee_member"])
def test_nothing_of_an_unpublished_year_is_served_to_anyone(client, published, who, request):
    unpublished_year(published)
    if who != "anonymous":
        login(client, request.getfixturevalue(who))

    years = get(client, "years").json()

    assert UNPUBLISHED not in [year["year"] for year in years["results"]]
    for url in year_urls(UNPUBLISHED) + year_urls(2590):
        assert client.get(url).status_code == 404, url


def test_an_unpublished_year_is_404_even_with_per_agency_scores_on(client, registry, dga_staff):
    year = unpublished_year(registry)
    SurveyYear.objects.filter(pk=year.pk).update(publish_agency_scores=True)
    login(client, dga_staff)

    assert client.get(reverse("api:agencies", args=[UNPUBLISHED])).status_code == 404


# Read-only ----------------------------------------------------------------------------------------


def database_state(survey_year: SurveyYear) -> tuple:
    survey_year.refresh_from_db()
    return (
        SurveyYear.objects.count(),
        (
            survey_year.status,
            survey_year.published_at,
            survey_year.title_th,
            survey_year.publish_agency_scores,
        ),
        ScoringRun.objects.count(),
        GroupScore.objects.count(),
        ResponseScore.objects.count(),
        Candidate.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("who", ["anonymous", "dga_staff"])
def test_every_write_is_refused_and_changes_nothing(
    client, published_with_agency_scores, method, who, request
):
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    survey_year = published_with_agency_scores.year
    before = database_state(survey_year)
    urls = [reverse("api:root"), reverse("api:years"), *year_urls(YEAR)]
    payload = json.dumps({"year": 2599, "title_th": "แก้ไข", "publish_agency_scores": False})

    for url in urls:
        response = getattr(client, method)(url, payload, content_type="application/json")
        assert response.status_code == 405, url
        assert "GET" in response["Allow"]

    assert database_state(survey_year) == before


# The numbers --------------------------------------------------------------------------------------


def test_dimensions_are_the_years_framework(client, published):
    body = get(client, "dimensions", YEAR).json()

    assert [(row["code"], row["name_th"], row["name_en"]) for row in body["results"]] == [
        ("POLICY", "มิติ POLICY", "POLICY"),
        ("SERVICE", "มิติ SERVICE", "SERVICE"),
    ]
    assert [number(row["weight"]) for row in body["results"]] == [Decimal(50), Decimal(50)]


def test_aggregates_are_the_current_runs_group_scores(client, published):
    body = get(client, "aggregates", YEAR).json()

    expected = expected_aggregates(published.year)
    assert body["count"] == len(expected) == len(body["results"])
    for row in body["results"]:
        group = expected[(row["scope"], row["key"])]
        assert row["year"] == YEAR
        assert row["agencies"] == group["agencies"]
        assert row["rank"] == group["rank"]
        assert number(row["overall_mean"]) == group["overall_mean"]
        assert number(row["previous_mean"]) == group["previous_mean"]
        assert number(row["change"]) == group["change"]
        assert {code: number(mean) for code, mean in row["dimension_means"].items()} == (
            group["dimension_means"]
        )
    national = body["results"][0]
    assert (national["scope"], national["overall_mean"], national["change"]) == (
        "national",
        58.83,
        5.5,
    )


def test_aggregates_of_one_scope(client, published):
    body = get(client, "aggregates", YEAR, scope="province").json()

    provinces = GroupScore.objects.filter(
        run__year=published.year, run__is_current=True, scope="province"
    ).order_by("rank", "key")
    assert [(row["key"], number(row["overall_mean"])) for row in body["results"]] == [
        (group.key, points(group.overall_mean)) for group in provinces
    ]
    assert [row["key"] for row in body["results"]] == [published.p2.code, published.p1.code]


def test_aggregates_refuse_an_unknown_scope(client, published):
    response = get(client, "aggregates", YEAR, scope="planet")

    assert response.status_code == 400
    assert "scope" in response.json()


def test_aggregates_equal_the_packages(client, published):
    api = get(client, "aggregates", YEAR).json()["results"]
    package = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("results:package", args=[YEAR])).content)
    )

    assert json.loads(package.read("aggregates.json")) == api


def test_winners_are_empty_for_a_year_without_award_categories(client, published):
    body = get(client, "winners", YEAR).json()

    assert (body["count"], body["results"]) == (0, [])


def test_winners_are_the_published_awards(client, published, committee_member, dga_staff):
    awards_of_published_year(published.year, member=committee_member, staff=dga_staff)

    body = get(client, "winners", YEAR).json()

    assert [
        (row["category_code"], row["winner_name_th"], number(row["overall_score"]))
        for row in body["results"]
    ] == expected_winners(published.year)
    assert [row["agency_code"] for row in body["results"]] == [published.a.code, published.b.code]
    assert body["results"][0]["place"] == 1
    assert get(client, "year", YEAR).json()["awards_published"] is True


def test_agencies_are_404_unless_the_year_publishes_them(client, published, dga_staff):
    assert get(client, "agencies", YEAR).status_code == 404
    login(client, dga_staff)
    assert get(client, "agencies", YEAR).status_code == 404


def test_agencies_are_the_current_runs_response_scores(client, published_with_agency_scores):
    published = published_with_agency_scores

    body = get(client, "agencies", YEAR).json()

    scores = ResponseScore.objects.filter(run__year=published.year, run__is_current=True)
    assert body["count"] == scores.count() == 6
    for row in body["results"]:
        score = scores.get(response__agency__code=row["agency_code"])
        assert number(row["overall_score"]) == points(score.overall)
        assert number(row["previous_overall_score"]) == points(score.previous_overall)
        assert number(row["change"]) == points(score.change)
        assert row["national_rank"] == (
            ResponseRank.objects.get(score=score, group__scope="national").rank
        )
        assert {code: number(value) for code, value in row["dimension_scores"].items()} == {
            item.dimension.code: points(item.value)
            for item in score.dimension_scores.select_related("dimension")
        }
    first = body["results"][0]
    assert (first["agency_code"], first["name_th"], first["name_en"], first["level"]) == (
        published.a.code,
        published.a.name_th,
        published.a.name_en,
        "department",
    )


def test_agencies_are_paginated(client, published_with_agency_scores):
    body = get(client, "agencies", YEAR, limit=4).json()

    assert body["count"] == 6
    assert len(body["results"]) == 4
    assert body["next"] == "http://testserver/api/v1/years/2568/agencies/?limit=4&offset=4"
    second = get(client, "agencies", YEAR, limit=4, offset=4).json()
    assert len(second["results"]) == 2
    codes = [row["agency_code"] for row in body["results"] + second["results"]]
    assert len(set(codes)) == 6


# Queries ------------------------------------------------------------------------------------------

QUERIES = {
    "years": 2,  # the count; the published years
    "year": 1,  # the year
    "dimensions": 2,  # the year; its dimensions
    # The year; the current run; the dimensions; the groups; their dimension means.
    "aggregates": 5,
    # The year; the finalised categories; their current shortlists; the winners with their
    # agencies and provinces (the winning departments have no province to prefetch).
    "winners": 4,
    # The year; the current run; the dimensions; the scores with their agencies; their
    # dimension scores; their national ranks.
    "agencies": 6,
}


@pytest.mark.parametrize("size", [2, 7])
@pytest.mark.parametrize("name", list(QUERIES))
def test_every_list_takes_the_same_queries_at_any_size(
    client, sized_year, django_assert_num_queries, size, name
):
    sized_year(size)
    args = [] if name == "years" else [YEAR]

    with django_assert_num_queries(QUERIES[name]):
        response = client.get(reverse(f"api:{name}", args=args))

    assert response.status_code == 200
    body = response.json()
    if name == "agencies":
        assert body["count"] == 2 * size + 1
    if name == "winners":
        assert body["count"] == size


# Schema and docs ----------------------------------------------------------------------------------


def test_schema_lists_every_path(client, db):
    response = client.get(reverse("api:schema"))

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["info"]["version"] == "1.0.0"
    assert sorted(schema["paths"]) == [
        "/api/v1/",
        "/api/v1/years/",
        "/api/v1/years/{year}/",
        "/api/v1/years/{year}/agencies/",
        "/api/v1/years/{year}/aggregates/",
        "/api/v1/years/{year}/dimensions/",
        "/api/v1/years/{year}/winners/",
    ]
    for operations in schema["paths"].values():
        assert list(operations) == ["get"]  # read-only
    aggregate = schema["components"]["schemas"]["Aggregate"]["properties"]
    assert aggregate["overall_mean"]["description"] == (
        "Mean overall score of the group (points 0–100, 2 decimals)"
    )


def test_schema_as_json(client, db):
    response = client.get(reverse("api:schema"), {"format": "json"})

    assert response.status_code == 200
    assert "/api/v1/years/{year}/aggregates/" in json.loads(response.content)["paths"]


def test_docs_page_answers_from_our_own_static_files(client, db):
    response = client.get(reverse("api:docs"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'spec-url="/api/v1/schema/"' in content
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in content
    assert "<style" not in content
    assert "<script>" not in content  # no inline script


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_docs_draw_every_endpoint_in_a_browser(page, live_server):
    page.goto(f"{live_server.url}{reverse('api:docs')}")

    expect(page.locator("h1")).to_contain_text("dgaweb open data API")
    expect(page.get_by_text("/api/v1/years/{year}/aggregates/").first).to_be_attached()
