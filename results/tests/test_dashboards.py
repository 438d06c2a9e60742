"""DGA staff's dashboards: who may open them, the numbers they show (the scoring engine's
aggregates of the current run, and the response rate), the chase list and its filters, the htmx
refresh, and the queries each page takes at two sizes of data."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from agencies.tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
)
from results.dashboards import BIN_LABELS, FieldworkStatus, results_dashboard
from surveys.models import (
    Answer,
    GroupDimensionScore,
    GroupScore,
    Response,
    ResponseScore,
    ScoringRun,
    SurveyYear,
)
from surveys.scoring import score_display
from surveys.tests.factories import QuestionFactory, SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

from .conftest import PREVIOUS, YEAR

D = Decimal


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def current_groups(year: int, scope: str) -> list[GroupScore]:
    return list(
        GroupScore.objects.filter(run__year__year=year, run__is_current=True, scope=scope).order_by(
            "rank", "key"
        )
    )


def chart(response, name: str) -> dict:
    """The Chart.js configuration the page gives the canvas `name` (json_script)."""
    found = re.search(
        rf'<script id="chart-{re.escape(name)}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, f"no chart {name}"
    return json.loads(found.group(1))


def two_places(value) -> float | None:
    return None if value is None else float(score_display(value))


def staff_pages(year=YEAR):
    return [
        reverse("results:dashboards"),
        reverse("results:fieldwork", args=[year]),
        reverse("results:fieldwork_live", args=[year]),
        reverse("results:fieldwork_export", args=[year, "xlsx"]),
        reverse("results:dashboard", args=[year]),
        reverse("results:export", args=[year, "csv"]),
    ]


# Who may open them --------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(6))
def test_anonymous_goes_to_login(client, published, index):
    url = staff_pages()[index]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("index", range(6))
def test_respondent_and_committee_get_403_even_on_a_published_year(
    client, published, member_of, committee_member, index
):
    url = staff_pages()[index]
    for user in (member_of(published.a), committee_member):
        client.force_login(user)

        assert client.get(url).status_code == 403


@pytest.mark.parametrize("index", range(6))
def test_dga_staff_open_every_page(client, published, dga_staff, index):
    client.force_login(dga_staff)

    response = client.get(staff_pages()[index])

    assert response.status_code == 200


@pytest.fixture
def unpublished(registry):
    """2569 scored, not published: U1 first among everyone."""
    r = registry
    return scored_year(
        2569, {r.a: Figures("70"), r.u1: Figures("90"), r.u2: Figures("30")}
    )  # status SCORED


@pytest.mark.parametrize("index", range(1, 6))
def test_nothing_of_an_unpublished_year_reaches_anyone_but_dga_staff(
    client, unpublished, registry, member_of, committee_member, index
):
    url = staff_pages(2569)[index]
    for user in (member_of(registry.u1), committee_member):
        client.force_login(user)

        response = client.get(url)

        assert response.status_code == 403
        assert b"90.00" not in response.content


def test_unpublished_results_show_a_not_published_note_to_dga_staff(client, unpublished, dga_staff):
    client.force_login(dga_staff)

    response = client.get(reverse("results:dashboard", args=[2569]))

    assert response.context["published"] is False
    assertContains(response, 'id="not-published"')
    assertContains(response, reverse("results:export", args=[2569, "xlsx"]))
    assertContains(response, reverse("results:export", args=[2569, "csv"]))


def test_published_results_have_no_note(client, published, dga_staff):
    client.force_login(dga_staff)

    response = client.get(reverse("results:dashboard", args=[YEAR]))

    assert response.context["published"] is True
    assertNotContains(response, 'id="not-published"')


def test_results_of_a_year_without_a_current_run_are_404(client, registry, dga_staff):
    SurveyYearFactory(year=2570, status=SurveyYear.Status.SCORED)  # scored, yet no run
    SurveyYearFactory(year=2571, status=SurveyYear.Status.OPEN)
    client.force_login(dga_staff)

    for year in (2570, 2571, 2599):
        assert client.get(reverse("results:dashboard", args=[year])).status_code == 404
        assert client.get(reverse("results:export", args=[year, "xlsx"])).status_code == 404


def test_an_open_year_with_a_current_run_has_no_results_dashboard(client, registry, dga_staff):
    year = scored_year(2570, {registry.a: Figures("50")}, status=SurveyYear.Status.OPEN)
    client.force_login(dga_staff)

    assert client.get(reverse("results:dashboard", args=[year.year])).status_code == 404


@pytest.mark.parametrize("name", ["results:export", "results:fieldwork_export"])
@pytest.mark.parametrize("fmt", ["pdf", "json", "XLSX"])
def test_unknown_export_formats_are_404(client, published, dga_staff, name, fmt):
    client.force_login(dga_staff)

    assert client.get(reverse(name, args=[YEAR, fmt])).status_code == 404


# The index ----------------------------------------------------------------------------------------


def test_index_links_each_year_to_the_dashboards_that_apply(client, published, dga_staff):
    SurveyYearFactory(year=2569, status=SurveyYear.Status.OPEN)
    SurveyYearFactory(year=2570, status=SurveyYear.Status.DRAFT)
    client.force_login(dga_staff)

    response = client.get(reverse("results:dashboards"))

    years = {item.year.year: item for item in response.context["years"]}
    assert list(years) == [2569, YEAR, PREVIOUS]  # newest first, drafts left out
    assert (years[2569].has_results, years[YEAR].has_results) == (False, True)
    assert (years[2569].invited, years[YEAR].invited, years[PREVIOUS].invited) == (0, 7, 6)
    assertContains(response, reverse("results:fieldwork", args=[2569]))
    assertNotContains(response, reverse("results:dashboard", args=[2569]))
    assertContains(response, reverse("results:dashboard", args=[YEAR]))


# The results dashboard: the scoring engine's numbers ----------------------------------------------


@pytest.fixture
def results_page(client, published, dga_staff):
    client.force_login(dga_staff)
    english(client)
    return client.get(reverse("results:dashboard", args=[YEAR]))


def test_results_headline_figures_are_the_national_group(results_page, published):
    (national,) = current_groups(YEAR, "national")
    dashboard = results_page.context["dashboard"]

    assert dashboard.national == national
    assert (dashboard.scored, dashboard.held_back) == (national.agencies, 0) == (6, 0)
    assert dashboard.previous_year == published.previous
    assertContains(results_page, f'id="figure-national">{score_display(national.overall_mean)}<')
    assertContains(results_page, 'id="figure-change">+')


def test_province_ranking_is_the_province_groups_in_rank_order(results_page, published):
    provinces = current_groups(YEAR, "province")
    dashboard = results_page.context["dashboard"]

    assert dashboard.provinces == provinces
    # P2: U3 alone at 58 (55 before); P1: U1 and U2 at 49 (42.50 before).
    assert [(g.key, g.rank, g.overall_mean, g.agencies, g.change) for g in provinces] == [
        (published.p2.code, 1, D(58), 1, D(3)),
        (published.p1.code, 2, D(49), 2, D("6.5")),
    ]
    drawn = chart(results_page, "provinces")
    assert drawn["data"]["labels"] == [g.name_en for g in provinces]
    assert drawn["data"]["datasets"][0]["data"] == [two_places(g.overall_mean) for g in provinces]
    assert drawn["options"]["indexAxis"] == "y"
    assertContains(results_page, '<td class="text-end num">+6.50</td>', html=False)


def test_dimension_means_are_ranked_high_to_low_for_the_nation_and_each_level(results_page):
    dashboard = results_page.context["dashboard"]
    groups = current_groups(YEAR, "national") + current_groups(YEAR, "level")

    assert [ranking.group for ranking in dashboard.rankings] == groups
    for ranking in dashboard.rankings:
        stored = list(
            GroupDimensionScore.objects.filter(group=ranking.group)
            .select_related("dimension")
            .order_by("rank", "dimension__order")
        )
        assert [(m.dimension.code, m.mean, m.rank) for m in ranking.means] == [
            (s.dimension.code, s.mean, s.rank) for s in stored
        ]
        assert [m.mean for m in ranking.means] == sorted(
            (m.mean for m in ranking.means), reverse=True
        )
        drawn = chart(results_page, f"dimensions-{ranking.group.scope}-{ranking.group.key}")
        assert drawn["data"]["labels"] == [s.dimension.name_en for s in stored]
        assert drawn["data"]["datasets"][0]["data"] == [two_places(s.mean) for s in stored]


def test_summary_sentence_has_dgas_published_form(results_page):
    by_key = {r.group.key: r for r in results_page.context["dashboard"].rankings}

    # Departments A 80 (SERVICE 90, POLICY 70), B 65 (60, 70), C 52 (44, 60): overall 65.67,
    # POLICY 66.67, SERVICE 64.67.
    assert by_key["department"].summary == (
        "Department level: overall 65.67; POLICY 66.67 highest, SERVICE 64.67 lowest."
    )
    # Units U1 48 (48, 48), U2 50 (56 SERVICE, 44 POLICY), U3 58: overall 52, SERVICE 54, POLICY 50.
    assert by_key["provincial_unit"].summary == (
        "Provincial unit: overall 52.00; SERVICE 54.00 highest, POLICY 50.00 lowest."
    )
    assertContains(results_page, by_key["department"].summary)


def test_histogram_counts_each_levels_scores_in_bins_of_ten(results_page):
    dashboard = results_page.context["dashboard"]
    levels = current_groups(YEAR, "level")
    histograms = {h.group.key: h for h in dashboard.histograms}

    assert [h.group for h in dashboard.histograms] == levels
    #                                 0  10 20 30 40 50 60 70 80 90
    assert histograms["department"].counts == [0, 0, 0, 0, 0, 1, 1, 0, 1, 0]  # 52, 65, 80
    assert histograms["provincial_unit"].counts == [0, 0, 0, 0, 1, 2, 0, 0, 0, 0]  # 48, 50, 58
    for level in levels:
        assert sum(histograms[level.key].counts) == level.agencies
        drawn = chart(results_page, f"histogram-{level.key}")
        assert drawn["data"]["labels"] == BIN_LABELS
        assert drawn["data"]["datasets"][0]["data"] == histograms[level.key].counts


def test_histogram_puts_100_in_the_last_bin_and_leaves_out_held_back_scores(
    client, registry, dga_staff
):
    r = registry
    scored_year(
        2569,
        {
            r.a: Figures("100"),
            r.b: Figures("90"),
            r.c: Figures("0"),
            r.d: Figures("60", problems=[{"question": "Q-1", "problem": "unknown option"}]),
        },
    )
    client.force_login(dga_staff)

    dashboard = client.get(reverse("results:dashboard", args=[2569])).context["dashboard"]

    (histogram,) = dashboard.histograms
    assert histogram.counts == [1, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    assert (dashboard.scored, dashboard.held_back) == (3, 1)


def test_change_against_the_previous_year_is_the_groups_previous_means(results_page):
    dashboard = results_page.context["dashboard"]
    expected = [
        group
        for scope in ("national", "level", "award_group", "ministry")
        for group in current_groups(YEAR, scope)
        if group.previous_mean is not None
    ]

    assert dashboard.changes == expected
    assert {g.scope for g in expected} == {"national", "level", "award_group", "ministry"}
    drawn = chart(results_page, "changes")
    assert drawn["data"]["labels"] == [g.name_en for g in expected]
    assert drawn["data"]["datasets"][0]["data"] == [two_places(g.change) for g in expected]


def test_the_change_is_that_of_the_two_means_shown(client, close_figures, dga_staff):
    client.force_login(dga_staff)

    response = client.get(reverse("results:dashboard", args=[YEAR]))

    # The nation: 62.296 (62.30) against 61.904 (61.90): +0.40, not the +0.39 of 0.392.
    assertContains(response, 'id="figure-change">+0.40<')
    table = response.content.decode().split('id="change-table"')[1]
    national_row = table.split('data-group="national-all">')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end num[^"]*">([^<]*)</td>', national_row) == [
        "61.90",
        "62.30",
        "+0.40",
    ]
    assert chart(response, "changes")["data"]["datasets"][0]["data"][0] == 0.4


def test_a_summary_calls_no_dimension_highest_or_lowest_when_their_means_are_equal(registry):
    # SERVICE defaults to the overall score, so POLICY and SERVICE are 60 for A and 70 for B.
    year = scored_year(2569, {registry.a: Figures("60"), registry.b: Figures("70")})

    with translation.override("en"):
        dashboard = results_dashboard(year)

    by_key = {ranking.group.key: ranking for ranking in dashboard.rankings}
    assert by_key["department"].summary == (
        "Department level: overall 65.00; POLICY 65.00, SERVICE 65.00."
    )


def test_a_first_year_has_no_change_to_show(client, registry, dga_staff):
    scored_year(2569, {registry.a: Figures("70")})
    client.force_login(dga_staff)

    response = client.get(reverse("results:dashboard", args=[2569]))

    assert response.context["dashboard"].changes == []
    assert response.context["dashboard"].previous_year is None
    assertNotContains(response, 'data-chart="chart-changes"')


def test_results_come_from_the_current_run_only(client, published, dga_staff):
    """An older run of the year (not current) with other numbers is never read."""
    old = ScoringRun.objects.create(
        year=published.year,
        trigger=ScoringRun.Trigger.RECOMPUTE,
        status=ScoringRun.Status.COMPLETE,
        started_at=timezone.now() - timedelta(days=3),
    )
    GroupScore.objects.create(
        run=old, scope="national", key="all", name_th="x", name_en="x", agencies=99,
        overall_mean=D(1), rank=1,
    )  # fmt: skip
    client.force_login(dga_staff)

    dashboard = client.get(reverse("results:dashboard", args=[YEAR])).context["dashboard"]

    assert dashboard.national.agencies == 6
    assert dashboard.run.is_current


# The fieldwork dashboard --------------------------------------------------------------------------


@pytest.fixture
def fieldwork(registry):
    """2569, open: A submitted, B started (an answer saved), C returned, U1 never started
    (two people with an account), U2 not started; D not invited."""
    r = registry
    year = SurveyYearFactory(year=2569, status=SurveyYear.Status.OPEN)
    now = timezone.now()
    Response.objects.create(
        year=year, agency=r.a, status=Response.Status.SUBMITTED, started_at=now, submitted_at=now
    )
    started = Response.objects.create(year=year, agency=r.b, started_at=now - timedelta(days=2))
    question = QuestionFactory(dimension__year=year)
    Answer.objects.create(response=started, question=question, value="yes", updated_at=now)
    Response.objects.create(
        year=year,
        agency=r.c,
        status=Response.Status.RETURNED,
        started_at=now - timedelta(days=5),
        returned_at=now - timedelta(days=1),
        returned_reason="Evidence missing",
    )
    Response.objects.create(year=year, agency=r.u1)
    Response.objects.create(year=year, agency=r.u2)
    MembershipFactory(agency=r.u1)
    MembershipFactory(agency=r.u1)
    return year


def test_fieldwork_figures_are_the_response_rate(client, fieldwork, dga_staff):
    client.force_login(dga_staff)

    response = client.get(reverse("results:fieldwork", args=[2569]))

    dashboard = response.context["dashboard"]
    overall = dashboard.overall
    assert (overall.invited, overall.started, overall.submitted, overall.percent) == (
        5, 3, 1, D("20.00"),
    )  # fmt: skip
    assert dashboard.status_counts == {
        "not_started": 2, "in_progress": 1, "returned": 1, "submitted": 1,
    }  # fmt: skip
    assert {(row.invited, row.started, row.submitted) for row in dashboard.by_level} == {
        (3, 3, 1),
        (2, 0, 0),
    }
    assert sum(row.invited for row in dashboard.by_province) == 2  # the provincial units
    assert sum(row.invited for row in dashboard.by_ministry) == 5  # units under their parents'
    assertContains(response, 'id="figure-invited">5<')
    assertContains(response, 'id="figure-percent">20.00 %<')
    assertContains(response, 'id="figure-to-chase">4<')
    levels = chart(response, "levels")
    assert [d["data"] for d in levels["data"]["datasets"]] == [
        [row.invited for row in dashboard.by_level],
        [row.started for row in dashboard.by_level],
        [row.submitted for row in dashboard.by_level],
    ]
    assert chart(response, "provinces")["data"]["datasets"][0]["data"] == [
        float(row.percent) for row in dashboard.by_province
    ]


def test_chase_list_holds_the_agencies_not_yet_submitted(client, fieldwork, registry, dga_staff):
    r = registry
    client.force_login(dga_staff)

    response = client.get(reverse("results:fieldwork", args=[2569]))

    rows = {row.agency.code: row for row in response.context["chase_rows"]}
    assert set(rows) == {r.b.code, r.c.code, r.u1.code, r.u2.code}
    assert rows[r.b.code].status == FieldworkStatus.IN_PROGRESS
    assert rows[r.c.code].status == FieldworkStatus.RETURNED
    assert rows[r.u1.code].status == FieldworkStatus.NOT_STARTED
    assert rows[r.u1.code].response.accounts == 2
    assert rows[r.b.code].response.accounts == 0
    assert rows[r.u1.code].response.last_activity is None
    b_answer = Answer.objects.get(response__agency=r.b)
    assert rows[r.b.code].response.last_activity == b_answer.updated_at
    c_response = Response.objects.get(year=fieldwork, agency=r.c)
    assert rows[r.c.code].response.last_activity == c_response.returned_at
    # A provincial unit is chased under its parent department's ministry.
    assert rows[r.u1.code].ministry_name == r.u1.parent.ministry.name_th
    assertContains(response, f'data-agency="{r.u1.code}"')
    assertNotContains(response, f'data-agency="{r.a.code}"')


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "not_started"}, {"u1", "u2"}),
        ({"status": "returned"}, {"c"}),
        ({"status": "in_progress"}, {"b"}),
        ({"status": "submitted"}, {"a"}),
        ({"status": "all"}, {"a", "b", "c", "u1", "u2"}),
        ({"level": "provincial_unit"}, {"u1", "u2"}),
        ({"level": "department", "status": "all"}, {"a", "b", "c"}),
        ({"status": "nonsense"}, {"b", "c", "u1", "u2"}),  # an unknown filter is ignored
    ],
)
def test_chase_list_filters(client, fieldwork, registry, dga_staff, query, expected):
    client.force_login(dga_staff)

    response = client.get(reverse("results:fieldwork", args=[2569]), query)

    codes = {row.agency.code for row in response.context["chase_rows"]}
    assert codes == {getattr(registry, name).code for name in expected}


def test_chase_list_filters_by_ministry_and_province(client, fieldwork, registry, dga_staff):
    r = registry
    client.force_login(dga_staff)
    url = reverse("results:fieldwork", args=[2569])

    by_ministry = client.get(url, {"ministry": r.m2.code, "status": "all"})
    by_unit_ministry = client.get(url, {"ministry": r.u1.parent.ministry.code})
    by_province = client.get(url, {"province": r.p1.code})

    assert {row.agency.code for row in by_ministry.context["chase_rows"]} == {r.c.code}
    assert r.u1.code in {row.agency.code for row in by_unit_ministry.context["chase_rows"]}
    assert {row.agency.code for row in by_province.context["chase_rows"]} == {r.u1.code, r.u2.code}


def test_chase_list_is_paginated(client, registry, dga_staff):
    year = SurveyYearFactory(year=2569, status=SurveyYear.Status.OPEN)
    Response.objects.bulk_create(
        Response(year=year, agency=DepartmentFactory(ministry=registry.m1)) for _ in range(55)
    )
    client.force_login(dga_staff)
    url = reverse("results:fieldwork", args=[2569])

    first = client.get(url, {"level": "department"})
    second = client.get(url, {"level": "department", "page": 2})

    assert len(first.context["chase_rows"]) == 50
    assert len(second.context["chase_rows"]) == 5
    assertContains(first, "?level=department&amp;page=2#chase")


def test_an_open_year_refreshes_every_30_seconds_through_htmx(client, fieldwork, dga_staff):
    client.force_login(dga_staff)
    live_url = reverse("results:fieldwork_live", args=[2569])

    page = client.get(reverse("results:fieldwork", args=[2569]), {"level": "department"})
    live = client.get(live_url, {"level": "department"}, headers={"HX-Request": "true"})

    assertContains(page, f'hx-get="{live_url}?level=department"')
    assertContains(page, 'hx-trigger="every 30s"')
    assertContains(page, 'hx-swap="outerHTML"')
    # The fragment replaces itself: the same element, still polling, without the page around it.
    content = live.content.decode()
    assert content.startswith('<div id="fieldwork-live" hx-get=')
    assert 'hx-trigger="every 30s"' in content
    assert "<html" not in content
    assert 'id="figure-invited">5<' in content
    assert 'data-chart="chart-levels"' in content


def test_a_closed_year_does_not_poll(client, published, dga_staff):
    client.force_login(dga_staff)

    response = client.get(reverse("results:fieldwork", args=[YEAR]))

    assertNotContains(response, "hx-trigger")
    assertContains(response, 'id="figure-submitted">6<')


# Queries ------------------------------------------------------------------------------------------


@pytest.fixture
def sized(db):
    """Two scored years of `n` departments (in `n` ministries) and `n` provincial units (in `n`
    provinces), and an open year inviting them all, some with an answer and accounts."""

    def build(n):
        departments = [DepartmentFactory() for _ in range(n)]
        units = [ProvincialUnitFactory(province=ProvinceFactory()) for _ in range(n)]
        agencies = departments + units
        scored_year(PREVIOUS, {a: Figures(str(40 + i)) for i, a in enumerate(agencies)})
        scored_year(
            YEAR, {a: Figures(str(50 + i), previous=str(40 + i)) for i, a in enumerate(agencies)}
        )
        year = SurveyYearFactory(year=2569, status=SurveyYear.Status.OPEN)
        question = QuestionFactory(dimension__year=year)
        for position, agency in enumerate(agencies):
            response = Response.objects.create(
                year=year, agency=agency, started_at=timezone.now() if position % 2 else None
            )
            if position % 2:
                Answer.objects.create(response=response, question=question, value="yes")
            MembershipFactory(agency=agency)
        return agencies

    return build


# Every page: the session, the user, the user's groups (dashboards_required).
AUTH = 3


@pytest.mark.parametrize("n", [2, 8])
def test_results_dashboard_queries_do_not_grow(
    client, sized, dga_staff, django_assert_num_queries, n
):
    sized(n)
    client.force_login(dga_staff)

    # The year; its current run; the dimensions; the groups and their dimension means (two);
    # the histogram's counts; the held-back scores; the previous year.
    with django_assert_num_queries(AUTH + 8):
        response = client.get(reverse("results:dashboard", args=[YEAR]))

    assert len(response.context["dashboard"].provinces) == n


@pytest.mark.parametrize("n", [2, 8])
@pytest.mark.parametrize("name", ["results:fieldwork", "results:fieldwork_live"])
def test_fieldwork_dashboard_queries_do_not_grow(
    client, sized, dga_staff, django_assert_num_queries, n, name
):
    sized(n)
    client.force_login(dga_staff)

    # The year; the ministries and provinces of the filters; the response rate overall, by
    # level, by ministry (two: departments, units under their parents) and by province; the
    # statuses; the chase list's count and page.
    with django_assert_num_queries(AUTH + 11):
        response = client.get(reverse(name, args=[2569]), {"status": "all"})

    assert len(response.context["chase_rows"]) == 2 * n


@pytest.mark.parametrize("years", [1, 3])
def test_index_queries_do_not_grow(client, dga_staff, django_assert_num_queries, years):
    for offset in range(years):
        SurveyYearFactory(year=2560 + offset, status=SurveyYear.Status.CLOSED)

    client.force_login(dga_staff)

    with django_assert_num_queries(AUTH + 1):  # the years with their invited and current run
        response = client.get(reverse("results:dashboards"))

    assert len(response.context["years"]) == years


def test_scores_with_problems_are_in_no_number(client, registry, dga_staff):
    """A held-back score counts in no aggregate: the page's numbers stay those of the others."""
    r = registry
    scored_year(2569, {r.a: Figures("80"), r.b: Figures("20", problems=[{"q": "X"}])})
    client.force_login(dga_staff)

    dashboard = client.get(reverse("results:dashboard", args=[2569])).context["dashboard"]

    assert dashboard.national.overall_mean == D(80)
    assert ResponseScore.objects.filter(run__year__year=2569).count() == 2
    assert sum(sum(h.counts) for h in dashboard.histograms) == 1


def test_the_admin_s_year_list_links_to_the_dashboards(client, published, dga_staff):
    SurveyYearFactory(year=2569, status=SurveyYear.Status.DRAFT)
    client.force_login(dga_staff)

    response = client.get(reverse("admin:surveys_surveyyear_changelist"))

    assertContains(response, f'href="{reverse("results:fieldwork", args=[YEAR])}"')
    assertContains(response, f'href="{reverse("results:dashboard", args=[YEAR])}"')
    assertNotContains(response, f'href="{reverse("results:fieldwork", args=[2569])}"')
