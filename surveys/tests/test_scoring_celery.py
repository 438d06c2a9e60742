"""Scoring in real Celery workers on Redis: on submit, on demand, by the periodic job, and after
a worker is killed in the middle of a recompute."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from agencies.tests.factories import DepartmentFactory
from conftest import _database_url_for, start_celery_worker
from dgaweb.celery import app
from surveys import scores
from surveys.aggregates import AgencyScore, aggregates_compute
from surveys.models import (
    Answer,
    DimensionScore,
    Evidence,
    GroupScore,
    Response,
    ResponseScore,
    ScoringChunk,
    ScoringRun,
)
from surveys.services import response_submit
from surveys.tasks import scores_reconcile

from .factories import ResponseFactory
from .test_scores import FULL_ANSWERS

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHOICES = ["none", "partial", "full"]


def wait_for(condition, *, timeout=60, message="condition", explain=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    details = f"\n{explain()}" if explain else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {message}.{details}")


def submitted_responses(year, count):
    """`count` departments' submitted responses, their CHOICE answer varying."""
    questions = {q.code: q for q in year.questions.all()}
    responses = [
        ResponseFactory(
            year=year,
            agency=DepartmentFactory(award_group="service" if n % 3 else "policy"),
            status=Response.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        for n in range(count)
    ]
    Answer.objects.bulk_create(
        Answer(
            response=response,
            question=questions[code],
            value=CHOICES[n % 3] if code == "CHOICE" else value,
        )
        for n, response in enumerate(responses)
        for code, value in FULL_ANSWERS.items()
    )
    return responses


def assert_one_current_score_each(year):
    """Every submitted response has exactly one score in the current run, with every
    dimension, and nothing else is there."""
    run = ScoringRun.objects.get(year=year, is_current=True)
    submitted = set(
        Response.objects.filter(year=year, status="submitted").values_list("pk", flat=True)
    )
    scored = list(run.scores.values_list("response_id", flat=True))
    assert sorted(scored) == sorted(submitted)
    assert DimensionScore.objects.filter(score__run=run).count() == 2 * len(submitted)
    return run


def assert_aggregates_match_a_direct_computation(run):
    """The stored aggregates equal the pure functions run over scores computed afresh."""
    method = scores.scoring_method_of(run.year)
    values = {}
    for response_id, question_id, value in Answer.objects.filter(
        response__year=run.year
    ).values_list("response_id", "question_id", "value"):
        values.setdefault(response_id, {})[question_id] = value
    direct = []
    for response in Response.objects.filter(year=run.year, status="submitted").select_related(
        "agency__ministry"
    ):
        result = method.score(level=response.agency.level, values=values.get(response.pk, {}))
        direct.append(
            AgencyScore(
                response_id=response.pk,
                agency_code=response.agency.code,
                level=response.agency.level,
                overall=result.overall,
                dimensions={d.dimension_id: d.score for d in result.dimensions},
                award_group=response.agency.award_group,
                ministry=response.agency.ministry.code,
            )
        )
    expected = {
        (group.scope, group.key): (group.agencies, group.overall_mean, group.rank)
        for group in aggregates_compute(direct, dimension_ids=[d.pk for d in method.dimensions])
    }
    stored = {
        (group.scope, group.key): (group.agencies, group.overall_mean, group.rank)
        for group in GroupScore.objects.filter(run=run)
    }
    assert stored == expected
    stored_overall = dict(run.scores.values_list("response_id", "overall"))
    assert stored_overall == {score.response_id: score.overall for score in direct}


def test_submitting_a_response_scores_it_in_a_worker(celery_worker, response, respondent):
    questions = {q.code: q for q in response.year.questions.all()}
    for code, value in FULL_ANSWERS.items():
        Answer.objects.create(response=response, question=questions[code], value=value)
    Evidence.objects.create(  # a "yes" needs its evidence before the response can be submitted
        response=response, question=questions["HASPLAN"], file="evidence/plan.pdf",
        original_name="plan.pdf", content_type="application/pdf", size=10,
    )  # fmt: skip

    response_submit(response=response, user=respondent)

    wait_for(
        lambda: ResponseScore.objects.filter(response=response, run__is_current=True).exists(),
        message="the submitted response's score",
    )
    assert ResponseScore.objects.get(response=response).overall == 74


def test_recompute_in_workers_scores_every_submitted_response_once(celery_worker, open_year):
    submitted_responses(open_year, 14)

    run = scores.scoring_run_start(year=open_year, chunk_size=3)  # 5 chunks, in parallel

    wait_for(
        lambda: ScoringRun.objects.get(pk=run.pk).status != ScoringRun.Status.RUNNING,
        message="the recompute",
    )
    run.refresh_from_db()
    assert (run.status, run.is_current, run.chunks_total) == ("complete", True, 5)
    assert run.chunks.filter(status=ScoringChunk.Status.DONE).count() == 5
    assert_one_current_score_each(open_year)
    assert_aggregates_match_a_direct_computation(run)


def test_the_periodic_job_scores_submitted_responses_that_were_missed(celery_worker, open_year):
    responses = submitted_responses(open_year, 4)  # submitted without any scoring queued

    queued = scores_reconcile.delay().get(timeout=30)

    assert queued == {"responses": 4, "runs": 0}
    wait_for(
        lambda: ResponseScore.objects.filter(run__is_current=True).count() == 4,
        message="the missed responses' scores",
    )
    assert_one_current_score_each(open_year)
    assert scores_reconcile.delay().get(timeout=30) == {"responses": 0, "runs": 0}
    scored = set(ResponseScore.objects.values_list("response_id", flat=True))
    assert scored == {response.pk for response in responses}


def test_a_recompute_survives_a_killed_worker(open_year):
    """SIGKILL the only worker half-way through a recompute, start another: the run completes
    with exactly one score per submitted response. The killed worker's messages were never
    acknowledged, so Redis hands them to the new worker after the visibility timeout."""
    submitted_responses(open_year, 90)
    queue = f"dgaweb-test-kill-{uuid.uuid4().hex[:8]}"
    # A worker killed while it held the restore sweep's lock leaves it for this long.
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
        "CELERY_UNACKED_MUTEX_SECONDS": "5",
    }
    first = start_celery_worker(queue=queue, concurrency=1, env=env)
    try:
        command = subprocess.run(
            [sys.executable, "manage.py", "score_year", "2569", "--no-wait", "--chunk-size", "2"],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "dgaweb.settings.test",
                "DATABASE_URL": _database_url_for(first.database),
                "REDIS_URL": settings.REDIS_URL,
                "CELERY_TASK_DEFAULT_QUEUE": queue,
            },
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "90 submitted responses in 45 chunks" in command.stdout
        run = ScoringRun.objects.get(year=open_year, trigger="recompute")

        def chunks_done():
            return run.chunks.filter(status=ScoringChunk.Status.DONE).count()

        wait_for(lambda: chunks_done() >= 4, message="the first chunks")
        first.kill()
        done_when_killed = chunks_done()
        assert 4 <= done_when_killed < 45, "the worker must die half-way through the run"
        assert ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.RUNNING

        second = start_celery_worker(queue=queue, concurrency=2, env=env)
        try:
            wait_for(
                lambda: ScoringRun.objects.get(pk=run.pk).status != ScoringRun.Status.RUNNING,
                timeout=90,
                message="the recompute to complete after the kill",
                explain=lambda: (
                    f"chunks: {list(run.chunks.values_list('number', 'status', 'attempts'))}\n"
                    f"first worker:\n{first.output()[-3000:]}\n"
                    f"second worker:\n{second.output()[-5000:]}"
                ),
            )
        finally:
            second.stop()
    finally:
        first.stop()
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)

    run.refresh_from_db()
    assert (run.status, run.is_current) == (ScoringRun.Status.COMPLETE, True), run.error
    assert run.chunks.filter(status=ScoringChunk.Status.DONE).count() == 45
    assert_one_current_score_each(open_year)
    assert_aggregates_match_a_direct_computation(run)
