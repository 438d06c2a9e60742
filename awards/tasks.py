"""Celery tasks of the awards app: thin wrappers that take ids and call the services."""

from celery import shared_task
from django.db import transaction

from . import shortlists


@shared_task(name="awards.generate_shortlists")
def generate_shortlists(
    *, year_id: int, user_id: int | None = None, category_ids: list[int] | None = None
) -> list[int]:
    """Generate the year's shortlists (or those of `category_ids`); returns the shortlist ids."""
    return [
        shortlist.pk
        for shortlist in shortlists.shortlists_generate(
            year_id=year_id, user_id=user_id, category_ids=category_ids
        )
    ]


def shortlists_request(*, year, user=None, category_ids=None) -> None:
    """Check that the year's scores are final, then queue the generation once the caller's
    transaction commits. Raises AwardError (with the reason) if they are not."""
    shortlists.final_run_of(year)
    transaction.on_commit(
        lambda: generate_shortlists.delay(
            year_id=year.pk,
            user_id=user.pk if user and user.is_authenticated else None,
            category_ids=list(category_ids) if category_ids is not None else None,
        )
    )
