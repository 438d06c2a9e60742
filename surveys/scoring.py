"""The published scoring method, as pure functions over plain data: no ORM inside.

- A question earns points from its answer: the chosen option's points (single choice); the sum of
  the chosen options' points, capped at the question's maximum (multiple choice); the maximum on
  "yes" and nothing on "no" (yes/no); the points of the highest band minimum the value reaches
  (number, percentage); the maximum when a file is attached (file evidence). Text is not scored.
  No question earns more than its maximum points.
- Dimension score = points earned ÷ points possible × 100, over the questions the agency is asked:
  a question that does not apply to its level, or that a show-if hid, is left out; an applicable
  question left unanswered earns nothing but still counts in the points possible.
- Overall score = Σ (dimension weight × dimension score) ÷ 100; the weights must add up to 100.

Arithmetic is exact Decimal at 28 significant digits (`SCORE_CONTEXT`); scores are stored that
way and rounded half up to two decimals only for display (`score_display`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .questionnaire import visible_questions

SCORE_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)
HUNDRED = Decimal(100)
ZERO = Decimal(0)
CENT = Decimal("0.01")

# Question kinds, as stored (surveys.models.Question.Kind values).
SINGLE_CHOICE, MULTIPLE_CHOICE, YES_NO = "single_choice", "multiple_choice", "yes_no"
NUMBER, PERCENTAGE, FILE = "number", "percentage", "file"
BANDED_KINDS = (NUMBER, PERCENTAGE)
YES, NO = "yes", "no"


class ScoringError(Exception):
    """The year cannot be scored; the message says why, for DGA staff."""


@dataclass(frozen=True, slots=True)
class ScoringQuestion:
    pk: int
    code: str
    dimension_id: int
    kind: str
    levels: frozenset[str]
    max_points: Decimal
    show_if_question_id: int | None = None
    show_if_value: str = ""
    # Single and multiple choice: option value → points.
    option_points: Mapping[str, Decimal] = field(default_factory=dict)
    # Number and percentage: (minimum, points), ascending by minimum.
    bands: tuple[tuple[Decimal, Decimal], ...] = ()

    def applies_to(self, level: str) -> bool:
        return level in self.levels


@dataclass(frozen=True, slots=True)
class ScoringDimension:
    pk: int
    code: str
    weight: Decimal


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """An answer that cannot be scored, e.g. an option that no longer exists."""

    question_code: str
    value: object
    reason: str

    def as_dict(self) -> dict:
        return {"question": self.question_code, "value": self.value, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class DimensionResult:
    dimension_id: int
    earned: Decimal
    possible: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class ResponseResult:
    dimensions: tuple[DimensionResult, ...]
    overall: Decimal
    problems: tuple[AnswerProblem, ...]


class UnscorableAnswer(ValueError):
    pass


def question_points(question: ScoringQuestion, value, evidence_count: int = 0) -> Decimal:
    """The points an answer earns, never more than the question's maximum.

    Raises UnscorableAnswer for a value the question cannot have (an option that no longer
    exists, a number that is not one).
    """
    kind = question.kind
    if kind == FILE:
        return question.max_points if evidence_count > 0 else ZERO
    if question.max_points == 0 or value in (None, "", []):
        return ZERO
    if kind == SINGLE_CHOICE:
        points = _option_points(question, value)
    elif kind == MULTIPLE_CHOICE:
        if not isinstance(value, list):
            raise UnscorableAnswer(_("a multiple-choice answer must be a list of options"))
        points = sum((_option_points(question, item) for item in set(value)), ZERO)
    elif kind == YES_NO:
        if value not in (YES, NO):
            raise UnscorableAnswer(_("a yes/no answer must be yes or no"))
        points = question.max_points if value == YES else ZERO
    elif kind in BANDED_KINDS:
        points = band_points(question.bands, _number(value))
    else:
        return ZERO  # text: not scored
    return min(points, question.max_points)


def _option_points(question: ScoringQuestion, value) -> Decimal:
    try:
        return question.option_points[value]
    except (KeyError, TypeError):
        raise UnscorableAnswer(
            _("%(value)s is not an option of this question") % {"value": value}
        ) from None


def _number(value) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise UnscorableAnswer(_("%(value)s is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise UnscorableAnswer(_("%(value)s is not a number") % {"value": value})
    return number


def band_points(bands: Sequence[tuple[Decimal, Decimal]], number: Decimal) -> Decimal:
    """The points of the highest band minimum that `number` reaches (minimums are inclusive);
    nothing below the lowest band."""
    points = ZERO
    for minimum, band in bands:
        if number < minimum:
            break
        points = band
    return points


def weights_check(dimensions: Iterable[ScoringDimension], *, year: int | None = None) -> None:
    """Raise ScoringError unless the dimension weights add up to exactly 100."""
    dimensions = list(dimensions)
    total = sum((dimension.weight for dimension in dimensions), ZERO)
    if not dimensions or total != HUNDRED:
        raise ScoringError(
            _(
                "%(year)s cannot be scored: its dimension weights add up to %(total)s, not 100 "
                "(%(weights)s)."
            )
            % {
                "year": year or _("This year"),
                "total": f"{total.normalize():f}",
                "weights": ", ".join(f"{d.code} {d.weight.normalize():f}" for d in dimensions),
            }
        )


@dataclass(frozen=True)
class ScoringMethod:
    """A year's questionnaire as the scoring method sees it; refuses weights that are not 100."""

    year: int
    dimensions: tuple[ScoringDimension, ...]
    questions: tuple[ScoringQuestion, ...]  # in questionnaire order

    def __post_init__(self):
        weights_check(self.dimensions, year=self.year)

    def score(
        self,
        *,
        level: str,
        values: Mapping[int, object],
        evidence_counts: Mapping[int, int] | None = None,
    ) -> ResponseResult:
        """Six (or however many) dimension scores and the overall score of one response."""
        return response_result(
            self, level=level, values=values, evidence_counts=evidence_counts or {}
        )


def response_result(
    method: ScoringMethod,
    *,
    level: str,
    values: Mapping[int, object],
    evidence_counts: Mapping[int, int],
) -> ResponseResult:
    earned = {dimension.pk: ZERO for dimension in method.dimensions}
    possible = dict(earned)
    problems = []
    for question in visible_questions(method.questions, level=level, values=values):
        if question.dimension_id not in possible:
            continue
        possible[question.dimension_id] += question.max_points
        try:
            points = question_points(
                question, values.get(question.pk), evidence_counts.get(question.pk, 0)
            )
        except UnscorableAnswer as problem:
            problems.append(AnswerProblem(question.code, values.get(question.pk), str(problem)))
            points = ZERO
        earned[question.dimension_id] += points
    dimensions = tuple(
        DimensionResult(
            dimension_id=dimension.pk,
            earned=earned[dimension.pk],
            possible=possible[dimension.pk],
            score=dimension_score(earned[dimension.pk], possible[dimension.pk]),
        )
        for dimension in method.dimensions
    )
    overall = overall_score(
        {result.dimension_id: result.score for result in dimensions}, method.dimensions
    )
    return ResponseResult(dimensions=dimensions, overall=overall, problems=tuple(problems))


def dimension_score(earned: Decimal, possible: Decimal) -> Decimal:
    """earned ÷ possible × 100; a dimension in which nothing can be earned scores 0."""
    if possible == 0:
        return ZERO
    return SCORE_CONTEXT.divide(SCORE_CONTEXT.multiply(earned, HUNDRED), possible)


def overall_score(scores: Mapping[int, Decimal], dimensions: Sequence[ScoringDimension]) -> Decimal:
    """Σ (weight × dimension score) ÷ 100, for weights that add up to 100."""
    weights_check(dimensions)
    total = ZERO
    for dimension in dimensions:
        total = SCORE_CONTEXT.add(
            total, SCORE_CONTEXT.multiply(dimension.weight, scores[dimension.pk])
        )
    return SCORE_CONTEXT.divide(total, HUNDRED)


def score_change(overall: Decimal, previous: Decimal | None) -> Decimal | None:
    """The change in overall score against the previous year; None without a previous score."""
    if previous is None:
        return None
    return SCORE_CONTEXT.subtract(overall, previous)


def score_display(score: Decimal | None) -> Decimal | None:
    """Two decimals, rounded half up: the only rounding a score ever gets."""
    if score is None:
        return None
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


def score_difference(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    """`value` against `reference` as a reader of the two figures computes it: the difference of
    the two displayed (rounded) figures, so that 61.90 against 62.30 reads −0.40 even when the
    unrounded difference (say −0.392) would round to −0.39. None without both figures."""
    if value is None or reference is None:
        return None
    return score_display(value) - score_display(reference)


def standouts(means: Sequence[Decimal]) -> tuple[int | None, int | None]:
    """The positions in `means` of the dimension to call "highest" and the one to call "lowest".

    A dimension is called highest only when its displayed (rounded) mean is strictly above every
    other dimension's displayed mean, and lowest only when strictly below every other: when the
    top (or bottom) figure is shared, none is called highest (or lowest), as the reader could not
    tell them apart. One dimension, or none, has neither.
    """
    shown = [score_display(mean) for mean in means]
    if len(shown) < 2:
        return None, None
    top, bottom = max(shown), min(shown)
    highest = shown.index(top) if shown.count(top) == 1 else None
    lowest = shown.index(bottom) if shown.count(bottom) == 1 else None
    return highest, lowest
