"""Celery tasks of the awards app: thin wrappers that take ids and call the services."""

import logging

from celery import shared_task
from django.db import transaction

from surveys.models import SurveyYear

from . import shortlists

logger = logging.getLogger(__name__)


@shared_task(name="awards.generate_shortlists")
def generate_shortlists(
    *, year_id: int, user_id: int | None = None, category_ids: list[int] | None = None
) -> list[int]:
    """Generate the year's shortlists (or those of `category_ids`); returns the shortlist ids.

    The year was checked when the task was queued; if it has gone, or its scores are no longer
    final by the time a worker takes the task, or a shortlist it names has been brought up to
    date meanwhile, nothing is generated and the reason is logged."""
    try:
        generated = shortlists.shortlists_generate(
            year_id=year_id, user_id=user_id, category_ids=category_ids
        )
    except SurveyYear.DoesNotExist:
        logger.warning("Shortlists not generated: survey year %s no longer exists.", year_id)
        return []
    except shortlists.AwardError as error:
        logger.warning("Shortlists of survey year %s not generated: %s", year_id, error)
        return []
    return [shortlist.pk for shortlist in generated]


def shortlists_request(*, year, user=None, category_ids=None) -> shortlists.GenerationPlan:
    """Check that the year's scores are final and which categories need a new shortlist, then
    queue the generation once the caller's transaction commits; returns what it comes to, for
    the caller to say. Raises AwardError (with the reason) if the scores are not final, or if
    the request names a shortlist that is up to date, or if every one is (`GenerationPlan.check`).
    Nothing is queued when no category needs one. The worker checks again, under the locks."""
    shortlists.final_run_of(year)
    category_ids = list(category_ids) if category_ids is not None else None
    plan = shortlists.generation_plan(year, category_ids=category_ids)
    plan.check()
    if not plan.due:
        return plan
    user_id = user.pk if user and user.is_authenticated else None
    transaction.on_commit(
        lambda: generate_shortlists.delay(
            year_id=year.pk, user_id=user_id, category_ids=category_ids
        )
    )
    return plan
