"""The award rules and the wording of their reasons, as pure functions: no database."""

from decimal import Decimal

import pytest
from django.utils import translation

from awards import reasons, rules
from awards.rules import Entrant, Rule, rule_apply

D = Decimal
MINIMUM = D(80)


def entrant(key, overall, *, previous=None, tiebreak=None, focus=None, **fields) -> Entrant:
    """A department of the service group; figures as strings, so that they read like the method."""
    overall = None if overall is None else D(overall)
    previous = None if previous is None else D(previous)
    return Entrant(
        key=key,
        level=fields.pop("level", "department"),
        award_group=fields.pop("award_group", "service"),
        overall=overall,
        previous_overall=previous,
        change=None if previous is None or overall is None else overall - previous,
        tiebreak=None if tiebreak is None else D(tiebreak),
        focus=None if focus is None else D(focus),
        **fields,
    )


def placed(result) -> list[tuple]:
    return [(p.entrant.key, p.standing, p.place, p.score) for p in result.placed]


def excluded(result) -> list[tuple]:
    return [(e.entrant.key, e.reason) for e in result.excluded]


# Each kind ----------------------------------------------------------------------------------------


def test_top_overall_proposes_the_highest_eligible_and_then_the_runners_up():
    entrants = [
        entrant(1, "70"),
        entrant(2, "95"),
        entrant(3, "99", award_group="policy"),
        entrant(4, "88"),
        entrant(5, "97", level="provincial_unit", award_group=""),
        entrant(6, "91"),
    ]
    rule = Rule(
        rules.TOP_OVERALL, winners=2, runners_up=1, level="department", award_group="service"
    )

    result = rule_apply(rule, entrants)

    assert placed(result) == [
        (2, rules.PROPOSED, 1, D(95)),
        (6, rules.PROPOSED, 2, D(91)),
        (4, rules.RUNNER_UP, 3, D(88)),
    ]
    assert result.ranked == 4
    assert [
        (e.entrant.key, e.reason, e.attribute, e.value, e.required) for e in result.excluded
    ] == [
        (3, rules.NOT_ELIGIBLE, "award_group", "policy", "service"),
        (5, rules.NOT_ELIGIBLE, "level", "provincial_unit", "department"),
    ]


def test_top_overall_eligibility_by_ministry_and_province():
    entrants = [
        entrant(1, "90", ministry_id=7, province_id=1),
        entrant(2, "95", ministry_id=8, province_id=1),
        entrant(3, "85", ministry_id=7, province_id=2),
    ]

    by_ministry = rule_apply(Rule(rules.TOP_OVERALL, winners=1, ministry_id=7), entrants)
    by_province = rule_apply(Rule(rules.TOP_OVERALL, winners=1, province_id=2), entrants)

    assert placed(by_ministry) == [(1, rules.PROPOSED, 1, D(90))]
    assert [(e.entrant.key, e.attribute, e.value, e.required) for e in by_ministry.excluded] == [
        (2, "ministry_id", 8, 7)
    ]
    assert placed(by_province) == [(3, rules.PROPOSED, 1, D(85))]
    assert excluded(by_province) == [(1, rules.NOT_ELIGIBLE), (2, rules.NOT_ELIGIBLE)]


def test_most_improved_ranks_gains_among_those_at_or_above_the_minimum():
    entrants = [
        entrant(1, "90", previous="65"),  # +25
        entrant(2, "85", previous="75"),  # +10
        entrant(3, "79", previous="40"),  # +39, but below 80: must not displace anyone
        entrant(4, "88"),  # no previous year
        entrant(5, "80", previous="78"),  # +2, exactly the minimum
        entrant(6, "95", previous="90"),  # +5
    ]
    rule = Rule(rules.MOST_IMPROVED, winners=2, runners_up=1, minimum=MINIMUM)

    result = rule_apply(rule, entrants)

    assert placed(result) == [
        (1, rules.PROPOSED, 1, D(25)),
        (2, rules.PROPOSED, 2, D(10)),
        (6, rules.RUNNER_UP, 3, D(5)),
    ]
    assert result.ranked == 4
    assert [(e.entrant.key, e.reason, e.value, e.required) for e in result.excluded] == [
        (3, rules.BELOW_MINIMUM, D(79), D(80)),
        (4, rules.NO_PREVIOUS, None, None),
    ]


def test_province_ranks_province_scores_without_agency_eligibility():
    provinces = [
        Entrant(key=10, province_id=10, overall=D(85)),
        Entrant(key=11, province_id=11, overall=D(95)),
        Entrant(key=12, province_id=12, overall=D(70)),
        Entrant(key=13, province_id=13),  # no provincial unit scored
    ]

    result = rule_apply(Rule(rules.PROVINCE, winners=2, runners_up=0), provinces)

    assert placed(result) == [(11, rules.PROPOSED, 1, D(95)), (10, rules.PROPOSED, 2, D(85))]
    assert excluded(result) == [(13, rules.NOT_SCORED)]
    assert result.ranked == 3


def test_focus_ranks_the_focus_score_and_orders_equal_ones_by_overall():
    entrants = [
        entrant(1, "70", focus="90"),
        entrant(2, "99", focus="80"),
        entrant(3, "85", focus="90"),
        entrant(4, "95"),  # asked none of the focus questions
    ]

    result = rule_apply(Rule(rules.FOCUS, winners=2, runners_up=1), entrants)

    assert placed(result) == [
        (3, rules.PROPOSED, 1, D(90)),
        (1, rules.PROPOSED, 2, D(90)),
        (2, rules.RUNNER_UP, 3, D(80)),
    ]
    assert [(e.entrant.key, e.reason, e.attribute) for e in result.excluded] == [
        (4, rules.NOT_SCORED, "focus")
    ]


def test_threshold_qualifies_everyone_who_meets_the_criterion_however_many():
    entrants = [entrant(key, "60", meets_criterion=key % 2 == 1) for key in range(1, 8)]

    result = rule_apply(Rule(rules.THRESHOLD, winners=1, runners_up=0), entrants)

    assert placed(result) == [(key, rules.QUALIFIED, None, None) for key in (1, 3, 5, 7)]
    assert excluded(result) == [(key, rules.CRITERION_NOT_MET) for key in (2, 4, 6)]
    assert result.ranked == 4


def test_nomination_places_and_excludes_nobody():
    result = rule_apply(Rule(rules.NOMINATION, winners=3), [entrant(1, "90"), entrant(2, None)])

    assert (result.placed, result.excluded, result.ranked) == ([], [], 0)


# Ties ---------------------------------------------------------------------------------------------


def test_tie_straddling_the_cut_off_marks_every_tied_entrant():
    entrants = [entrant(1, "90"), entrant(2, "85"), entrant(3, "85"), entrant(4, "80")]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=2, runners_up=0), entrants)

    assert placed(result) == [
        (1, rules.PROPOSED, 1, D(90)),
        (2, rules.TIED, 2, D(85)),
        (3, rules.TIED, 2, D(85)),
    ]


def test_tie_of_the_whole_field_for_one_award_is_tied():
    entrants = [entrant(1, "90"), entrant(2, "90"), entrant(3, "90")]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=1, runners_up=0), entrants)

    assert placed(result) == [(key, rules.TIED, 1, D(90)) for key in (1, 2, 3)]


def test_equal_gains_are_ordered_by_overall_then_by_the_tiebreak_dimension():
    entrants = [
        entrant(1, "85", previous="75", tiebreak="90"),  # +10, overall 85
        entrant(2, "90", previous="80", tiebreak="70"),  # +10, overall 90
        entrant(3, "90", previous="80", tiebreak="95"),  # +10, overall 90, better tie-break
    ]

    result = rule_apply(Rule(rules.MOST_IMPROVED, winners=3, minimum=MINIMUM), entrants)

    assert placed(result) == [
        (3, rules.PROPOSED, 1, D(10)),
        (2, rules.PROPOSED, 2, D(10)),
        (1, rules.PROPOSED, 3, D(10)),
    ]


def test_equal_overall_is_ordered_by_the_tiebreak_dimension_and_missing_sorts_last():
    entrants = [entrant(1, "90", tiebreak="80"), entrant(2, "90"), entrant(3, "90", tiebreak="85")]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=2, runners_up=1), entrants)

    assert placed(result) == [
        (3, rules.PROPOSED, 1, D(90)),
        (1, rules.PROPOSED, 2, D(90)),
        (2, rules.RUNNER_UP, 3, D(90)),
    ]


def test_entrants_equal_on_everything_share_a_place():
    entrants = [
        entrant(1, "95", tiebreak="90"),
        entrant(2, "90", tiebreak="88"),
        entrant(3, "90", tiebreak="88"),
        entrant(4, "80", tiebreak="99"),
    ]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=3, runners_up=1), entrants)

    assert placed(result) == [
        (1, rules.PROPOSED, 1, D(95)),
        (2, rules.PROPOSED, 2, D(90)),
        (3, rules.PROPOSED, 2, D(90)),
        (4, rules.RUNNER_UP, 4, D(80)),
    ]


def test_tie_inside_the_winners_is_all_proposed():
    entrants = [entrant(1, "90"), entrant(2, "90"), entrant(3, "85"), entrant(4, "80")]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=3, runners_up=0), entrants)

    assert placed(result) == [
        (1, rules.PROPOSED, 1, D(90)),
        (2, rules.PROPOSED, 1, D(90)),
        (3, rules.PROPOSED, 3, D(85)),
    ]


def test_runners_up_stop_at_their_count():
    entrants = [entrant(key, score) for key, score in enumerate(("90", "80", "70", "60"), start=1)]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=1, runners_up=2), entrants)

    assert placed(result) == [
        (1, rules.PROPOSED, 1, D(90)),
        (2, rules.RUNNER_UP, 2, D(80)),
        (3, rules.RUNNER_UP, 3, D(70)),
    ]
    assert result.excluded == []
    assert result.ranked == 4


def test_shared_place_at_the_end_of_the_runners_up_is_shown_whole():
    scores = ("90", "80", "70", "70", "70", "60")
    entrants = [entrant(key, score) for key, score in enumerate(scores, start=1)]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=1, runners_up=2), entrants)

    assert placed(result) == [
        (1, rules.PROPOSED, 1, D(90)),
        (2, rules.RUNNER_UP, 2, D(80)),
        (3, rules.RUNNER_UP, 3, D(70)),
        (4, rules.RUNNER_UP, 3, D(70)),
        (5, rules.RUNNER_UP, 3, D(70)),
    ]


# Exclusions ---------------------------------------------------------------------------------------


def test_empty_eligible_group_places_nobody_and_excludes_everyone():
    entrants = [entrant(1, "90"), entrant(2, "85")]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=1, award_group="policy"), entrants)

    assert result.placed == []
    assert excluded(result) == [(1, rules.NOT_ELIGIBLE), (2, rules.NOT_ELIGIBLE)]
    assert result.ranked == 0


def test_not_scored_and_score_with_problems_are_excluded_and_not_ranked():
    entrants = [entrant(1, None), entrant(2, "99", has_problems=True), entrant(3, "70")]

    result = rule_apply(Rule(rules.TOP_OVERALL, winners=1), entrants)

    assert placed(result) == [(3, rules.PROPOSED, 1, D(70))]
    assert excluded(result) == [(1, rules.NOT_SCORED), (2, rules.SCORE_PROBLEMS)]
    assert result.ranked == 1


@pytest.mark.parametrize(
    ("kind", "candidate", "reason"),
    [
        # Not eligible comes before not scored.
        (rules.MOST_IMPROVED, entrant(1, None, award_group="policy"), rules.NOT_ELIGIBLE),
        # Not scored before problems and no previous year.
        (rules.MOST_IMPROVED, entrant(1, None, has_problems=True), rules.NOT_SCORED),
        # Problems before no previous year.
        (rules.MOST_IMPROVED, entrant(1, "70", has_problems=True), rules.SCORE_PROBLEMS),
        # No previous year before below the minimum.
        (rules.MOST_IMPROVED, entrant(1, "70"), rules.NO_PREVIOUS),
        # Below the minimum before the criterion.
        (rules.THRESHOLD, entrant(1, "70"), rules.BELOW_MINIMUM),
    ],
)
def test_exclusion_reasons_come_in_the_documented_order(kind, candidate, reason):
    rule = Rule(kind, winners=1, minimum=MINIMUM, award_group="service")

    result = rule_apply(rule, [candidate])

    assert excluded(result) == [(1, reason)]


# Reasons ------------------------------------------------------------------------------------------


def most_improved_reason() -> str:
    return reasons.candidate_reason(
        kind=rules.MOST_IMPROVED,
        placed=rules.Placed(entrant(1, "84.10", previous="71.70"), rules.PROPOSED, 2, D("12.40")),
        ranked=311,
        minimum=MINIMUM,
        previous_year=2563,
    )


def test_most_improved_reason_in_english():
    with translation.override("en"):
        reason = most_improved_reason()

    assert reason == "gain +12.40 over 2020; overall 84.10 ≥ 80; 2nd of 311"


def test_most_improved_reason_in_thai_gives_the_buddhist_era_year_and_the_figures():
    with translation.override("th"):
        reason = most_improved_reason()

    for part in ("+12.40", "2563", "84.10", "80", "311"):
        assert part in reason
    assert "2020" not in reason
    assert "2nd" not in reason


def test_tied_reason_names_the_tie_break_and_the_committee():
    tied = rules.Placed(entrant(1, "85", tiebreak="88"), rules.TIED, 2, D(85))

    with translation.override("en"):
        reason = reasons.candidate_reason(
            kind=rules.TOP_OVERALL,
            placed=tied,
            ranked=4,
            minimum=None,
            previous_year=None,
            tiebreak_name="Public Services",
            tie="tiebreak",
        )

    assert reason == (
        "overall 85.00; 2nd of 4; tie-break: Public Services 88.00; "
        "tied at the cut-off: the committee decides"
    )


@pytest.mark.parametrize(
    ("minimum", "detail"),
    [
        (D(80), "overall 79.00 < 80"),
        (D("80.00"), "overall 79.00 < 80"),
        (D("79.5"), "overall 79.00 < 79.50"),
    ],
)
def test_below_minimum_detail(minimum, detail):
    below = rules.Excluded(entrant(1, "79"), rules.BELOW_MINIMUM, D(79), minimum)

    with translation.override("en"):
        text = reasons.exclusion_detail(below, year=2564, previous_year=2563, labels={})

    assert text == detail


def test_not_scored_detail_tells_a_missing_focus_score_from_a_missing_score():
    unscored = rules.Excluded(entrant(1, None), rules.NOT_SCORED)
    not_asked = rules.Excluded(entrant(2, "90"), rules.NOT_SCORED, attribute="focus")

    with translation.override("en"):
        details = [
            reasons.exclusion_detail(item, year=2564, previous_year=2563, labels={})
            for item in (unscored, not_asked)
        ]

    assert details == ["no score in 2021", "asked none of the questions this award scores on"]


@pytest.mark.parametrize(
    ("place", "ordinal"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (111, "111th"),
    ],
)
def test_place_label_ordinals_in_english(place, ordinal):
    with translation.override("en"):
        label = reasons.place_label(place, 311)

    assert label == f"{ordinal} of 311"


def test_place_label_in_thai_has_no_english_ordinal():
    with translation.override("th"):
        label = reasons.place_label(2, 311)

    assert "2" in label
    assert "311" in label
    assert "nd" not in label
