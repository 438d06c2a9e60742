"""The winners' tables of the published awards: each kind of category shows the figure its rule
ranked on, under that figure's name, with the figures that let a reader check it; and at 390 px
wide no table is cut off."""

import csv
import io

import pytest
from django.test.html import Element, parse_html
from django.urls import reverse
from django.utils import translation

from awards import services
from awards.models import AwardCategory, Candidate
from awards.publication import winners_without_english_name
from awards.shortlists import shortlists_generate
from surveys.models import Answer
from surveys.tests.factories import QuestionFactory
from surveys.tests.scored import Figures, scored_year

Kind = AwardCategory.Kind
YEAR = 2568
NOMINEE = "นางสาวสมศรี ใจดี"


def category_create(year, kind, code, order, **fields) -> AwardCategory:
    return AwardCategory.objects.create(
        year=year,
        code=code,
        order=order,
        name_th=f"รางวัล {code}",
        name_en=f"Award {code}",
        kind=kind,
        quorum=1,
        **fields,
    )


def finalise_and_publish(year, *, member, chair, staff):
    """Every category decided as its rule proposed (all qualified, every nominee), then the
    year published."""
    for category in AwardCategory.objects.filter(year=year):
        candidates = Candidate.objects.filter(
            shortlist__category=category, shortlist__is_current=True
        )
        for candidate in candidates:
            services.vote_cast(candidate=candidate, member=member, choice="approve")
        services.category_finalise(
            category=category,
            chair=chair,
            winner_ids=[
                candidate.pk
                for candidate in candidates
                if candidate.standing
                in (
                    Candidate.Standing.PROPOSED,
                    Candidate.Standing.QUALIFIED,
                    Candidate.Standing.NOMINEE,
                )
            ],
        )
    services.results_publish(year=year, user=staff)


@pytest.fixture
def every_kind(departments, provincial_units, chair, committee_member, dga_staff):
    """A published year with a category of each kind. Focus is on the Public Services dimension:
    Alpha leads it (95) with the lowest overall score (68.92), Charlie second (90; 81.42).
    Delta gained most: 70.124 → 80.125, a gain of 10.001 that reads 80.13 − 70.12 = +10.01.
    Bravo has the top overall score (85). Alpha and Charlie meet the threshold criterion."""
    alpha, bravo, charlie, delta = departments(4)
    (unit,) = provincial_units(1)
    year = scored_year(
        YEAR,
        {
            alpha: Figures("68.92", service="95"),
            bravo: Figures("85", previous="80", service="70"),
            charlie: Figures("81.42", service="90"),
            delta: Figures("80.125", previous="70.124", service="70"),
            unit: Figures("72.5"),
        },
    )
    department = {"level": "department", "runners_up": 0}
    category_create(year, Kind.TOP_OVERALL, "TOP", 1, winners=1, **department)
    category_create(year, Kind.MOST_IMPROVED, "IMPROVED", 2, winners=1, **department)
    category_create(year, Kind.PROVINCE, "PROVINCE", 3, winners=1, runners_up=0)
    focus = category_create(year, Kind.FOCUS, "FOCUS", 4, winners=2, **department)
    focus.focus_dimensions.set([year.dimensions.get(code="SERVICE")])
    question = QuestionFactory(year=year, dimension=year.dimensions.get(code="SERVICE"))
    for agency in (alpha, charlie):
        Answer.objects.create(
            response=agency.responses.get(year=year), question=question, value="yes"
        )
    category_create(
        year,
        Kind.THRESHOLD,
        "THRESHOLD",
        5,
        criterion_question=question,
        criterion_value="yes",
        **department,
    )
    leader = category_create(year, Kind.NOMINATION, "LEADER", 6)
    shortlists_generate(year_id=year.pk)
    services.nominee_add(category=leader, member=committee_member, nominee=NOMINEE, agency=alpha)
    finalise_and_publish(year, member=committee_member, chair=chair, staff=dga_staff)
    return {"alpha": alpha, "bravo": bravo, "charlie": charlie, "delta": delta, "unit": unit}


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def text_of(node) -> str:
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text_of(child) for child in node.children).split())


def find(node, predicate) -> list[Element]:
    if isinstance(node, str):
        return []
    found = [node] if predicate(node) else []
    for child in node.children:
        found += find(child, predicate)
    return found


def cell_text(cell) -> str:
    """A cell's text, or the address of the link it holds (the certificate)."""
    links = find(cell, lambda node: node.name == "a")
    return dict(links[0].attributes)["href"] if links else text_of(cell)


def winners_table(response, code) -> tuple[list[str], list[list[str]]]:
    """The column headings and the rows, as text, of a category's winners table."""
    (wrapper,) = find(
        parse_html(response.content.decode()),
        lambda node: ("id", f"category-{code}") in node.attributes,
    )
    (thead,) = find(wrapper, lambda node: node.name == "thead")
    (tbody,) = find(wrapper, lambda node: node.name == "tbody")
    headings = [text_of(cell) for cell in find(thead, lambda node: node.name == "th")]
    rows = [
        [cell_text(cell) for cell in row.children if not isinstance(cell, str)]
        for row in find(tbody, lambda node: node.name == "tr")
    ]
    return headings, rows


def certificate(code, **winner) -> str:
    candidate = Candidate.objects.get(shortlist__category__code=code, is_winner=True, **winner)
    return reverse("awards:certificate", args=[candidate.pk])


@pytest.fixture
def page(client, every_kind):
    return english(client).get(reverse("awards:results", args=[YEAR]))


def test_focus_table_shows_the_focus_score_under_its_name_beside_the_overall(page, every_kind):
    alpha, charlie = every_kind["alpha"], every_kind["charlie"]

    assert winners_table(page, "FOCUS") == (
        ["Place", "Winner", "Focus score", "Overall score", "Certificate"],
        [
            ["1", alpha.name_en, "95.00", "68.92", certificate("FOCUS", agency=alpha)],
            ["2", charlie.name_en, "90.00", "81.42", certificate("FOCUS", agency=charlie)],
        ],
    )


def test_most_improved_table_shows_a_gain_that_agrees_with_the_two_overall_scores(page, every_kind):
    delta = every_kind["delta"]
    headings = [
        "Place",
        "Winner",
        "Gain over the previous year",
        "This year's overall score",
        "Previous year's overall score",
        "Certificate",
    ]

    # The rule ranked on 10.001, which rounds to 10.00; the page shows 80.13 − 70.12.
    assert winners_table(page, "IMPROVED") == (
        headings,
        [["1", delta.name_en, "+10.01", "80.13", "70.12", certificate("IMPROVED", agency=delta)]],
    )


def test_top_overall_table_shows_the_overall_score_once(page, every_kind):
    bravo = every_kind["bravo"]

    assert winners_table(page, "TOP") == (
        ["Place", "Winner", "Overall score", "Certificate"],
        [["1", bravo.name_en, "85.00", certificate("TOP", agency=bravo)]],
    )


def test_province_table_shows_the_province_score(page, every_kind):
    province = every_kind["unit"].province
    name = f"{province.name_en} Province"

    assert winners_table(page, "PROVINCE") == (
        ["Place", "Winner", "Province score (mean of its submitted units)", "Certificate"],
        [["1", name, "72.50", certificate("PROVINCE", province=province)]],
    )


def test_threshold_table_shows_the_overall_score_and_no_place(page, every_kind):
    alpha, charlie = every_kind["alpha"], every_kind["charlie"]

    headings, rows = winners_table(page, "THRESHOLD")

    assert headings == ["Winner", "Overall score", "Certificate"]
    assert sorted(rows) == sorted(
        [
            [alpha.name_en, "68.92", certificate("THRESHOLD", agency=alpha)],
            [charlie.name_en, "81.42", certificate("THRESHOLD", agency=charlie)],
        ]
    )


def test_nomination_table_shows_no_figures(page, every_kind):
    alpha = every_kind["alpha"]

    assert winners_table(page, "LEADER") == (
        ["Winner", "Certificate"],
        # The nominee has a Thai name only, which the English page shows as it is.
        [[f"{NOMINEE} {alpha.name_en}", certificate("LEADER", nominee=NOMINEE)]],
    )


def test_thai_page_heads_each_score_column_with_its_figure_name(client, every_kind):
    response = client.get(reverse("awards:results", args=[YEAR]))

    with translation.override("th"):
        for category in AwardCategory.objects.filter(year__year=YEAR):
            headings, _rows = winners_table(response, category.code)
            if category.ranked_figure_name:
                assert headings[2] == category.ranked_figure_name
            else:
                assert len(headings) == (3 if category.shows_overall_beside else 2)


def test_csv_names_the_figure_ranked_on_beside_the_overall(client, every_kind):
    response = english(client).get(reverse("awards:export", args=[YEAR, "csv"]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    figures = [
        (
            row["Category code"],
            row["Figure ranked on"],
            row["Score ranked on"],
            row["Overall score"],
            row["Previous year's overall score"],
        )
        for row in rows
    ]
    assert figures == [
        ("TOP", "Overall score", "85.00", "85.00", ""),
        ("IMPROVED", "Gain over the previous year", "10.01", "80.13", "70.12"),
        ("PROVINCE", "Province score (mean of its submitted units)", "72.50", "72.50", ""),
        ("FOCUS", "Focus score", "95.00", "68.92", ""),
        ("FOCUS", "Focus score", "90.00", "81.42", ""),
        ("THRESHOLD", "", "", "68.92", ""),
        ("THRESHOLD", "", "", "81.42", ""),
        ("LEADER", "", "", "", ""),
    ]


def test_winners_without_english_name_are_the_nominees_named_in_thai(every_kind):
    year = AwardCategory.objects.get(code="LEADER").year

    missing = winners_without_english_name(year)

    assert [
        (result.category.code, [winner.name_th for winner in result.winners]) for result in missing
    ] == [("LEADER", [NOMINEE])]
    assert missing[0].winners[0].name_en == ""


def test_winners_without_english_name_is_empty_when_every_name_is_english(every_kind):
    Candidate.objects.filter(nominee=NOMINEE).update(nominee="Ms Somsri Jaidee")
    year = AwardCategory.objects.get(code="LEADER").year

    assert winners_without_english_name(year) == []


# In a browser -------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_winners_table_overflows_a_phone_and_each_heads_its_figure(
    browser, live_server, every_kind
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('awards:results', args=[YEAR])}")

        tables = page.eval_on_selector_all(
            "section .table-responsive",
            """wrappers => wrappers.map(wrapper => ({
                code: wrapper.closest("section").id.replace("category-", ""),
                scroll: wrapper.scrollWidth,
                client: wrapper.clientWidth,
                ranked: [...wrapper.querySelectorAll("thead th[data-figure=ranked]")]
                    .map(th => th.textContent.trim()),
            }))""",
        )
        page_width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()

    with translation.override("th"):
        expected = {
            category.code: [category.ranked_figure_name] if category.ranked_figure_name else []
            for category in AwardCategory.objects.filter(year__year=YEAR)
        }
    assert [table for table in tables if table["scroll"] > table["client"]] == []
    assert page_width <= 390
    assert {table["code"]: table["ranked"] for table in tables} == expected
