"""Shortlists generated from a year's final scores, stored in PostgreSQL: the figures, places and
reasons of each kind of category, exclusions, regeneration, finalised categories, stale detection,
the append-only audit record, the 2564 preset, and a query count that does not grow with the
number of agencies."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agencies.tests.factories import ProvinceFactory
from awards import services
from awards.models import AuditEntry, AwardCategory, Candidate, Exclusion, Shortlist
from awards.presets import awards_2564_create
from awards.selectors import shortlist_is_stale
from awards.shortlists import AwardError, shortlists_generate
from surveys.models import (
    Answer,
    DimensionScore,
    Question,
    ResponseScore,
    ScoringRun,
    SurveyYear,
)
from surveys.scores import run_aggregate
from surveys.tests.factories import DimensionFactory, QuestionFactory, SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

D = Decimal
Kind = AwardCategory.Kind
Standing = Candidate.Standing
Reason = Exclusion.Reason
MINIMUM = D(80)
PROBLEM = [{"question": "INFRA-01", "value": "maybe", "reason": "not an option"}]


def category_create(year, kind, code="AWARD", **fields) -> AwardCategory:
    return AwardCategory.objects.create(
        year=year, code=code, name_th=f"รางวัล {code}", name_en=f"Award {code}", kind=kind, **fields
    )


def generate(category) -> Shortlist:
    (shortlist,) = shortlists_generate(year_id=category.year_id, category_ids=[category.pk])
    return shortlist


def candidate_rows(shortlist, *fields) -> list[tuple]:
    return list(shortlist.candidates.order_by("order").values_list(*fields))


def exclusion_rows(shortlist) -> set[tuple]:
    return set(shortlist.exclusions.values_list("agency", "reason", "detail_en"))


def dimension(year, code):
    return year.dimensions.get(code=code)


def answer(agency, question, value):
    return Answer.objects.create(
        response=agency.responses.get(year=question.year), question=question, value=value
    )


def rescore(year, overall_by_agency=None) -> ScoringRun:
    """A new complete run of `year` with the current run's scores (or the given overall scores,
    every dimension equal to it), aggregated and made current as a recompute does."""
    overall_by_agency = overall_by_agency or {}
    old = ScoringRun.objects.get(year=year, is_current=True)
    new = ScoringRun.objects.create(
        year=year,
        trigger=ScoringRun.Trigger.RECOMPUTE,
        status=ScoringRun.Status.COMPLETE,
        finished_at=timezone.now(),
    )
    for score in old.scores.select_related("response__agency").prefetch_related("dimension_scores"):
        changed = overall_by_agency.get(score.response.agency)
        overall = score.overall if changed is None else D(changed)
        copy = ResponseScore.objects.create(
            run=new,
            response=score.response,
            overall=overall,
            previous_overall=score.previous_overall,
            change=None if score.previous_overall is None else overall - score.previous_overall,
            problems=score.problems,
        )
        for dimension_score in score.dimension_scores.all():
            value = dimension_score.value if changed is None else overall
            DimensionScore.objects.create(
                score=copy,
                dimension=dimension_score.dimension,
                earned=value,
                possible=100,
                value=value,
            )
    run_aggregate(new)
    # One current run per year (a partial unique constraint): the old one gives way first.
    old.is_current = False
    old.save(update_fields=["is_current"])
    new.is_current = True
    new.save(update_fields=["is_current"])
    return new


# Refusals -----------------------------------------------------------------------------------------


def test_generation_refused_for_a_year_whose_scores_are_not_final(departments):
    (agency,) = departments(1)
    year = scored_year(2564, {agency: Figures("90")}, status=SurveyYear.Status.CLOSED)
    category_create(year, Kind.TOP_OVERALL)

    with translation.override("en"), pytest.raises(AwardError) as refusal:
        shortlists_generate(year_id=year.pk)

    assert str(refusal.value) == (
        "2564 is closed: shortlists are generated once its scores are final (status “scored”)."
    )
    assert not Shortlist.objects.exists()
    assert not AuditEntry.objects.exists()


def test_generation_refused_for_a_scored_year_without_a_complete_run(db):
    year = SurveyYearFactory(year=2564, status=SurveyYear.Status.SCORED)
    category_create(year, Kind.TOP_OVERALL)

    with translation.override("en"), pytest.raises(AwardError) as refusal:
        shortlists_generate(year_id=year.pk)

    assert str(refusal.value) == "2564 has no complete scoring run."


# The 2564 preset ----------------------------------------------------------------------------------

FOCUS_CODES = ("INFRA-06", "INFRA-07", "TECH-06", "TECH-07", "TECH-08")


def preset_year(codes=FOCUS_CODES) -> SurveyYear:
    year = SurveyYearFactory(year=2564)
    DimensionFactory(year=year, code="POLICY", order=1, weight=D(50))
    service = DimensionFactory(year=year, code="SERVICE", order=2, weight=D(50))
    for code in codes:
        QuestionFactory(year=year, dimension=service, code=code)
    return year


def test_2564_preset_creates_nine_categories_of_thirty_three_awards(db):
    year = preset_year()

    created = awards_2564_create(year=year)

    categories = AwardCategory.objects.filter(year=year).order_by("order")
    assert len(created) == 9
    assert [category.code for category in categories] == [
        "LEADER", "TOP-SERVICE", "TOP-POLICY", "PROVINCE", "DATA-GOV", "OPEN-DATA",
        "IMPROVED-SERVICE", "IMPROVED-POLICY", "DIGITAL-LOCAL",
    ]  # fmt: skip
    assert sum(category.winners for category in categories) == 33
    assert {category.tiebreak_dimension.code for category in categories} == {"SERVICE"}
    data_governance = categories.get(code="DATA-GOV")
    assert sorted(data_governance.focus_questions.values_list("code", flat=True)) == [
        "INFRA-06",
        "INFRA-07",
    ]
    improved = categories.get(code="IMPROVED-SERVICE")
    assert (improved.kind, improved.winners, improved.minimum_score) == (
        Kind.MOST_IMPROVED,
        4,
        D(80),
    )
    assert (improved.level, improved.award_group) == ("department", "service")


def test_2564_preset_is_idempotent(db):
    year = preset_year()
    awards_2564_create(year=year)

    created_again = awards_2564_create(year=year)

    assert created_again == []
    assert AwardCategory.objects.filter(year=year).count() == 9


def test_2564_preset_refuses_naming_the_missing_focus_questions(db):
    year = preset_year(codes=("INFRA-06", "INFRA-07", "TECH-06"))

    with translation.override("en"), pytest.raises(AwardError) as refusal:
        awards_2564_create(year=year)

    assert str(refusal.value) == (
        "2564 has no question TECH-07, TECH-08, which the 2564 special awards score on. "
        "Import them into the questionnaire, or create those categories by hand."
    )
    assert not AwardCategory.objects.filter(year=year).exists()


def test_2564_preset_needs_no_focus_question_for_categories_made_by_hand(db):
    year = preset_year(codes=())
    for code in ("DATA-GOV", "OPEN-DATA"):
        category_create(year, Kind.TOP_OVERALL, code=code)

    created = awards_2564_create(year=year)

    assert len(created) == 7
    assert AwardCategory.objects.filter(year=year).count() == 9


# Most improved ------------------------------------------------------------------------------------


@pytest.fixture
def improved(departments, provincial_units):
    """2564 against 2563. Service departments: a +25, b +10, c +2 (all ≥ 80); below +39 but 79;
    new has no 2563 score; unscored did not submit; troubled has an unscorable answer. policy and
    unit are not in the category's group."""
    a, b, c, below, new, unscored, troubled = departments(7)
    (policy,) = departments(1, award_group="policy")
    (unit,) = provincial_units(1)
    scored_year(2563, {a: Figures("65"), b: Figures("75"), c: Figures("80"), below: Figures("40")})
    year = scored_year(
        2564,
        {
            a: Figures("90", previous="65"),
            b: Figures("85", previous="75"),
            c: Figures("82", previous="80"),
            below: Figures("79", previous="40"),
            new: Figures("95"),
            unscored: None,
            troubled: Figures("99", previous="50", problems=PROBLEM),
            policy: Figures("97", previous="60"),
            unit: Figures("96", previous="60"),
        },
    )
    return year, {
        "a": a, "b": b, "c": c, "below": below, "new": new, "unscored": unscored,
        "troubled": troubled, "policy": policy, "unit": unit,
    }  # fmt: skip


def improved_category(year, minimum=MINIMUM) -> AwardCategory:
    return category_create(
        year,
        Kind.MOST_IMPROVED,
        code="IMPROVED",
        winners=2,
        runners_up=1,
        level="department",
        award_group="service",
        minimum_score=minimum,
    )


def test_most_improved_shortlist_candidates_carry_their_figures_and_reasons(improved):
    year, agencies = improved
    category = improved_category(year)

    shortlist = generate(category)

    a, b, c = agencies["a"], agencies["b"], agencies["c"]
    assert candidate_rows(
        shortlist, "agency", "place", "standing", "score", "overall", "previous_overall", "change"
    ) == [
        (a.pk, 1, Standing.PROPOSED, D(25), D(90), D(65), D(25)),
        (b.pk, 2, Standing.PROPOSED, D(10), D(85), D(75), D(10)),
        (c.pk, 3, Standing.RUNNER_UP, D(2), D(82), D(80), D(2)),
    ]
    assert candidate_rows(shortlist, "reason_en") == [
        ("gain +25.00 over 2020; overall 90.00 ≥ 80; 1st of 3",),
        ("gain +10.00 over 2020; overall 85.00 ≥ 80; 2nd of 3",),
        ("gain +2.00 over 2020; overall 82.00 ≥ 80; 3rd of 3",),
    ]
    reason_th = shortlist.candidates.get(agency=a).reason_th
    for part in ("+25.00", "2563", "90.00", "80"):
        assert part in reason_th
    assert "2020" not in reason_th
    assert shortlist.ranked == 3
    assert shortlist.is_current
    assert shortlist.run == ScoringRun.objects.get(year=year, is_current=True)


def test_most_improved_candidate_snapshot_of_dimensions_and_group(improved):
    year, agencies = improved
    shortlist = generate(improved_category(year))

    first = shortlist.candidates.get(agency=agencies["a"])

    assert [(row["code"], D(row["value"])) for row in first.dimension_scores] == [
        ("POLICY", D(90)),
        ("SERVICE", D(90)),
    ]
    assert first.tiebreak == D(90)
    # The service group ranks every scored service department without problems:
    # new 95, a 90, b 85, c 82, below 79.
    assert (first.group_rank, first.group_size) == (2, 5)


def test_most_improved_exclusions_say_why(improved):
    year, agencies = improved

    shortlist = generate(improved_category(year))

    assert exclusion_rows(shortlist) == {
        (agencies["below"].pk, Reason.BELOW_MINIMUM, "overall 79.00 < 80"),
        (agencies["new"].pk, Reason.NO_PREVIOUS, "no score in 2020"),
        (agencies["unscored"].pk, Reason.NOT_SCORED, "no score in 2021"),
        (
            agencies["troubled"].pk,
            Reason.SCORE_PROBLEMS,
            "its score has answers that cannot be scored",
        ),
        (
            agencies["policy"].pk,
            Reason.NOT_ELIGIBLE,
            "Policy / coordination / regulation / other; the category is for Service-providing",
        ),
        (
            agencies["unit"].pk,
            Reason.NOT_ELIGIBLE,
            "Provincial unit; the category is for Department level",
        ),
    }
    no_previous = shortlist.exclusions.get(agency=agencies["new"])
    assert "2563" in no_previous.detail_th


def test_most_improved_without_a_minimum_set_uses_80(improved):
    year, agencies = improved
    category = improved_category(year, minimum=None)

    shortlist = generate(category)

    assert candidate_rows(shortlist, "agency", "standing") == [
        (agencies["a"].pk, Standing.PROPOSED),
        (agencies["b"].pk, Standing.PROPOSED),
        (agencies["c"].pk, Standing.RUNNER_UP),
    ]
    below = shortlist.exclusions.get(agency=agencies["below"])
    assert (below.reason, below.detail_en) == (Reason.BELOW_MINIMUM, "overall 79.00 < 80")
    assert shortlist.candidates.get(agency=agencies["a"]).reason_en == (
        "gain +25.00 over 2020; overall 90.00 ≥ 80; 1st of 3"
    )


# Ties ---------------------------------------------------------------------------------------------


def test_tie_at_the_cut_off_produces_tied_candidates(departments):
    first, second, third, fourth = departments(4)
    year = scored_year(
        2564,
        {
            first: Figures("90"),
            second: Figures("85", service="88"),
            third: Figures("85", service="88"),
            fourth: Figures("70"),
        },
    )
    category = category_create(year, Kind.TOP_OVERALL, winners=2, runners_up=0)

    shortlist = generate(category)

    rows = candidate_rows(shortlist, "agency", "place", "standing")
    assert rows[0] == (first.pk, 1, Standing.PROPOSED)
    # Equal on everything: in no particular order, sharing the place.
    assert sorted(rows[1:]) == sorted([(second.pk, 2, Standing.TIED), (third.pk, 2, Standing.TIED)])
    assert shortlist.candidates.get(agency=second).reason_en == (
        "overall 85.00; 2nd of 4; tie-break: SERVICE 88.00; "
        "tied at the cut-off: the committee decides"
    )


def test_tie_broken_by_the_tiebreak_dimension_says_so(departments):
    better, worse = departments(2)
    year = scored_year(
        2564, {better: Figures("85", service="90"), worse: Figures("85", service="80")}
    )
    category = category_create(year, Kind.TOP_OVERALL, winners=1, runners_up=1)

    shortlist = generate(category)

    assert candidate_rows(shortlist, "agency", "place", "standing", "tiebreak", "reason_en") == [
        (
            better.pk,
            1,
            Standing.PROPOSED,
            D(90),
            "overall 85.00; 1st of 2; tie-break: SERVICE 90.00",
        ),
        (
            worse.pk,
            2,
            Standing.RUNNER_UP,
            D(80),
            "overall 85.00; 2nd of 2; tie-break: SERVICE 80.00",
        ),
    ]


# Province -----------------------------------------------------------------------------------------


def test_province_shortlist_ranks_the_mean_of_provincial_units(provincial_units, departments):
    north, south, east, west = (ProvinceFactory() for _ in range(4))
    north_units = provincial_units(2, province=north)  # 80, 90 → 85
    (south_unit,) = provincial_units(1, province=south)  # 95
    east_units = provincial_units(3, province=east)  # 60, 70, 80 → 70
    (west_unit,) = provincial_units(1, province=west)  # invited, not scored
    (department,) = departments(1)
    scores = dict(zip(north_units, (Figures("80"), Figures("90")), strict=True))
    scores |= dict(zip(east_units, (Figures("60"), Figures("70"), Figures("80")), strict=True))
    scores |= {south_unit: Figures("95"), west_unit: None, department: Figures("99")}
    year = scored_year(2564, scores)
    category = category_create(year, Kind.PROVINCE, winners=2, runners_up=1)

    shortlist = generate(category)

    assert candidate_rows(shortlist, "province", "agency", "place", "standing", "score") == [
        (south.pk, None, 1, Standing.PROPOSED, D(95)),
        (north.pk, None, 2, Standing.PROPOSED, D(85)),
        (east.pk, None, 3, Standing.RUNNER_UP, D(70)),
    ]
    assert candidate_rows(shortlist, "reason_en") == [
        ("province score 95.00; 1 of 1 unit submitted; 1st of 3",),
        ("province score 85.00; 2 of 2 units submitted; 2nd of 3",),
        ("province score 70.00; 3 of 3 units submitted; 3rd of 3",),
    ]
    assert shortlist.ranked == 3
    unscored = shortlist.exclusions.get(province=west)
    assert (unscored.reason, unscored.detail_en) == (Reason.NOT_SCORED, "no score in 2021")
    assert not shortlist.exclusions.filter(province__in=[north, south, east]).exists()
    south_candidate = shortlist.candidates.get(province=south)
    assert (south_candidate.group_rank, south_candidate.group_size) == (1, 3)


def test_province_candidate_counts_its_submitted_units_of_those_invited(provincial_units):
    north, south = ProvinceFactory(), ProvinceFactory()
    submitted = provincial_units(2, province=north)  # 80, 90 → 85
    (silent,) = provincial_units(1, province=north)  # invited, did not submit
    provincial_units(1, province=north)  # not invited this year: not one of the units
    (troubled,) = provincial_units(1, province=south)  # submitted, its score cannot count
    (south_unit,) = provincial_units(1, province=south)
    scores = dict(zip(submitted, (Figures("80"), Figures("90")), strict=True))
    scores |= {silent: None, troubled: Figures("99", problems=PROBLEM), south_unit: Figures("70")}
    year = scored_year(2564, scores)
    category = category_create(year, Kind.PROVINCE, winners=1, runners_up=1)

    shortlist = generate(category)

    assert candidate_rows(shortlist, "province", "score", "units_counted", "units_total") == [
        (north.pk, D(85), 2, 3),
        (south.pk, D(70), 1, 2),
    ]
    first, second = shortlist.candidates.order_by("order")
    assert first.reason_en == "province score 85.00; 2 of 3 units submitted; 1st of 2"
    assert second.reason_en == "province score 70.00; 1 of 2 units submitted; 2nd of 2"


# Focus --------------------------------------------------------------------------------------------


FOCUS_ON = "score on INFRA-06, INFRA-07"
BY_OVERALL = "equal score: ordered by the overall score"


def test_focus_on_questions_scores_points_earned_of_possible_on_shown_questions(departments):
    a, b, c, unscored = departments(4)
    year = scored_year(2564, {a: Figures("70"), b: Figures("90"), c: Figures("80"), unscored: None})
    policy = dimension(year, "POLICY")
    plan = QuestionFactory(year=year, dimension=policy, code="INFRA-06", max_points=D(10))
    published = QuestionFactory(
        year=year,
        dimension=policy,
        code="INFRA-07",
        max_points=D(10),
        show_if_question=plan,
        show_if_value=Question.YES,
    )
    answer(a, plan, "yes")
    answer(a, published, "yes")  # 20 of 20 → 100
    answer(b, plan, "yes")
    answer(b, published, "no")  # 10 of 20 → 50
    answer(c, plan, "no")
    answer(c, published, "yes")  # INFRA-07 hidden by "no": 0 of 10 → 0
    answer(unscored, plan, "yes")
    category = category_create(year, Kind.FOCUS, winners=1, runners_up=1, level="department")
    category.focus_questions.set([plan, published])

    shortlist = generate(category)

    assert candidate_rows(shortlist, "agency", "place", "standing", "score", "reason_en") == [
        (a.pk, 1, Standing.PROPOSED, D(100), f"{FOCUS_ON} 100.00; overall 70.00; 1st of 3"),
        (b.pk, 2, Standing.RUNNER_UP, D(50), f"{FOCUS_ON} 50.00; overall 90.00; 2nd of 3"),
    ]
    assert shortlist.ranked == 3
    assert exclusion_rows(shortlist) == {(unscored.pk, Reason.NOT_SCORED, "no score in 2021")}


def test_focus_excludes_an_agency_asked_none_of_the_focus_questions(departments, provincial_units):
    (department,) = departments(1)
    (unit,) = provincial_units(1)
    year = scored_year(2564, {department: Figures("70"), unit: Figures("90")})
    plan = QuestionFactory(
        year=year, dimension=dimension(year, "POLICY"), code="INFRA-06", levels=["department"]
    )
    answer(department, plan, "yes")
    category = category_create(year, Kind.FOCUS, winners=1, runners_up=0)
    category.focus_questions.set([plan])

    shortlist = generate(category)

    assert candidate_rows(shortlist, "agency", "score") == [(department.pk, D(100))]
    assert exclusion_rows(shortlist) == {
        (unit.pk, Reason.NOT_SCORED, "asked none of the questions this award scores on")
    }


def test_focus_on_a_dimension_orders_equal_scores_by_overall(departments):
    a, b, c = departments(3)
    year = scored_year(
        2564,
        {
            a: Figures("80", service="95"),
            b: Figures("90", service="85"),
            c: Figures("70", service="95"),
        },
    )
    category = category_create(year, Kind.FOCUS, winners=1, runners_up=1)
    category.focus_dimensions.set([dimension(year, "SERVICE")])

    shortlist = generate(category)

    assert candidate_rows(shortlist, "agency", "place", "standing", "score", "reason_en") == [
        (
            a.pk,
            1,
            Standing.PROPOSED,
            D(95),
            f"score on SERVICE 95.00; overall 80.00; 1st of 3; {BY_OVERALL}",
        ),
        (
            c.pk,
            2,
            Standing.RUNNER_UP,
            D(95),
            f"score on SERVICE 95.00; overall 70.00; 2nd of 3; {BY_OVERALL}",
        ),
    ]


# Threshold and nomination -------------------------------------------------------------------------


def test_threshold_qualifies_every_agency_answering_the_criterion(departments):
    low, high, refused, silent, unscored, troubled = departments(6)
    year = scored_year(
        2564,
        {
            low: Figures("60"),
            high: Figures("95"),
            refused: Figures("99"),
            silent: Figures("88"),
            unscored: None,
            troubled: Figures("77", problems=PROBLEM),
        },
    )
    no_copies = QuestionFactory(year=year, dimension=dimension(year, "SERVICE"), code="NO-COPIES")
    for agency in (low, high, unscored, troubled):
        answer(agency, no_copies, "yes")
    answer(refused, no_copies, "no")
    category = category_create(
        year,
        Kind.THRESHOLD,
        winners=1,
        runners_up=0,
        criterion_question=no_copies,
        criterion_value="yes",
    )

    shortlist = generate(category)

    assert set(candidate_rows(shortlist, "agency", "place", "standing", "score", "reason_en")) == {
        (low.pk, None, Standing.QUALIFIED, None, "answered “yes” to NO-COPIES; overall 60.00"),
        (high.pk, None, Standing.QUALIFIED, None, "answered “yes” to NO-COPIES; overall 95.00"),
    }
    assert exclusion_rows(shortlist) == {
        (refused.pk, Reason.CRITERION_NOT_MET, "does not meet the criterion"),
        (silent.pk, Reason.CRITERION_NOT_MET, "does not meet the criterion"),
        (unscored.pk, Reason.NOT_SCORED, "no score in 2021"),
        (troubled.pk, Reason.SCORE_PROBLEMS, "its score has answers that cannot be scored"),
    }


def test_nomination_creates_an_empty_shortlist(departments):
    (agency,) = departments(1)
    year = scored_year(2564, {agency: Figures("90")})
    category = category_create(year, Kind.NOMINATION, winners=3, runners_up=0)

    shortlist = generate(category)

    assert shortlist.is_current
    assert (shortlist.candidates.count(), shortlist.exclusions.count(), shortlist.ranked) == (
        0,
        0,
        0,
    )


# Regeneration, finalised categories, staleness ----------------------------------------------------


@pytest.fixture
def top_year(departments):
    a, b, c = departments(3)
    year = scored_year(2564, {a: Figures("90"), b: Figures("85"), c: Figures("80")})
    return year, (a, b, c)


def test_regenerating_a_stale_shortlist_makes_a_new_current_one_and_keeps_the_old(top_year):
    year, (a, b, _c) = top_year
    category = category_create(year, Kind.TOP_OVERALL, winners=1, runners_up=1)
    first = generate(category)
    rescore(year)  # the same scores, recomputed: the shortlist is stale

    second = generate(category)

    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert list(Shortlist.objects.filter(category=category).order_by("pk")) == [first, second]
    assert candidate_rows(first, "agency", "standing") == [
        (a.pk, Standing.PROPOSED),
        (b.pk, Standing.RUNNER_UP),
    ]
    assert candidate_rows(second, "agency", "standing") == candidate_rows(
        first, "agency", "standing"
    )


UP_TO_DATE = (
    "The shortlist of Award TOP is up to date with the scores: regenerating it would restart "
    "the committee's votes. It can be regenerated once the scores change."
)


def test_regenerating_an_up_to_date_shortlist_is_refused_and_its_votes_stand(
    top_year, committee_member
):
    year, (a, _b, _c) = top_year
    category = category_create(year, Kind.TOP_OVERALL, code="TOP", winners=1, runners_up=1)
    shortlist = generate(category)
    vote = services.vote_cast(
        candidate=shortlist.candidates.get(agency=a), member=committee_member, choice="approve"
    )

    with translation.override("en"), pytest.raises(AwardError) as refusal:
        generate(category)

    assert str(refusal.value) == UP_TO_DATE
    assert list(Shortlist.objects.filter(category=category)) == [shortlist]
    shortlist.refresh_from_db()
    assert shortlist.is_current
    assert list(shortlist.candidates.get(agency=a).votes.all()) == [vote]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SHORTLIST_GENERATED).count() == 1


def test_a_named_request_with_an_up_to_date_shortlist_generates_nothing(top_year):
    year, _agencies = top_year
    top = category_create(year, Kind.TOP_OVERALL, code="TOP", order=1)
    new = category_create(year, Kind.TOP_OVERALL, code="NEW", order=2)
    kept = generate(top)

    with translation.override("en"), pytest.raises(AwardError) as refusal:
        shortlists_generate(year_id=year.pk, category_ids=[top.pk, new.pk])

    assert str(refusal.value) == UP_TO_DATE
    assert list(Shortlist.objects.order_by("pk")) == [kept]


def test_generating_the_year_leaves_up_to_date_shortlists_as_they_are(top_year):
    year, (_a, b, _c) = top_year
    up_to_date = category_create(year, Kind.TOP_OVERALL, code="TOP", order=1)
    stale = category_create(year, Kind.TOP_OVERALL, code="STALE", order=2)
    new = category_create(year, Kind.TOP_OVERALL, code="NEW", order=3)
    old = generate(stale)
    rescore(year, {b: "95"})
    kept = generate(up_to_date)  # from the new run

    generated = shortlists_generate(year_id=year.pk)

    assert [shortlist.category for shortlist in generated] == [stale, new]
    assert Shortlist.objects.get(category=up_to_date, is_current=True) == kept
    old.refresh_from_db()
    assert not old.is_current


def test_generating_a_year_whose_shortlists_are_all_up_to_date_is_refused(top_year):
    year, _agencies = top_year
    category_create(year, Kind.TOP_OVERALL, code="TOP", order=1)
    category_create(year, Kind.MOST_IMPROVED, code="IMPROVED", order=2)
    category_create(year, Kind.NOMINATION, code="LEADER", order=3)
    shortlists_generate(year_id=year.pk)

    with translation.override("en"), pytest.raises(AwardError) as refusal:
        shortlists_generate(year_id=year.pk)

    assert str(refusal.value) == (
        "The shortlists of Award TOP, Award IMPROVED are up to date with the scores: "
        "regenerating them would restart the committee's votes. They can be regenerated once "
        "the scores change."
    )
    assert Shortlist.objects.count() == 3


def test_finalised_category_is_not_regenerated_after_a_new_scoring_run(top_year):
    year, (a, _b, c) = top_year
    finalised = category_create(year, Kind.TOP_OVERALL, code="FINAL", winners=1, runners_up=0)
    still_open = category_create(year, Kind.TOP_OVERALL, code="OPEN", winners=1, runners_up=0)
    kept = generate(finalised)
    AwardCategory.objects.filter(pk=finalised.pk).update(
        status=AwardCategory.Status.FINALISED, finalised_at=timezone.now()
    )
    rescore(year, {c: "99"})

    regenerated = shortlists_generate(year_id=year.pk)

    assert [shortlist.category for shortlist in regenerated] == [still_open]
    assert list(Shortlist.objects.filter(category=finalised)) == [kept]
    kept.refresh_from_db()
    assert kept.is_current
    assert candidate_rows(kept, "agency", "overall") == [(a.pk, D(90))]
    assert candidate_rows(regenerated[0], "agency", "overall") == [(c.pk, D(99))]
    assert shortlists_generate(year_id=year.pk, category_ids=[finalised.pk]) == []


def test_shortlist_is_stale_after_a_new_run_until_regenerated(top_year):
    year, (_a, b, _c) = top_year
    category = category_create(year, Kind.TOP_OVERALL, winners=1, runners_up=0)
    before = generate(category)
    assert not shortlist_is_stale(before)

    rescore(year, {b: "95"})

    assert shortlist_is_stale(before)
    after = generate(category)
    assert not shortlist_is_stale(after)
    assert shortlist_is_stale(before)
    assert candidate_rows(after, "agency", "overall") == [(b.pk, D(95))]
    # The old shortlist keeps the figures the committee saw.
    assert candidate_rows(before, "overall") == [(D(90),)]


def test_shortlist_is_stale_when_its_run_is_rescored_since(top_year):
    year, (a, _b, _c) = top_year
    category = category_create(year, Kind.TOP_OVERALL, winners=1, runners_up=0)
    shortlist = generate(category)

    ResponseScore.objects.filter(response__agency=a, response__year=year).update(
        scored_at=shortlist.scores_as_of + timedelta(minutes=1)
    )

    assert shortlist_is_stale(shortlist)


def test_shortlist_is_stale_when_a_score_is_dropped_from_its_run(top_year):
    year, (_a, _b, c) = top_year
    category = category_create(year, Kind.TOP_OVERALL, winners=1, runners_up=0)
    shortlist = generate(category)

    # A returned response loses its score in the current run; nothing newer is written.
    ResponseScore.objects.filter(response__agency=c, response__year=year).delete()

    assert shortlist_is_stale(shortlist)


def test_regenerating_keeps_a_nomination_shortlist_and_its_nominees(top_year, committee_member):
    year, _agencies = top_year
    nomination = category_create(year, Kind.NOMINATION, code="LEADER")
    top = category_create(year, Kind.TOP_OVERALL, code="TOP", winners=1, runners_up=0)
    first = shortlists_generate(year_id=year.pk)
    nominee = services.nominee_add(category=nomination, member=committee_member, nominee="นายก")
    rescore(year)

    again = shortlists_generate(year_id=year.pk)

    assert [shortlist.category for shortlist in first] == [nomination, top]
    assert [shortlist.category for shortlist in again] == [top]
    assert Shortlist.objects.get(category=nomination, is_current=True).candidates.get() == nominee


# Audit record -------------------------------------------------------------------------------------


def test_each_generation_writes_an_audit_entry_with_the_counts(departments):
    first, second, third, unscored = departments(4)
    year = scored_year(
        2564,
        {first: Figures("90"), second: Figures("85"), third: Figures("85"), unscored: None},
    )
    category = category_create(year, Kind.TOP_OVERALL, winners=2, runners_up=0)
    run = ScoringRun.objects.get(year=year, is_current=True)

    with translation.override("en"):
        shortlist = generate(category)
        rescore(year)
        generate(category)

    entries = list(AuditEntry.objects.filter(category=category).order_by("pk"))
    assert len(entries) == 2
    entry = entries[0]
    assert (entry.action, entry.year, entry.actor) == (
        AuditEntry.Action.SHORTLIST_GENERATED,
        year,
        None,
    )
    assert entry.summary == (
        f"Shortlist generated from scoring run #{run.pk}: 1 proposed, 2 tied at the cut-off, "
        "0 runners-up, 0 meeting the criterion, 1 excluded."
    )
    assert entry.data["shortlist"] == shortlist.pk
    assert entry.data["run"] == run.pk
    assert [(row["place"], row["standing"]) for row in entry.data["candidates"]] == [
        (1, "proposed"),
        (2, "tied"),
        (2, "tied"),
    ]
    assert entry.data["excluded"] == {"not_scored": 1}


def test_audit_record_refuses_update_and_delete(top_year):
    year, _agencies = top_year
    generate(category_create(year, Kind.TOP_OVERALL))
    entry = AuditEntry.objects.get()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.get().summary == entry.summary


# Query count --------------------------------------------------------------------------------------


def year_of_every_kind(year_be, count, departments, provincial_units) -> SurveyYear:
    """`count` departments and `count` provincial units in two provinces, scored, with answers to
    the focus and criterion questions, and one category of each kind."""
    agencies = departments(count) + departments(count, award_group="policy")
    units = provincial_units(count, province=ProvinceFactory())
    units += provincial_units(count, province=ProvinceFactory())
    scores = {
        # Every category places someone at both sizes: an empty bulk_create makes no query.
        agency: Figures(str(80 + number % 20), previous=str(50 + number % 30))
        for number, agency in enumerate(agencies + units)
    }
    year = scored_year(year_be, scores)
    service = dimension(year, "SERVICE")
    focus = QuestionFactory(year=year, dimension=service, code="INFRA-06")
    criterion = QuestionFactory(year=year, dimension=service, code="NO-COPIES")
    for number, agency in enumerate(agencies + units):
        answer(agency, focus, "yes" if number % 2 else "no")
        answer(agency, criterion, "yes" if number % 3 else "no")
    for kind in (Kind.TOP_OVERALL, Kind.MOST_IMPROVED, Kind.PROVINCE, Kind.NOMINATION):
        category_create(year, kind, code=kind.upper().replace("_", "-"), winners=2)
    category_create(year, Kind.FOCUS, code="FOCUS-Q").focus_questions.set([focus])
    category_create(year, Kind.FOCUS, code="FOCUS-D").focus_dimensions.set([service])
    category_create(
        year, Kind.THRESHOLD, code="THRESHOLD", criterion_question=criterion, criterion_value="yes"
    )
    return year


def test_generation_query_count_does_not_grow_with_the_agencies(departments, provincial_units):
    small = year_of_every_kind(2564, 5, departments, provincial_units)
    large = year_of_every_kind(2565, 20, departments, provincial_units)

    with CaptureQueriesContext(connection) as small_queries:
        small_shortlists = shortlists_generate(year_id=small.pk)
    with CaptureQueriesContext(connection) as large_queries:
        large_shortlists = shortlists_generate(year_id=large.pk)

    assert len(small_shortlists) == len(large_shortlists) == 7
    assert (
        Candidate.objects.filter(shortlist__in=large_shortlists).count()
        > Candidate.objects.filter(shortlist__in=small_shortlists).count()
    )
    assert len(small_queries) == len(large_queries)
