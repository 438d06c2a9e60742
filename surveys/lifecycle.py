"""A survey year's lifecycle: draft → open → closed → scored → published, one way.

Guarantees:
- `year_transition` is the only writer of `SurveyYear.status`, `published_at` and
  `published_by`: opening and closing (surveys.services), scoring completing (surveys.scores),
  publishing the results (awards.services.results_publish) and the demo all call it.
- A step not in `TRANSITIONS` is refused with `YearTransitionRefused`, whose message names the
  year and both statuses, and nothing is written.
- The status is read from the locked row, never from the caller's copy, and the new status and
  its `YearTransition` record are written in the same transaction (a savepoint when the caller
  has one open), so the history is the whole story. PostgreSQL keeps that history append-only.
- "Published" is one fact: the step to published sets `published_at` and `published_by`, and a
  constraint refuses a published status without a time, or a time without the status.

No step goes back. A recompute of a scored year keeps it scored (surveys.scores moves only a
closed year to scored), a response returned for revision reopens that response, not the year,
and a published year's scores are final; none of them needs "reopen".
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SurveyYear, YearTransition
from .services import SurveyError

Status = SurveyYear.Status

# From each status, the statuses a year may go to next.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.OPEN},
    Status.OPEN: {Status.CLOSED},
    Status.CLOSED: {Status.SCORED},
    Status.SCORED: {Status.PUBLISHED},
    Status.PUBLISHED: set(),
}


class YearTransitionRefused(SurveyError):
    """The lifecycle does not allow this step; `str(error)` names the year and both statuses."""


def year_transition(
    *, year: SurveyYear, to: str, user=None, now=None, details: dict | None = None
) -> SurveyYear:
    """Move `year` to the status `to` and record who (None: the system) and when.

    Returns the year as written. Raises YearTransitionRefused, writing nothing, when the step
    from the year's current status (read under a row lock) to `to` is not in TRANSITIONS.
    May be called inside the caller's transaction, which then holds the year's row lock.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = SurveyYear.objects.select_for_update(no_key=True).get(pk=year.pk)
        if to not in TRANSITIONS[locked.status]:
            raise YearTransitionRefused(
                _("%(year)s cannot go from %(from)s to %(to)s.")
                % {
                    "year": locked.year,
                    "from": locked.get_status_display().lower(),
                    "to": Status(to).label.lower(),
                }
            )
        from_status, locked.status = locked.status, to
        fields = ["status"]
        if to == Status.PUBLISHED:
            locked.published_at, locked.published_by = now, user
            fields += ["published_at", "published_by"]
        locked.save(update_fields=fields)
        YearTransition.objects.create(
            year=locked,
            from_status=from_status,
            to_status=to,
            at=now,
            by=user,
            details=details or {},
        )
    return locked
