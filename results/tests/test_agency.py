"""An agency's results page and the /results/ index: who may open them, what they show (the rows
of the current scoring run, nothing recomputed), and a number of queries that does not grow with
the number of agencies."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.tests.factories import DepartmentFactory, ProvincialUnitFactory
from results.agency import Standing
from results.models import Recommendation
from surveys.models import (
    GroupDimensionScore,
    GroupScore,
    ResponseRank,
    ResponseScore,
    SurveyYear,
)
from surveys.scoring import score_display
from surveys.tests.scored import Figures, scored_year

from .conftest import PREVIOUS, YEAR


def url(agency, year=YEAR):
    return reverse("results:agency", args=[year, agency.code])


def current_groups(year: int) -> dict[tuple[str, str], GroupScore]:
    return {
        (group.scope, group.key): group
        for group in GroupScore.objects.filter(run__year__year=year, run__is_current=True)
    }


def current_score(agency, year=YEAR) -> ResponseScore:
    return ResponseScore.objects.get(
        run__year__year=year, run__is_current=True, response__agency=agency
    )


def unpublish(year: int) -> None:
    SurveyYear.objects.filter(year=year).update(
        status=SurveyYear.Status.SCORED, published_at=None, published_by=None
    )


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


# Who may open a page ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, published):
    for path in (reverse("results:index"), url(published.a)):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_agency_staff_open_their_own_results(client, published, member_of):
    client.force_login(member_of(published.a))

    response = client.get(url(published.a))

    assert response.status_code == 200
    assert response.context["results"].agency == published.a


def test_another_agencys_results_are_404(client, published, member_of):
    client.force_login(member_of(published.a))

    assert client.get(url(published.b)).status_code == 404
    assert client.get(url(published.u1)).status_code == 404


def test_a_user_of_no_agency_gets_404(client, published, member_of, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody@example.org", "x"))

    assert client.get(url(published.a)).status_code == 404


def test_an_unknown_agency_or_year_is_404(client, published, dga_staff):
    client.force_login(dga_staff)

    assert client.get(reverse("results:agency", args=[YEAR, "NOPE"])).status_code == 404
    assert client.get(reverse("results:agency", args=[2560, published.a.code])).status_code == 404


def test_committee_reads_any_agency_of_a_published_year(client, published, committee_member):
    client.force_login(committee_member)

    assert client.get(url(published.a)).status_code == 200
    assert client.get(url(published.u3)).status_code == 200


def test_an_unpublished_year_is_404_for_agency_staff_and_committee(
    client, published, member_of, committee_member
):
    unpublish(YEAR)
    for user in (member_of(published.a), committee_member):
        client.force_login(user)
        assert client.get(url(published.a)).status_code == 404


def test_dga_staff_preview_an_unpublished_year_with_a_banner(english, published, dga_staff):
    unpublish(YEAR)
    english.force_login(dga_staff)

    response = english.get(url(published.a))

    assert response.status_code == 200
    assert response.context["results"].preview is True
    assert 'id="preview-banner"' in response.content.decode()
    assert "Preview — not published." in response.content.decode()


def test_a_published_year_has_no_preview_banner(client, published, dga_staff):
    client.force_login(dga_staff)

    response = client.get(url(published.a))

    assert response.context["results"].preview is False
    assert 'id="preview-banner"' not in response.content.decode()


def test_history_leaves_out_unpublished_years_for_all_but_dga_staff(
    client, published, member_of, committee_member, dga_staff
):
    unpublish(PREVIOUS)
    a = published.a
    for user in (member_of(a), committee_member):
        client.force_login(user)
        history = client.get(url(a)).context["results"].history
        assert [(point.year, point.overall) for point in history] == [(YEAR, Decimal("80"))]
        assert client.get(url(a, PREVIOUS)).status_code == 404

    client.force_login(dga_staff)
    history = client.get(url(a)).context["results"].history
    assert [(point.year, point.overall) for point in history] == [
        (PREVIOUS, current_score(a, PREVIOUS).overall),
        (YEAR, current_score(a).overall),
    ]


# What the page shows ------------------------------------------------------------------------------


def test_a_department_is_read_against_the_nation_its_ministry_and_award_group(
    client, published, member_of
):
    a = published.a
    client.force_login(member_of(a))

    results = client.get(url(a)).context["results"]

    groups = current_groups(YEAR)
    expected = [("national", "all"), ("ministry", published.m1.code), ("award_group", "service")]
    assert [(c.group.scope, c.group.key) for c in results.comparisons] == expected
    for comparison, key in zip(results.comparisons, expected, strict=True):
        assert comparison.group.overall_mean == groups[key].overall_mean
        means = dict(
            GroupDimensionScore.objects.filter(group=groups[key]).values_list(
                "dimension_id", "mean"
            )
        )
        assert comparison.dimension_means == [means[d.pk] for d in results.dimensions]
    score = current_score(a)
    assert results.standing == Standing.SCORED
    assert results.score == score
    assert results.score.overall == Decimal("80")
    assert results.dimension_scores == [
        score.dimension_scores.get(dimension=d).value for d in results.dimensions
    ]
    assert [d.code for d in results.dimensions] == ["POLICY", "SERVICE"]
    assert results.dimension_scores == [Decimal("70"), Decimal("90")]


def test_a_provincial_unit_is_read_against_its_province_unit_type_and_level(
    client, published, member_of
):
    u1 = published.u1
    client.force_login(member_of(u1))

    results = client.get(url(u1)).context["results"]

    expected = [
        ("national", "all"),
        ("province", published.p1.code),
        ("unit_type", u1.unit_type.code),
        ("level", "provincial_unit"),
    ]
    assert [(c.group.scope, c.group.key) for c in results.comparisons] == expected
    groups = current_groups(YEAR)
    assert [c.group.overall_mean for c in results.comparisons] == [
        groups[key].overall_mean for key in expected
    ]


def test_ranks_are_the_response_ranks_of_the_current_run(client, published, member_of):
    b = published.b
    client.force_login(member_of(b))

    results = client.get(url(b)).context["results"]

    stored = {
        (rank.group.scope, rank.group.key): (rank.rank, rank.group.agencies)
        for rank in ResponseRank.objects.filter(score=current_score(b)).select_related("group")
    }
    shown = {(r.group.scope, r.group.key): (r.rank, r.group.agencies) for r in results.ranks}
    assert shown == stored
    # B (65) is second of the two departments of M1, and second of six nationally.
    assert shown[("ministry", published.m1.code)] == (2, 2)
    assert shown[("national", "all")] == (2, 6)


def test_the_table_shows_the_rounded_numbers_and_the_gap_to_the_nation(
    english, published, member_of
):
    a = published.a
    english.force_login(member_of(a))

    response = english.get(url(a))

    national = current_groups(YEAR)[("national", "all")]
    table = response.content.decode().split('id="comparison-table"')[1].split("</table>")[0]
    overall_row = re.search(r'<tr class="overall-row">(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r'<td class="text-end tabular[^"]*"[^>]*>([^<]*)</td>', overall_row)
    gap = Decimal("80") - national.overall_mean
    assert cells[0] == ""  # the overall score has no weight
    assert cells[1] == "80.00"
    assert cells[2] == f"{national.overall_mean.quantize(Decimal('0.01'))}"
    assert cells[-1] == f"+{gap.quantize(Decimal('0.01'))}"
    rows = response.context["results"].rows
    assert [row.difference for row in rows] == [
        score_display(row.agency) - score_display(row.national) for row in rows
    ]


def test_the_gap_to_the_nation_is_that_of_the_two_figures_shown(english, close_figures, member_of):
    a = close_figures.a
    english.force_login(member_of(a))

    response = english.get(url(a))

    table = response.content.decode().split('id="comparison-table"')[1].split("</table>")[0]
    overall_row = re.search(r'<tr class="overall-row">(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r'<td class="text-end tabular[^"]*"[^>]*>([^<]*)</td>', overall_row)
    # 61.904 shows as 61.90 and the nation's 62.296 as 62.30: the gap reads −0.40, not −0.39.
    assert (cells[1], cells[2], cells[-1]) == ("61.90", "62.30", "\u22120.40")
    assert [row.difference for row in response.context["results"].rows] == [Decimal("-0.40")] * 3


def test_the_change_is_that_of_the_two_figures_shown(english, close_figures, member_of):
    a = close_figures.a
    english.force_login(member_of(a))

    response = english.get(url(a))

    # 61.904 (61.90) against 62.296 (62.30) the year before.
    assert '<div class="stat tabular">\u22120.40</div>' in response.content.decode()


def test_the_chart_carries_the_table_numbers(english, published, member_of):
    a = published.a
    english.force_login(member_of(a))

    response = english.get(url(a))

    results = response.context["results"]
    chart = json.loads(
        re.search(
            r'<script id="chart-comparison" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    assert chart["data"]["labels"] == ["Overall score", "POLICY", "SERVICE"]
    datasets = chart["data"]["datasets"]
    assert [d["label"] for d in datasets] == [a.code] + [c.group.name for c in results.comparisons]
    assert datasets[0]["data"] == [80.0, 70.0, 90.0]
    national = current_groups(YEAR)[("national", "all")]
    assert datasets[1]["data"][0] == float(national.overall_mean.quantize(Decimal("0.01")))
    history = response.context["history_chart"]
    assert history["data"]["labels"] == [str(PREVIOUS - 543), str(YEAR - 543)]
    assert history["data"]["datasets"][0]["data"] == [70.0, 80.0]


def test_an_agency_that_did_not_submit_is_told_so(english, published, dga_staff):
    english.force_login(dga_staff)

    response = english.get(url(published.d))

    assert response.status_code == 200
    results = response.context["results"]
    assert results.standing == Standing.NOT_SCORED
    assert results.has_score is False
    assert results.ranks == []
    assert [row.agency for row in results.rows] == [None, None, None]
    page = response.content.decode()
    assert 'id="no-score"' in page
    assert "its questionnaire was not submitted" in page
    assert 'id="summary"' not in page


def test_a_score_with_problems_is_held_back(english, published, member_of):
    a = published.a
    current_score(a).__class__.objects.filter(pk=current_score(a).pk).update(
        problems=[{"question": "SERVICE-01", "problem": "no band"}]
    )
    english.force_login(member_of(a))

    response = english.get(url(a))

    results = response.context["results"]
    assert response.status_code == 200
    assert results.standing == Standing.HELD_BACK
    assert results.has_score is False
    assert [row.agency for row in results.rows] == [None, None, None]
    assert "held back" in response.content.decode()
    # Held back from the history too; the previous year stays.
    assert [point.year for point in results.history] == [PREVIOUS]


def test_recommendations_are_those_of_the_agencys_groups(english, published, member_of):
    year = published.year
    national = Recommendation.objects.create(year=year, scope="national", key="all", text_th="ทุก")
    ministry = Recommendation.objects.create(
        year=year, scope="ministry", key=published.m1.code, text_th="กระทรวง", order=2
    )
    level = Recommendation.objects.create(
        year=year, scope="level", key="department", text_th="ระดับกรม", text_en="Departments"
    )
    Recommendation.objects.create(year=year, scope="ministry", key=published.m2.code, text_th="x")
    Recommendation.objects.create(year=year, scope="province", key=published.p1.code, text_th="y")
    Recommendation.objects.create(
        year=published.previous, scope="national", key="all", text_th="ปีก่อน"
    )
    english.force_login(member_of(published.a))

    response = english.get(url(published.a))

    shown = response.context["results"].recommendations
    assert set(shown) == {national, ministry, level}
    assert shown[-1] == ministry  # by order
    page = response.content.decode()
    assert "Departments" in page
    assert f'id="recommendation-{ministry.pk}"' in page


def test_no_recommendations_is_an_empty_state(english, published, member_of):
    english.force_login(member_of(published.u1))

    response = english.get(url(published.u1))

    assert response.context["results"].recommendations == []
    assert "has not written recommendations" in response.content.decode()


# The index ----------------------------------------------------------------------------------------


def test_index_lists_the_agencys_published_years(client, published, member_of):
    client.force_login(member_of(published.a))

    response = client.get(reverse("results:index"))

    assert response.status_code == 200
    assert [year.year for year in response.context["years"]] == [YEAR, PREVIOUS]
    page = response.content.decode()
    assert url(published.a) in page
    assert url(published.a, PREVIOUS) in page


def test_index_goes_straight_to_the_only_published_year(client, published, member_of):
    unpublish(YEAR)
    client.force_login(member_of(published.a))

    response = client.get(reverse("results:index"))

    assert response.status_code == 302
    assert response.url == url(published.a, PREVIOUS)


def test_index_without_published_years_says_so(client, published, member_of):
    unpublish(YEAR)
    unpublish(PREVIOUS)
    client.force_login(member_of(published.a))

    response = client.get(reverse("results:index"))

    assert response.status_code == 200
    assert response.context["years"] == []
    assert 'id="no-years"' in response.content.decode()


def test_dga_staff_pick_scored_years_and_search_agencies(client, published, dga_staff):
    unpublish(YEAR)
    client.force_login(dga_staff)

    response = client.get(reverse("results:index"), {"year": YEAR, "q": published.u2.code})

    assert [year.year for year in response.context["years"]] == [YEAR, PREVIOUS]
    assert response.context["year"].year == YEAR
    assert [r.agency for r in response.context["search"].responses] == [published.u2]
    page = response.content.decode()
    assert url(published.u2) in page
    assert url(published.u1) not in page
    assert reverse("results:dashboards") in page


def test_committee_pick_published_years_only_without_dashboards(
    client, published, committee_member
):
    unpublish(YEAR)
    client.force_login(committee_member)

    response = client.get(reverse("results:index"), {"year": YEAR})

    assert [year.year for year in response.context["years"]] == [PREVIOUS]
    assert response.context["year"].year == PREVIOUS  # an unreadable year falls back
    page = response.content.decode()
    assert url(published.a, PREVIOUS) in page
    assert url(published.a) not in page
    assert reverse("results:dashboards") not in page


def test_search_by_thai_name(client, published, committee_member):
    client.force_login(committee_member)

    response = client.get(reverse("results:index"), {"q": published.c.name_th})

    assert [r.agency for r in response.context["search"].responses] == [published.c]


# Queries ------------------------------------------------------------------------------------------


def sized_years(registry, extra: int):
    """The `published` years, plus `extra` scored departments in A's ministry and award group
    and `extra` scored provincial units in U1's province (also the report's query test)."""
    r = registry
    departments = DepartmentFactory.create_batch(extra, ministry=r.m1, award_group="service")
    units = ProvincialUnitFactory.create_batch(extra, province=r.p1)
    for number in (PREVIOUS, YEAR):
        figures = {
            r.a: Figures("70" if number == PREVIOUS else "80"),
            r.b: Figures("60"),
            r.c: Figures("50"),
            r.u1: Figures("40" if number == PREVIOUS else "48"),
            r.u2: Figures("45"),
            r.u3: Figures("55"),
            r.d: None,
        }
        for index, agency in enumerate(departments + units):
            figures[agency] = Figures(str(30 + index))
        scored_year(number, figures, status=SurveyYear.Status.PUBLISHED)
    Recommendation.objects.create(
        year=SurveyYear.objects.get(year=YEAR), scope="national", key="all", text_th="ทุก"
    )
    return registry


@pytest.mark.parametrize("extra", [0, 20])
@pytest.mark.parametrize(("agency_name", "queries"), [("a", 16), ("u1", 17), ("d", 12)])
def test_the_page_takes_the_same_queries_at_any_size(
    client, registry, member_of, dga_staff, django_assert_num_queries, extra, agency_name, queries
):
    r = sized_years(registry, extra)
    agency = getattr(r, agency_name)
    client.force_login(member_of(agency) if agency_name != "d" else dga_staff)

    # The session and the user; the user's groups (roles); the survey year; the agency with its
    # ministry and province; (agency staff: their membership, and, asked whether they see
    # unpublished years, the permissions of their account and of its groups, which Django's
    # ModelBackend reads once; a provincial unit: its unit type);
    # its score in the current run; the year's dimensions; scored: its dimension scores and its
    # ranks, unscored: whether it was invited; its groups and their dimension means; its
    # history; the recommendations.
    with django_assert_num_queries(queries):
        response = client.get(url(agency))

    assert response.status_code == 200
    assert (
        GroupScore.objects.get(
            run__year__year=YEAR, run__is_current=True, scope="national"
        ).agencies
        == 6 + 2 * extra
    )


@pytest.mark.parametrize("extra", [0, 20])
def test_the_staff_index_takes_the_same_queries_at_any_size(
    client, registry, dga_staff, django_assert_num_queries, extra
):
    sized_years(registry, extra)
    client.force_login(dga_staff)

    # The session and the user; the user's groups; the years; the responses of the year with
    # their agencies; their current scores.
    with django_assert_num_queries(6):
        response = client.get(reverse("results:index"))

    assert len(response.context["search"].responses) == 7 + 2 * extra
