"""Scoring stored in PostgreSQL: idempotent, exact, recomputed into a new run that becomes
current atomically, and aggregated. The Celery side is in test_scoring_celery.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agencies.tests.factories import DepartmentFactory, UserFactory
from surveys import scores
from surveys.models import (
    Answer,
    DimensionScore,
    Evidence,
    GroupScore,
    Option,
    Question,
    Response,
    ResponseScore,
    ScoringChunk,
    ScoringRun,
    SurveyYear,
    YearTransition,
)
from surveys.scoring import ScoringError

from .conftest import build_questionnaire
from .factories import ResponseFactory, SurveyYearFactory

D = Decimal

# FIRST (weight 60): CHOICE partial 5/10, HASPLAN yes 10/10, PLANKIND national 4/4,
# CHANNELS 4 × 2 = 8 capped 6/6 → 25 of 30. SECOND (40): STAFF 12 → band 10 → 5/10,
# DIGITAL 60 % → band 50 → 10/10, NOTES text, PROVINCE not for departments, REPORT no file
# 0/5 → 15 of 25. Overall (60 × 83.33… + 40 × 60) ÷ 100 = 50 + 24 = 74.
FULL_ANSWERS = {
    "CHOICE": "partial",
    "HASPLAN": "yes",
    "PLANKIND": "national",
    "CHANNELS": ["app", "counter", "line", "web"],
    "STAFF": "12",
    "DIGITAL": "60",
    "NOTES": "Free text is not scored.",
}


def submit(response, answers, *, when=None):
    questions = {q.code: q for q in response.year.questions.all()}
    for code, value in answers.items():
        Answer.objects.update_or_create(
            response=response, question=questions[code], defaults={"value": value}
        )
    response.status = Response.Status.SUBMITTED
    response.submitted_at = when or timezone.now()
    response.save()
    return response


def recompute(year, *, chunk_size=None):
    """A recompute run in this process, chunk by chunk, as the workers would run it."""
    run = scores.scoring_run_start(year=year, chunk_size=chunk_size)
    for number in range(1, run.chunks_total + 1):
        assert scores.scoring_chunk_begin(run_id=run.pk, number=number)
        scores.scoring_chunk_score(run_id=run.pk, number=number)
    return scores.scoring_run_finish(run_id=run.pk)


def current_score(response):
    return ResponseScore.objects.get(run__is_current=True, response=response)


def dimension_values(score):
    return {
        ds.dimension.code: (ds.earned, ds.possible, ds.value)
        for ds in score.dimension_scores.select_related("dimension")
    }


def test_a_submitted_response_is_scored_as_computed_by_hand(response):
    submit(response, FULL_ANSWERS)

    scores.scores_update(year_id=response.year_id, response_ids=[response.pk])

    score = current_score(response)
    assert dimension_values(score) == {
        "FIRST": (D(25), D(30), D("83.33333333333333333333333333")),
        "SECOND": (D(15), D(25), D(60)),
    }
    assert score.overall == D(74)
    assert score.problems == []


def test_scoring_twice_leaves_the_same_rows(response):
    submit(response, FULL_ANSWERS)

    first = scores.scores_update(year_id=response.year_id, response_ids=[response.pk])
    second = scores.scores_update(year_id=response.year_id, response_ids=[response.pk])

    assert first == second
    assert ResponseScore.objects.filter(response=response).count() == 1
    assert DimensionScore.objects.filter(score__response=response).count() == 2
    assert ScoringRun.objects.filter(year=response.year).count() == 1


def test_an_attached_file_earns_its_points(response, respondent):
    submit(response, FULL_ANSWERS)
    Evidence.objects.create(
        response=response, question=response.year.questions.get(code="REPORT"),
        file="evidence/x.pdf", original_name="report.pdf", content_type="application/pdf", size=10,
    )  # fmt: skip

    scores.scores_update(year_id=response.year_id, response_ids=[response.pk])

    assert dimension_values(current_score(response))["SECOND"][:2] == (D(20), D(25))


def test_a_returned_response_loses_its_current_score(response):
    submit(response, FULL_ANSWERS)
    scores.scores_update(year_id=response.year_id, response_ids=[response.pk])
    response.status = Response.Status.RETURNED
    response.returned_reason = "Attach the plan."
    response.save()

    scores.scores_update(year_id=response.year_id, response_ids=[response.pk])

    assert not ResponseScore.objects.filter(response=response).exists()


def test_an_answer_whose_option_is_gone_is_reported_and_kept_out_of_the_aggregates(
    response, other_response
):
    submit(response, {**FULL_ANSWERS, "CHOICE": "retired-option"})
    submit(other_response, FULL_ANSWERS)

    with translation.override("en"):
        run = scores.scores_update(
            year_id=response.year_id, response_ids=[response.pk, other_response.pk]
        )

    assert current_score(response).problems == [
        {
            "question": "CHOICE",
            "value": "retired-option",
            "reason": "retired-option is not an option of this question",
        }
    ]
    nation = GroupScore.objects.get(run=run, scope="national")
    assert nation.agencies == 1
    assert nation.overall_mean == current_score(other_response).overall


def test_a_year_whose_weights_do_not_add_up_to_100_cannot_be_scored(open_year):
    open_year.dimensions.filter(code="SECOND").update(weight=D(35))

    with translation.override("en"), pytest.raises(ScoringError) as refused:
        scores.scoring_run_start(year=open_year)

    assert str(refused.value) == (
        "2569 cannot be scored: its dimension weights add up to 95, not 100 (FIRST 60, SECOND 35)."
    )
    assert not ScoringRun.objects.exists()


def test_a_published_year_is_not_recomputed(open_year):
    open_year.status, open_year.published_at = SurveyYear.Status.PUBLISHED, timezone.now()
    open_year.save()

    with translation.override("en"), pytest.raises(ScoringError, match="2569 is published"):
        scores.scoring_run_start(year=open_year)


def test_a_second_recompute_is_refused_while_one_runs(open_year, response):
    submit(response, FULL_ANSWERS)
    scores.scoring_run_start(year=open_year)

    with translation.override("en"), pytest.raises(ScoringError, match="already running"):
        scores.scoring_run_start(year=open_year)


def test_a_recompute_becomes_current_only_when_complete_and_earlier_runs_are_kept(
    response, other_response
):
    submit(response, FULL_ANSWERS)
    submit(other_response, {**FULL_ANSWERS, "CHOICE": "full"})
    old = scores.scores_update(
        year_id=response.year_id, response_ids=[response.pk, other_response.pk]
    )

    run = scores.scoring_run_start(year=response.year, chunk_size=1)
    scores.scoring_chunk_begin(run_id=run.pk, number=1)
    assert scores.scoring_chunk_score(run_id=run.pk, number=1) is False  # not the last chunk

    # Half-way, readers still see the old run, whole.
    assert ScoringRun.objects.current().get() == old
    assert ResponseScore.objects.filter(run__is_current=True).count() == 2

    scores.scoring_chunk_begin(run_id=run.pk, number=2)
    assert scores.scoring_chunk_score(run_id=run.pk, number=2) is True  # the last one
    scores.scoring_run_finish(run_id=run.pk)

    run.refresh_from_db()
    old.refresh_from_db()
    assert (run.is_current, run.status) == (True, ScoringRun.Status.COMPLETE)
    assert (old.is_current, old.scores.count()) == (False, 2)
    assert {s.response_id: s.overall for s in run.scores.all()} == {
        s.response_id: s.overall for s in old.scores.all()
    }


def test_a_chunk_scored_twice_is_not_duplicated(response):
    submit(response, FULL_ANSWERS)
    run = scores.scoring_run_start(year=response.year)
    scores.scoring_chunk_begin(run_id=run.pk, number=1)
    assert scores.scoring_chunk_score(run_id=run.pk, number=1) is True

    # A redelivered message for a chunk already done does nothing.
    assert scores.scoring_chunk_begin(run_id=run.pk, number=1) is False
    assert scores.scoring_chunk_score(run_id=run.pk, number=1) is False
    assert run.scores.count() == 1
    assert DimensionScore.objects.filter(score__run=run).count() == 2


def test_a_chunk_started_too_often_fails_the_run_instead_of_looping(response):
    submit(response, FULL_ANSWERS)
    run = scores.scoring_run_start(year=response.year)

    started = [scores.scoring_chunk_begin(run_id=run.pk, number=1) for _ in range(4)]

    assert started == [True, True, True, False]
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.FAILED
    assert ScoringChunk.objects.get(run=run).status == ScoringChunk.Status.FAILED
    assert scores.scoring_run_finish(run_id=run.pk).is_current is False


def test_finishing_catches_up_with_responses_submitted_during_the_run(response, other_response):
    submit(response, FULL_ANSWERS)
    run = scores.scoring_run_start(year=response.year)
    scores.scoring_chunk_begin(run_id=run.pk, number=1)
    scores.scoring_chunk_score(run_id=run.pk, number=1)
    submit(other_response, FULL_ANSWERS, when=timezone.now() + timedelta(seconds=1))

    scores.scoring_run_finish(run_id=run.pk)

    assert set(run.scores.values_list("response_id", flat=True)) == {
        response.pk,
        other_response.pk,
    }


def test_a_closed_year_becomes_scored_after_its_recompute(open_year, response):
    submit(response, FULL_ANSWERS)
    open_year.status = SurveyYear.Status.CLOSED
    open_year.save()

    recompute(open_year)

    open_year.refresh_from_db()
    assert open_year.status == SurveyYear.Status.SCORED


def test_the_scored_transition_is_recorded_with_who_started_the_recompute(open_year, response):
    submit(response, FULL_ANSWERS)
    SurveyYear.objects.filter(pk=open_year.pk).update(status=SurveyYear.Status.CLOSED)
    open_year.refresh_from_db()
    staff = UserFactory()
    run = scores.scoring_run_start(year=open_year, user=staff)
    scores.scoring_chunk_begin(run_id=run.pk, number=1)
    scores.scoring_chunk_score(run_id=run.pk, number=1)

    scores.scoring_run_finish(run_id=run.pk)

    entry = YearTransition.objects.get(year=open_year)
    assert (entry.from_status, entry.to_status, entry.by, entry.details) == (
        SurveyYear.Status.CLOSED,
        SurveyYear.Status.SCORED,
        staff,
        {"scoring_run": run.pk},
    )


def test_recomputing_a_scored_year_keeps_it_scored_without_a_transition(open_year, response):
    submit(response, FULL_ANSWERS)
    SurveyYear.objects.filter(pk=open_year.pk).update(status=SurveyYear.Status.SCORED)
    open_year.refresh_from_db()

    recompute(open_year)

    open_year.refresh_from_db()
    assert open_year.status == SurveyYear.Status.SCORED
    assert not YearTransition.objects.exists()


def test_a_changed_questionnaire_is_never_scored_with_the_cached_method(open_year):
    before = scores.scoring_method_of(open_year)
    question = open_year.questions.get(code="HASPLAN")
    # A frozen questionnaire changed behind the admin's back (a data fix in the shell).
    Question.objects.filter(pk=question.pk).update(max_points=D(20))
    open_year.refresh_from_db()

    after = scores.scoring_method_of(open_year)

    points = {q.code: q.max_points for q in after.questions}
    assert points["HASPLAN"] == D(20)
    assert {q.code: q.max_points for q in before.questions}["HASPLAN"] == D(10)


def test_a_changed_option_or_weight_is_never_scored_with_the_cached_method(open_year):
    scores.scoring_method_of(open_year)
    Option.objects.filter(question__year=open_year, value="full").update(points=D(7))
    open_year.dimensions.filter(code="FIRST").update(weight=D(50))
    open_year.dimensions.filter(code="SECOND").update(weight=D(50))
    open_year.refresh_from_db()

    method = scores.scoring_method_of(open_year)

    choice = next(q for q in method.questions if q.code == "CHOICE")
    assert choice.option_points["full"] == D(7)
    assert [d.weight for d in method.dimensions] == [D(50), D(50)]


def test_an_unchanged_frozen_questionnaire_is_read_once(open_year, django_assert_num_queries):
    scores.scoring_method_of(open_year)
    open_year.refresh_from_db()  # as every scoring path reads the year

    with django_assert_num_queries(0):
        scores.scoring_method_of(open_year)


def test_change_against_the_previous_year_matches_agencies_by_code(response, other_response):
    previous_year = SurveyYearFactory(year=2568, status=SurveyYear.Status.CLOSED)
    build_questionnaire(previous_year)
    last_year = submit(
        ResponseFactory(year=previous_year, agency=response.agency), {"CHOICE": "full"}
    )
    recompute(previous_year)
    submit(response, FULL_ANSWERS)
    submit(other_response, FULL_ANSWERS)

    scores.scores_update(year_id=response.year_id, response_ids=[response.pk, other_response.pk])

    before = current_score(last_year).overall
    # FIRST: CHOICE 10 of CHOICE, HASPLAN and CHANNELS' 26 (no plan hides PLANKIND): 38.46… × 0.6
    assert before == D("23.07692307692307692307692308")
    score = current_score(response)
    assert (score.previous_overall, score.change) == (before, D(74) - before)
    assert current_score(other_response).change is None


def test_recompute_aggregates_match_a_direct_computation(open_year):
    agencies = [DepartmentFactory(award_group=group) for group in ("service",) * 3 + ("policy",)]
    answers = ["none", "partial", "full", "partial"]
    responses = [
        submit(ResponseFactory(year=open_year, agency=agency), {**FULL_ANSWERS, "CHOICE": choice})
        for agency, choice in zip(agencies, answers, strict=True)
    ]

    run = recompute(open_year, chunk_size=3)

    overall = {r.pk: current_score(r).overall for r in responses}
    groups = {(g.scope, g.key): g for g in run.groups.all()}
    assert groups[("national", "all")].overall_mean == sum(overall.values()) / 4
    service = [overall[r.pk] for r in responses[:3]]  # the first three are service-providing
    assert groups[("award_group", "service")].overall_mean == sum(service) / 3
    assert groups[("award_group", "service")].agencies == 3
    ranks = dict(
        run.scores.filter(ranks__group=groups[("national", "all")]).values_list(
            "response_id", "ranks__rank"
        )
    )
    # "full" scores highest, the two "partial" share second place, "none" is fourth.
    assert [ranks[r.pk] for r in responses] == [4, 2, 1, 2]


def test_scoring_a_chunk_runs_the_same_queries_whatever_its_size(open_year):
    def queries_for(count):
        responses = [submit(ResponseFactory(year=open_year), FULL_ANSWERS) for _ in range(count)]
        run = scores.scoring_run_start(year=open_year, chunk_size=count)
        scores.scoring_chunk_begin(run_id=run.pk, number=1)
        with CaptureQueriesContext(connection) as captured:
            scores.scoring_chunk_score(run_id=run.pk, number=1)
        assert run.scores.count() == count
        scores.scoring_run_finish(run_id=run.pk)
        Response.objects.filter(pk__in=[r.pk for r in responses]).update(status="in_progress")
        return len(captured)

    # Lock the chunk (1); read the responses, answers, evidence and last year's scores (4);
    # delete earlier scores of these responses (2: dimension scores, scores); insert scores and
    # dimension scores (2); mark the chunk done, lock the run, look for chunks left (3);
    # savepoint/commit of the atomic block (1).
    assert queries_for(2) == queries_for(6) == 13
