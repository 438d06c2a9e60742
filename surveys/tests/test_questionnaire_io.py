"""A questionnaire goes out as two files and comes back equal; a bad file is refused whole."""

from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.utils import translation

from agencies.services import RowError
from surveys.models import Dimension, Option, Question, ScoringBand, SurveyYear, frozen_message
from surveys.resources import (
    QuestionnaireImportError,
    bands_parse,
    options_parse,
    questionnaire_export,
    questionnaire_import,
)
from surveys.tests.factories import (
    DimensionFactory,
    OptionFactory,
    QuestionFactory,
    ScoringBandFactory,
    SurveyYearFactory,
)

DIMENSION_HEADERS = "year,code,order,name_th,name_en,description_th,description_en,weight"
QUESTION_HEADERS = (
    "year,dimension,code,order,kind,required,levels,max_points,text_th,text_en,help_th,help_en,"
    "show_if_question,show_if_value,options,bands"
)

ALIGNMENT_OPTIONS = [
    ("none", 0, "ไม่สอดคล้อง", "Not aligned"),
    ("partial", 5, "สอดคล้องบางส่วน", "Partly aligned"),
    ("full", 10, "สอดคล้องทั้งหมด", "Fully aligned"),
]


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def year_2569(db):
    """Two dimensions, five questions of five kinds, options, bands and a chain of show-ifs."""
    year = SurveyYearFactory(year=2569)
    policy = DimensionFactory(
        year=year, code="POLICY", order=1, weight=Decimal(40), description_th="นโยบาย"
    )
    service = DimensionFactory(year=year, code="SERVICE", order=2, weight=Decimal(60))
    plan = QuestionFactory(dimension=policy, code="POLICY-01", order=1, kind="yes_no")
    alignment = QuestionFactory(
        dimension=policy,
        code="POLICY-02",
        order=2,
        kind="single_choice",
        levels=["department", "provincial_unit"],
        help_en="Count only plans in force.",
        show_if_question=plan,
        show_if_value="yes",
    )
    for order, (value, points, label_th, label_en) in enumerate(ALIGNMENT_OPTIONS):
        OptionFactory(
            question=alignment,
            value=value,
            points=Decimal(points),
            order=order,
            label_th=label_th,
            label_en=label_en,
        )
    online = QuestionFactory(
        dimension=service,
        code="SERVICE-01",
        order=1,
        kind="percentage",
        levels=["local"],
        required=False,
        max_points=Decimal(20),
        show_if_question=alignment,
        show_if_value="full",
    )
    for minimum, points in [(0, 0), (50, 10), (80, 20)]:
        ScoringBandFactory(question=online, minimum=Decimal(minimum), points=Decimal(points))
    channels = QuestionFactory(
        dimension=service, code="SERVICE-02", order=2, kind="multiple_choice", max_points=5
    )
    OptionFactory(question=channels, value="web", points=Decimal("2.5"), label_en="Web, site")
    OptionFactory(question=channels, value="app", points=Decimal(3), label_th="แอป")
    QuestionFactory(
        dimension=service,
        code="SERVICE-03",
        order=3,
        kind="long_text",
        max_points=0,
        text_en='Describe "why",\nin two lines.',
        show_if_question=plan,
        show_if_value="no",
    )
    return year


def questionnaire_dump(year: SurveyYear) -> dict:
    """Everything of a questionnaire except ids and its year, comparable across years."""
    dimensions = [
        (d.code, d.order, d.name_th, d.name_en, d.description_th, d.description_en, d.weight)
        for d in year.dimensions.order_by("order", "code")
    ]
    questions = [
        (
            q.dimension.code, q.code, q.order, q.kind, q.required, q.levels, q.max_points,
            q.text_th, q.text_en, q.help_th, q.help_en,
            q.show_if_question.code if q.show_if_question else None, q.show_if_value,
            [(o.value, o.points, o.label_th, o.label_en) for o in q.options.all()],
            [(b.minimum, b.points) for b in q.bands.all()],
        )
        for q in year.questions.order_by("code")
    ]  # fmt: skip
    return {"dimensions": dimensions, "questions": questions}


def database_rows() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Dimension, Question, Option, ScoringBand)
    ]


def with_year(dataset: tablib.Dataset, year: int) -> tablib.Dataset:
    column = dataset.headers.index("year")
    rows = [[year if i == column else cell for i, cell in enumerate(row)] for row in dataset]
    return tablib.Dataset(*rows, headers=dataset.headers)


def csv_dataset(headers: str, *rows: list) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=headers.split(","))


def question_row(**values) -> list:
    """A valid yes/no question row of 2569's POLICY dimension, with `values` changed."""
    row = dict.fromkeys(QUESTION_HEADERS.split(","), "")
    row.update(
        year=2569, dimension="POLICY", code="NEW-01", order=9, kind="yes_no", required=1,
        levels="all", max_points=10, text_th="คำถามใหม่", text_en="A new question",
    )  # fmt: skip
    row.update(values)
    return list(row.values())


def test_export_writes_the_demo_file_format(year_2569):
    dimensions, questions = questionnaire_export(year_2569)

    assert dimensions.headers == DIMENSION_HEADERS.split(",")
    assert questions.headers == QUESTION_HEADERS.split(",")
    assert [row["code"] for row in questions.dict] == [
        "POLICY-01", "POLICY-02", "SERVICE-01", "SERVICE-02", "SERVICE-03"
    ]  # fmt: skip
    alignment, online = questions.dict[1], questions.dict[2]
    assert (alignment["levels"], alignment["show_if_question"], alignment["show_if_value"]) == (
        "department,provincial_unit",
        "POLICY-01",
        "yes",
    )
    assert alignment["options"] == (
        "none | 0 | ไม่สอดคล้อง | Not aligned\n"
        "partial | 5 | สอดคล้องบางส่วน | Partly aligned\n"
        "full | 10 | สอดคล้องทั้งหมด | Fully aligned"
    )
    assert (questions.dict[0]["levels"], online["required"], online["bands"]) == (
        "all",
        "0",
        "0 | 0\n50 | 10\n80 | 20",
    )


def test_export_then_import_into_a_new_draft_year_gives_an_equal_questionnaire(year_2569):
    SurveyYearFactory(year=2570)
    dimensions, questions = questionnaire_export(year_2569)

    summaries = questionnaire_import(
        dimensions=with_year(dimensions, 2570), questions=with_year(questions, 2570)
    )

    assert {name: (s.created, s.updated, s.unchanged) for name, s in summaries.items()} == {
        "dimensions": (2, 0, 0),
        "questions": (5, 0, 0),
    }
    copy = questionnaire_dump(SurveyYear.objects.get(year=2570))
    assert copy == questionnaire_dump(year_2569)
    assert len(copy["questions"]) == 5


def test_reimporting_the_export_into_the_same_year_changes_nothing(year_2569):
    dimensions, questions = questionnaire_export(year_2569)
    before = database_rows()

    summaries = questionnaire_import(dimensions=dimensions, questions=questions)

    assert {name: (s.created, s.updated, s.unchanged) for name, s in summaries.items()} == {
        "dimensions": (0, 0, 2),
        "questions": (0, 0, 5),
    }
    assert database_rows() == before


def test_xlsx_round_trip_into_a_new_year_gives_an_equal_questionnaire(year_2569):
    SurveyYearFactory(year=2570)
    files = [with_year(dataset, 2570).export("xlsx") for dataset in questionnaire_export(year_2569)]
    dimensions, questions = (tablib.Dataset().load(xlsx, format="xlsx") for xlsx in files)

    questionnaire_import(dimensions=dimensions, questions=questions)
    again = questionnaire_import(dimensions=dimensions, questions=questions)

    assert questionnaire_dump(SurveyYear.objects.get(year=2570)) == questionnaire_dump(year_2569)
    assert (again["questions"].unchanged, again["dimensions"].unchanged) == (5, 2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_keeps_cells_a_spreadsheet_would_read_as_formulas(year_2569, fmt):
    # The export writes such cells as text, behind an apostrophe; the import takes it off.
    growth = QuestionFactory(
        dimension=Dimension.objects.get(year=year_2569, code="SERVICE"),
        code="SERVICE-04",
        order=4,
        kind="number",
        max_points=5,
        help_th="- นับเฉพาะบริการที่เปิดใช้แล้ว",
        help_en="=the number of users, or 0",
        text_en="+/- how many users since last year?",
    )
    for minimum, points in [(-10, 0), (0, 5)]:  # the bands' cell starts with "-10 | 0"
        ScoringBandFactory(question=growth, minimum=Decimal(minimum), points=Decimal(points))
    SurveyYearFactory(year=2570)
    files = [with_year(dataset, 2570).export(fmt) for dataset in questionnaire_export(year_2569)]
    dimensions, questions = (tablib.Dataset().load(file, format=fmt) for file in files)

    questionnaire_import(dimensions=dimensions, questions=questions)

    assert questionnaire_dump(SurveyYear.objects.get(year=2570)) == questionnaire_dump(year_2569)


def test_changed_options_are_replaced_and_other_rows_stay_unchanged(year_2569):
    _, questions = questionnaire_export(year_2569)
    band_ids = set(ScoringBand.objects.values_list("pk", flat=True))
    options = questions.dict[1]["options"].replace("partial | 5 |", "partial | 6 |")
    changed = csv_dataset(
        QUESTION_HEADERS,
        *[
            [options if header == "options" and i == 1 else cell for header, cell in row.items()]
            for i, row in enumerate(questions.dict)
        ],
    )

    summary = questionnaire_import(dimensions=None, questions=changed)["questions"]

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 4)
    alignment = Question.objects.get(code="POLICY-02")
    assert [(o.value, o.points, o.order) for o in alignment.options.all()] == [
        ("none", 0, 1),
        ("partial", 6, 2),
        ("full", 10, 3),
    ]
    assert set(ScoringBand.objects.values_list("pk", flat=True)) == band_ids


def test_show_if_may_point_to_a_later_row(year_2569):
    questions = csv_dataset(
        QUESTION_HEADERS,
        question_row(code="NEW-01", show_if_question="NEW-02", show_if_value="yes"),
        question_row(code="NEW-02"),
    )

    summary = questionnaire_import(dimensions=None, questions=questions)["questions"]

    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    first = Question.objects.get(year=year_2569, code="NEW-01")
    assert (first.show_if_question.code, first.show_if_value) == ("NEW-02", "yes")


def test_a_file_with_bad_rows_saves_nothing_and_lists_every_bad_row(year_2569):
    before = database_rows()
    questions = csv_dataset(
        QUESTION_HEADERS,
        question_row(code="NEW-01"),
        question_row(code="NEW-02", year=2999),
        question_row(code="NEW-03", dimension="NOPE"),
        question_row(
            code="NEW-04", kind="single_choice", options="yes | 1 | ใช่ | Yes\nno | x | ไม่ | No"
        ),
        question_row(code="NEW-05", kind="essay"),
        question_row(code="NEW-06", levels="department,ministry"),
        question_row(code="NEW-07", kind="number"),
        question_row(code="NEW-08", bands="0 | 1"),
        question_row(code="NEW-09", kind="short_text"),
        question_row(code="NEW-10", show_if_question="NOPE-99", show_if_value="yes"),
        question_row(code="NEW-11", show_if_question="SERVICE-01", show_if_value="50"),
        question_row(code="NEW-12", show_if_question="POLICY-02", show_if_value="maybe"),
        question_row(code="NEW-01", required="perhaps"),
        question_row(code="NEW-13", kind="multiple_choice"),
        question_row(code="NEW-14", options="yes | 1 | ใช่ | Yes"),
        question_row(code="NEW-15", kind="single_choice", options="a | 12 | ก | A"),
        question_row(code="NEW-16", show_if_question="POLICY-01"),
    )

    with pytest.raises(QuestionnaireImportError) as raised:
        questionnaire_import(dimensions=None, questions=questions)

    errors = raised.value.errors
    assert raised.value.file == "questions"
    assert [(error.row, error.column) for error in errors] == [
        (2, "year"),
        (3, "dimension"),
        (4, "options"),
        (5, "kind"),
        (6, "levels"),
        (7, "bands"),
        (8, "bands"),
        (9, "max_points"),
        (10, "show_if_question"),
        (11, "show_if_question"),
        (12, "show_if_value"),
        (13, "code"),
        (13, "required"),
        (14, "options"),
        (15, "options"),
        (16, "options"),
        (17, "show_if_value"),
    ]
    assert RowError(2, "year", "unknown survey year “2999”") in errors
    assert RowError(3, "dimension", "unknown dimension code “NOPE”") in errors
    assert RowError(4, "options", "options line 2: points “x” is not a number") in errors
    assert RowError(10, "show_if_question", "unknown question code “NOPE-99”") in errors
    assert errors[9].message == "The show-if question must be single choice or yes/no."
    assert errors[10].message == "POLICY-02 has no value maybe; it has none, partial, full."
    assert [error.message for error in errors[13:]] == [
        "A choice question needs options, one a line: “value | points | label_th | label_en”.",
        "Only single and multiple choice questions have options.",
        "12 points are more than the question's maximum of 10.",
        "Give both show_if_question and show_if_value, or neither.",
    ]
    assert database_rows() == before


def test_questions_failing_roll_the_dimensions_back_too(year_2569):
    dimensions = csv_dataset(DIMENSION_HEADERS, [2569, "NEW", 3, "ใหม่", "New", "", "", 0])
    questions = csv_dataset(QUESTION_HEADERS, question_row(dimension="NEW", kind="number"))

    with pytest.raises(QuestionnaireImportError) as raised:
        questionnaire_import(dimensions=dimensions, questions=questions)

    assert (raised.value.file, [(e.row, e.column) for e in raised.value.errors]) == (
        "questions",
        [(1, "bands")],
    )
    assert not Dimension.objects.filter(code="NEW").exists()


def test_a_frozen_year_refuses_every_row_even_unchanged_ones(year_2569):
    dimensions, questions = questionnaire_export(year_2569)
    SurveyYear.objects.filter(pk=year_2569.pk).update(status=SurveyYear.Status.OPEN)
    year_2569.refresh_from_db()
    before = database_rows()

    with pytest.raises(QuestionnaireImportError) as raised:
        questionnaire_import(dimensions=dimensions, questions=questions)
    with pytest.raises(QuestionnaireImportError) as raised_for_questions:
        questionnaire_import(dimensions=None, questions=questions)

    message = frozen_message(year_2569)
    assert raised.value.errors == [RowError(1, "", message), RowError(2, "", message)]
    assert raised_for_questions.value.errors == [RowError(n, "", message) for n in range(1, 6)]
    assert database_rows() == before


def test_a_dimension_of_an_unknown_year_names_the_year(db):
    dimensions = csv_dataset(DIMENSION_HEADERS, [2600, "NEW", 1, "ใหม่", "New", "", "", "x"])

    with pytest.raises(QuestionnaireImportError) as raised:
        questionnaire_import(dimensions=dimensions, questions=None)

    assert raised.value.errors == [
        RowError(1, "weight", "“x” is not a number"),
        RowError(1, "year", "unknown survey year “2600”"),
    ]


def test_the_same_codes_in_two_years_of_one_file_are_not_repeats(year_2569):
    SurveyYearFactory(year=2570)
    dimensions, _ = questionnaire_export(year_2569)
    both_years = csv_dataset(
        DIMENSION_HEADERS, *[*dimensions], *with_year(dimensions, 2570), list(dimensions[0])
    )

    with pytest.raises(QuestionnaireImportError) as raised:
        questionnaire_import(dimensions=both_years, questions=None)

    assert raised.value.errors == [
        RowError(5, "code", "code “POLICY” appears more than once in the file (first on row 1)")
    ]


def test_option_lines_name_the_line_and_what_is_wrong():
    cell = "yes | 1 | ใช่ | Yes\n\nYes | 2 | ใช่ | Yes\nno | 1 | ไม่\nyes | 0 | ใช่ | Yes again"

    with pytest.raises(ValidationError) as raised:
        options_parse(cell)

    assert raised.value.messages == [
        "options line 3: value: Use lower-case letters, digits, hyphens and underscores, "
        "e.g. partial.",
        "options line 4: write it as “value | points | label_th | label_en”",
        "options line 5: “yes” appears more than once (first on line 1)",
    ]


def test_band_lines_are_numbers_with_distinct_minimums():
    assert [(b.minimum, b.points) for b in bands_parse("0 | 0\n 50.5 | 10 ")] == [
        (Decimal(0), Decimal(0)),
        (Decimal("50.5"), Decimal(10)),
    ]
    with pytest.raises(ValidationError) as raised:
        bands_parse("0 | 0\n0.00 | 5\nten | 1\n5 | -1")

    assert raised.value.messages == [
        "bands line 2: “0.00” appears more than once (first on line 1)",
        "bands line 3: minimum “ten” is not a number",
        "bands line 4: points: Ensure this value is greater than or equal to 0.",
    ]


@pytest.mark.parametrize("size", [1, 3])
def test_export_takes_the_same_queries_at_any_size(db, django_assert_num_queries, size):
    year = SurveyYearFactory()
    for _ in range(size):
        question = OptionFactory(question__dimension__year=year).question
        ScoringBandFactory(question__dimension=question.dimension)
        QuestionFactory(dimension=question.dimension, show_if_question=question, show_if_value="x")

    # dimensions; questions: count, page with year/dimension/show-if joined, options, bands
    with django_assert_num_queries(5):
        dimensions, questions = questionnaire_export(year)

    assert (len(dimensions), len(questions)) == (size, 3 * size)
