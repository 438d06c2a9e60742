"""Celery tasks of the surveys app: thin wrappers that take ids and call `surveys.scores`.

Workers acknowledge a task only when it has finished and requeue it when the worker dies under
it (settings: acks late, reject on worker lost), so a killed worker's chunk is scored again;
scoring is idempotent, and a chunk started too often fails instead of looping.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import scores
from .models import ScoringRun

logger = logging.getLogger(__name__)

# Errors worth another try: the database restarted or a connection dropped.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    name="surveys.score_responses",
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
)
def score_responses(*, year_id: int, response_ids: list[int]) -> int | None:
    """Score these responses into their year's current run (a submission, or the periodic job)."""
    run = scores.scores_update(year_id=year_id, response_ids=response_ids)
    return run.pk if run else None


@shared_task(name="surveys.score_chunk", bind=True, max_retries=scores.CHUNK_MAX_ATTEMPTS)
def score_chunk(self, *, run_id: int, number: int) -> None:
    """Score one chunk of a recompute; the last chunk to finish queues the run's finish."""
    if not scores.scoring_chunk_begin(run_id=run_id, number=number):
        return
    try:
        last = scores.scoring_chunk_score(run_id=run_id, number=number)
    except TRANSIENT as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=2**self.request.retries) from error
        scores.scoring_chunk_fail(run_id=run_id, number=number, error=repr(error))
        raise
    except Exception as error:
        scores.scoring_chunk_fail(run_id=run_id, number=number, error=repr(error))
        raise
    if last:
        scoring_run_finish_task.delay(run_id=run_id)


@shared_task(name="surveys.scoring_run_finish", bind=True, max_retries=3)
def scoring_run_finish_task(self, *, run_id: int) -> None:
    """Aggregate a recompute and make it the year's current run."""
    try:
        scores.scoring_run_finish(run_id=run_id)
    except TRANSIENT as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=2**self.request.retries) from error
        _run_fail(run_id, error)
        raise
    except Exception as error:
        _run_fail(run_id, error)
        raise


def _run_fail(run_id: int, error: Exception) -> None:
    ScoringRun.objects.filter(pk=run_id, status=ScoringRun.Status.RUNNING).update(
        status=ScoringRun.Status.FAILED, error=repr(error)
    )
    logger.error("Scoring run %s failed while finishing: %r", run_id, error)


@shared_task(name="surveys.scores_reconcile")
def scores_reconcile() -> dict:
    """The periodic job: score what was missed, finish what was left unfinished."""
    queued = scores.scores_reconcile()
    if any(queued.values()):
        logger.info("Scoring caught up: %s", queued)
    return queued
