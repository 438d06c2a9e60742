"""Hand-built scored years for tests: agencies with exactly the figures a test needs, stored as a
complete, current scoring run and aggregated by the real `run_aggregate`."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from surveys.models import (
    Dimension,
    DimensionScore,
    Response,
    ResponseScore,
    ScoringRun,
    SurveyYear,
)
from surveys.scores import run_aggregate
from surveys.tests.factories import SurveyYearFactory

D = Decimal
# Two dimensions are enough to tell the overall score from the tie-break dimension.
DIMENSIONS = (("POLICY", 50), ("SERVICE", 50))


@dataclass
class Figures:
    """One agency's score. `service` defaults to the overall score; `previous` makes a change."""

    overall: str
    previous: str | None = None
    service: str | None = None
    problems: list = field(default_factory=list)


def scored_year(year: int, agencies: dict, *, status=SurveyYear.Status.SCORED) -> SurveyYear:
    """A year whose current run holds `agencies` {Agency: Figures | None}; None = invited but
    not scored. Each agency's previous-year score is stored on its score, as scoring does."""
    survey_year = SurveyYearFactory(year=year, status=status)
    dimensions = [
        Dimension.objects.create(
            year=survey_year, code=code, order=order, name_th=f"มิติ {code}", name_en=code, weight=w
        )
        for order, (code, w) in enumerate(DIMENSIONS, start=1)
    ]
    run = ScoringRun.objects.create(
        year=survey_year,
        trigger=ScoringRun.Trigger.RECOMPUTE,
        status=ScoringRun.Status.COMPLETE,
        finished_at=timezone.now(),
    )
    for agency, figures in agencies.items():
        response = Response.objects.create(year=survey_year, agency=agency)
        if figures is None:
            continue
        response.status = Response.Status.SUBMITTED
        response.submitted_at = timezone.now()
        response.save()
        overall = D(figures.overall)
        previous = D(figures.previous) if figures.previous is not None else None
        service = D(figures.service) if figures.service is not None else overall
        policy = overall * 2 - service  # so that the weighted mean is the overall score
        score = ResponseScore.objects.create(
            run=run,
            response=response,
            overall=overall,
            previous_overall=previous,
            change=None if previous is None else overall - previous,
            problems=figures.problems,
        )
        for dimension, value in zip(dimensions, (policy, service), strict=True):
            DimensionScore.objects.create(
                score=score, dimension=dimension, earned=value, possible=100, value=value
            )
    run_aggregate(run)
    run.is_current = True
    run.save(update_fields=["is_current"])
    return survey_year
