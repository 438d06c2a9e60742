"""The scoring method's rules, each against a hand-computed expectation (no database)."""

from decimal import Decimal

import pytest
from django.utils import translation

from surveys.scoring import (
    ScoringDimension,
    ScoringError,
    ScoringMethod,
    ScoringQuestion,
    UnscorableAnswer,
    band_points,
    dimension_score,
    overall_score,
    question_points,
    score_change,
    score_difference,
    score_display,
    standouts,
)

D = Decimal
ALL = frozenset({"department", "provincial_unit", "special_local"})


def question(pk, kind, *, dimension=1, max_points="10", levels=ALL, **fields):
    return ScoringQuestion(
        pk=pk,
        code=f"Q{pk}",
        dimension_id=dimension,
        kind=kind,
        levels=frozenset(levels),
        max_points=D(max_points),
        **fields,
    )


CHOICE = question(1, "single_choice", option_points={"none": D(0), "partial": D(5), "full": D(10)})
MANY = question(
    2, "multiple_choice", max_points="6", option_points={v: D(2) for v in ("a", "b", "c", "d")}
)
YESNO = question(3, "yes_no", max_points="4")
BANDED = question(4, "percentage", bands=((D(0), D(0)), (D("10"), D(5)), (D("50.5"), D(10))))
FILE = question(5, "file", max_points="5")
TEXT = question(6, "long_text", max_points="0")


def test_single_choice_earns_the_chosen_option_points():
    assert question_points(CHOICE, "partial") == D(5)
    assert question_points(CHOICE, "full") == D(10)


def test_multiple_choice_sums_options_capped_at_the_maximum():
    assert question_points(MANY, ["a", "b"]) == D(4)
    assert question_points(MANY, ["a", "b", "c"]) == D(6)
    assert question_points(MANY, ["a", "b", "c", "d"]) == D(6)  # 8 capped at 6


def test_yes_earns_the_maximum_and_no_nothing():
    assert question_points(YESNO, "yes") == D(4)
    assert question_points(YESNO, "no") == D(0)


@pytest.mark.parametrize(
    ("value", "points"),
    [("0", 0), ("9.99", 0), ("10", 5), ("10.00", 5), ("50.49", 5), ("50.5", 10), ("100", 10)],
)
def test_a_number_earns_the_highest_band_it_reaches_minimums_inclusive(value, points):
    assert question_points(BANDED, value) == D(points)


def test_a_number_below_every_band_earns_nothing():
    assert band_points(((D(5), D(3)), (D(10), D(6))), D("4.99")) == D(0)


def test_a_file_earns_the_maximum_only_when_attached():
    assert question_points(FILE, None, evidence_count=2) == D(5)
    assert question_points(FILE, None, evidence_count=0) == D(0)


def test_text_and_unanswered_questions_earn_nothing():
    assert question_points(TEXT, "A long explanation") == D(0)
    assert question_points(CHOICE, None) == D(0)
    assert question_points(MANY, []) == D(0)


def test_points_never_exceed_the_maximum():
    generous = question(7, "single_choice", max_points="3", option_points={"x": D(8)})
    assert question_points(generous, "x") == D(3)


@pytest.mark.parametrize(
    ("target", "value"),
    [(CHOICE, "gone"), (MANY, ["a", "gone"]), (MANY, "a"), (YESNO, "maybe"), (BANDED, "lots")],
)
def test_an_answer_the_question_cannot_have_is_refused(target, value):
    with pytest.raises(UnscorableAnswer):
        question_points(target, value)


def test_dimension_score_is_earned_over_possible_times_100_exactly():
    assert dimension_score(D(2), D(3)) == D("66.66666666666666666666666667")
    assert dimension_score(D(0), D(0)) == D(0)


@translation.override("en")
def test_weights_must_add_up_to_100():
    dimensions = [ScoringDimension(1, "A", D(60)), ScoringDimension(2, "B", D(35))]
    with pytest.raises(ScoringError, match=r"add up to 95, not 100 \(A 60, B 35\)"):
        overall_score({1: D(50), 2: D(50)}, dimensions)
    with pytest.raises(ScoringError, match="2569 cannot be scored"):
        ScoringMethod(year=2569, dimensions=tuple(dimensions), questions=())


def test_overall_is_the_weighted_sum_of_dimension_scores():
    dimensions = [ScoringDimension(1, "A", D("20.5")), ScoringDimension(2, "B", D("79.5"))]
    # (20.5 × 80 + 79.5 × 40) ÷ 100 = (1640 + 3180) ÷ 100 = 48.2
    assert overall_score({1: D(80), 2: D(40)}, dimensions) == D("48.2")


def test_change_is_against_the_previous_year_when_there_is_one():
    assert score_change(D("84.10"), D("71.70")) == D("12.40")
    assert score_change(D("84.10"), None) is None


def test_display_rounds_half_up_to_two_decimals_only_there():
    assert score_display(D("66.665")) == D("66.67")
    assert score_display(D("66.66499999")) == D("66.66")
    assert score_display(D("0.005")) == D("0.01")
    assert score_display(None) is None


def test_difference_is_that_of_the_two_displayed_figures():
    # 61.904 shows as 61.90 and 62.296 as 62.30: the reader sees −0.40, not the −0.39 that the
    # unrounded difference (−0.392) would round to.
    assert score_difference(D("61.904"), D("62.296")) == D("-0.40")
    assert score_difference(D("33.345"), D("33.335")) == D("0.01")
    assert score_difference(D("50"), D("50")) == D("0.00")


def test_difference_without_both_figures_is_none():
    assert score_difference(None, D("62.30")) is None
    assert score_difference(D("61.90"), None) is None


def test_standouts_name_a_single_highest_and_lowest_displayed_mean():
    assert standouts([D("59.65"), D("57.20"), D("22.73")]) == (0, 2)
    assert standouts([D("22.73"), D("59.65"), D("57.20")]) == (1, 0)


def test_standouts_name_no_highest_when_the_top_displayed_mean_is_shared():
    # 59.651 and 59.649 both show as 59.65: neither is above the other as the reader sees them.
    assert standouts([D("59.651"), D("59.649"), D("22.73")]) == (None, 2)
    assert standouts([D("59.65"), D("22.73"), D("22.734")]) == (0, None)


def test_standouts_name_nothing_when_every_mean_is_equal_or_there_is_one():
    assert standouts([D("50"), D("50"), D("50")]) == (None, None)
    assert standouts([D("50")]) == (None, None)
    assert standouts([]) == (None, None)


def worked_example_method():
    """The README's worked example: two dimensions weighted 60/40."""
    policy, service = ScoringDimension(1, "POLICY", D(60)), ScoringDimension(2, "SERVICE", D(40))
    has_plan = question(11, "yes_no", dimension=1, max_points="10")
    plan_kind = question(
        12, "single_choice", dimension=1, max_points="6",
        show_if_question_id=11, show_if_value="yes",
        option_points={"own": D(3), "national": D(6)},
    )  # fmt: skip
    channels = question(
        13, "multiple_choice", dimension=2, max_points="6",
        option_points={"web": D(2), "app": D(2), "line": D(2), "counter": D(1)},
    )  # fmt: skip
    online = question(
        14, "percentage", dimension=2, max_points="10",
        bands=((D(0), D(0)), (D(25), D(4)), (D(50), D(7)), (D(75), D(10))),
    )  # fmt: skip
    provincial_only = question(15, "yes_no", dimension=2, levels={"provincial_unit"})
    notes = question(16, "long_text", dimension=2, max_points="0")
    report = question(17, "file", dimension=2, max_points="5")
    return ScoringMethod(
        year=2569,
        dimensions=(policy, service),
        questions=(has_plan, plan_kind, channels, online, provincial_only, notes, report),
    )


def test_worked_example_department_with_a_plan():
    result = worked_example_method().score(
        level="department",
        values={11: "yes", 12: "own", 13: ["web", "app", "line", "counter"], 14: "62.5"},
        evidence_counts={},
    )
    policy, service = result.dimensions
    # POLICY: 10 (yes) + 3 (own) = 13 of 16 → 81.25
    assert (policy.earned, policy.possible, policy.score) == (D(13), D(16), D("81.25"))
    # SERVICE: channels 7 capped at 6, 62.5 % → band 50 → 7, no file → 0; the provincial-only
    # question does not apply and text is not scored: 13 of 21 → 61.904761904761904761904761905
    assert (service.earned, service.possible) == (D(13), D(21))
    assert service.score == D("61.90476190476190476190476190")
    # overall (60 × 81.25 + 40 × 61.9047…) ÷ 100 = 48.75 + 24.7619… = 73.5119…
    assert result.overall == D("73.51190476190476190476190476")
    assert score_display(result.overall) == D("73.51")
    assert result.problems == ()


def test_a_question_hidden_by_show_if_is_left_out_and_unanswered_counts_zero():
    result = worked_example_method().score(
        level="provincial_unit", values={11: "no", 15: "yes"}, evidence_counts={17: 1}
    )
    policy, service = result.dimensions
    # POLICY: "no" hides the plan-kind question: 0 of 10
    assert (policy.earned, policy.possible, policy.score) == (D(0), D(10), D(0))
    # SERVICE: channels and percentage unanswered (0 of 6, 0 of 10), the provincial question
    # applies (10 of 10), the file is attached (5 of 5): 15 of 31
    assert (service.earned, service.possible) == (D(15), D(31))
    assert result.overall == D(40) * dimension_score(D(15), D(31)) / D(100)


def test_an_answer_whose_option_is_gone_is_reported_not_scored_silently():
    with translation.override("en"):
        result = worked_example_method().score(
            level="department", values={11: "yes", 12: "regional"}, evidence_counts={}
        )
    assert [problem.as_dict() for problem in result.problems] == [
        {
            "question": "Q12",
            "value": "regional",
            "reason": "regional is not an option of this question",
        }
    ]
    assert result.dimensions[0].earned == D(10)
