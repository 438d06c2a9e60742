"""The questionnaire's rules: reading answers, show-if, progress, freezing and opening a year."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from agencies.models import Agency
from surveys import services
from surveys.models import Question, SurveyYear
from surveys.questionnaire import InvalidAnswer, answer_parse, progress_count, visible_questions

from .conftest import build_questionnaire
from .factories import SurveyYearFactory


class TestAnswerParse:
    def test_values_are_stored_in_one_canonical_form(self, questions):
        assert answer_parse(questions["CHOICE"], [" full "]) == "full"
        assert answer_parse(questions["CHANNELS"], ["web", "app", "web", ""]) == ["app", "web"]
        assert answer_parse(questions["HASPLAN"], ["no"]) == "no"
        assert answer_parse(questions["STAFF"], ["1,200.50"]) == "1200.5"
        assert answer_parse(questions["DIGITAL"], ["100"]) == "100"
        assert answer_parse(questions["NOTES"], ["  ข้อความ "]) == "ข้อความ"

    def test_an_empty_answer_clears_it(self, questions):
        assert answer_parse(questions["CHOICE"], [""]) is None
        assert answer_parse(questions["CHANNELS"], [""]) is None

    @pytest.mark.parametrize(
        ("code", "raw"),
        [
            ("CHOICE", ["full", "none"]),
            ("CHANNELS", ["fax"]),
            ("HASPLAN", ["maybe"]),
            ("DIGITAL", ["100.01"]),
            ("STAFF", ["NaN"]),
            ("STAFF", ["1e400"]),
            ("NOTES", ["x" * 10_001]),
            ("REPORT", ["anything"]),
        ],
    )
    def test_bad_answers_are_refused(self, questions, code, raw):
        with pytest.raises(InvalidAnswer):
            answer_parse(questions[code], raw)


class TestVisibility:
    def test_show_if_and_levels(self, questions):
        ordered = sorted(questions.values(), key=lambda q: (q.dimension.order, q.order))
        codes = lambda shown: {q.code for q in shown}  # noqa: E731
        department = Agency.Level.DEPARTMENT
        hidden = visible_questions(ordered, level=department, values={})
        assert "PLANKIND" not in codes(hidden)
        assert "PROVINCE" not in codes(hidden)
        shown = visible_questions(
            ordered, level=department, values={questions["HASPLAN"].pk: "yes"}
        )
        assert "PLANKIND" in codes(shown)
        unit = visible_questions(ordered, level=Agency.Level.PROVINCIAL_UNIT, values={})
        assert "PROVINCE" in codes(unit)

    def test_progress_counts_shown_questions_and_lists_missing_required(self, questions):
        shown = [questions[code] for code in ("CHOICE", "HASPLAN", "NOTES", "REPORT")]
        progress = progress_count(
            shown,
            values={questions["CHOICE"].pk: "full"},
            evidence_counts={questions["REPORT"].pk: 1},
        )
        assert (progress.answered, progress.total, progress.percent) == (2, 4, 50)
        assert progress.missing_required == [questions["HASPLAN"]]


class TestYear:
    @pytest.fixture(autouse=True)
    def english(self):
        """The messages below are asserted in English, whatever an earlier test left active."""
        with translation.override("en"):
            yield

    def test_a_frozen_questionnaire_refuses_model_edits(self, open_year, questions):
        question = questions["CHOICE"]
        question.text_en = "Changed"
        with pytest.raises(ValidationError, match="frozen"):
            question.full_clean()

    def test_opening_lists_every_problem(self, db):
        year = SurveyYearFactory(year=2571)
        questions = build_questionnaire(year)
        questions["CHOICE"].options.all().delete()
        questions["STAFF"].bands.all().delete()
        dimension = questions["CHOICE"].dimension
        dimension.weight = Decimal(70)
        dimension.save()
        with pytest.raises(services.SurveyError) as error:
            services.survey_year_open(year=year)
        message = str(error.value)
        assert "add up to 110, not 100" in message
        assert "CHOICE" in message
        assert "STAFF" in message
        assert SurveyYear.objects.get(pk=year.pk).status == SurveyYear.Status.DRAFT

    def test_show_if_must_point_to_a_value_of_a_choice_question(self, db):
        year = SurveyYearFactory(year=2572)
        questions = build_questionnaire(year)
        dependent = questions["PLANKIND"]
        dependent.show_if_value = "perhaps"
        with pytest.raises(ValidationError, match="perhaps"):
            dependent.full_clean()
        dependent.show_if_question = questions["STAFF"]
        with pytest.raises(ValidationError, match="single choice or yes/no"):
            dependent.full_clean()

    def test_text_questions_are_not_scored(self, db):
        year = SurveyYearFactory(year=2573)
        note = build_questionnaire(year)["NOTES"]
        note.max_points = Decimal(5)
        with pytest.raises(ValidationError, match="not scored"):
            note.full_clean()
        assert note.kind == Question.Kind.LONG_TEXT
