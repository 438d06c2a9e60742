"""An open survey year with a small questionnaire of every kind, and the two agencies' responses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.models import Agency
from surveys.models import Question, SurveyYear

from .factories import (
    DimensionFactory,
    OptionFactory,
    QuestionFactory,
    ResponseFactory,
    ScoringBandFactory,
    SurveyYearFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def build_questionnaire(year: SurveyYear, *, extra_questions: int = 0) -> dict[str, Question]:
    """Two dimensions (60/40) and one question of each kind; `extra_questions` more yes/no ones."""
    first = DimensionFactory(year=year, code="FIRST", order=1, weight=Decimal(60))
    second = DimensionFactory(year=year, code="SECOND", order=2, weight=Decimal(40))
    questions = {}

    def add(code, kind, dimension=first, **fields):
        questions[code] = QuestionFactory(
            year=year, dimension=dimension, code=code, kind=kind, order=len(questions) + 1,
            **fields,
        )  # fmt: skip
        return questions[code]

    choice = add("CHOICE", Question.Kind.SINGLE_CHOICE, max_points=Decimal(10))
    for order, (value, points) in enumerate([("none", 0), ("partial", 5), ("full", 10)]):
        OptionFactory(question=choice, value=value, order=order, points=Decimal(points),
                      label_th=f"ระดับ {value}", label_en=f"Level {value}")  # fmt: skip
    add("HASPLAN", Question.Kind.YES_NO)
    dependent = add(
        "PLANKIND", Question.Kind.SINGLE_CHOICE, show_if_question=questions["HASPLAN"],
        show_if_value="yes", max_points=Decimal(4),
    )  # fmt: skip
    OptionFactory(question=dependent, value="own", points=Decimal(2))
    OptionFactory(question=dependent, value="national", points=Decimal(4))
    many = add("CHANNELS", Question.Kind.MULTIPLE_CHOICE, max_points=Decimal(6))
    for value in ("web", "app", "line", "counter"):
        OptionFactory(question=many, value=value, points=Decimal(2))
    staff = add("STAFF", Question.Kind.NUMBER, dimension=second)
    share = add("DIGITAL", Question.Kind.PERCENTAGE, dimension=second)
    for question in (staff, share):
        for minimum, points in ((0, 0), (10, 5), (50, 10)):
            ScoringBandFactory(question=question, minimum=Decimal(minimum), points=Decimal(points))
    add("NOTES", Question.Kind.LONG_TEXT, dimension=second, required=False, max_points=0)
    add("PROVINCE", Question.Kind.YES_NO, dimension=second, levels=[Agency.Level.PROVINCIAL_UNIT])
    add("REPORT", Question.Kind.FILE, dimension=second, required=False, max_points=Decimal(5))
    for number in range(extra_questions):
        add(f"EXTRA-{number:03d}", Question.Kind.YES_NO, dimension=second, required=False)
    return questions


@pytest.fixture
def open_year(db):
    now = timezone.now()
    year = SurveyYearFactory(
        year=2569, opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=10)
    )
    build_questionnaire(year)
    year.status = SurveyYear.Status.OPEN
    year.save()
    year.refresh_from_db()  # the questionnaire version PostgreSQL raised while it was built
    return year


@pytest.fixture
def questions(open_year):
    return {q.code: q for q in open_year.questions.prefetch_related("options", "bands")}


@pytest.fixture
def response(open_year, agency, respondent):
    return ResponseFactory(year=open_year, agency=agency)


@pytest.fixture
def other_response(open_year, other_agency, other_respondent):
    return ResponseFactory(year=open_year, agency=other_agency)
