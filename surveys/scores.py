"""Scoring responses and storing the scores: the ORM side of `scoring` and `aggregates`.

Guarantees:
- A response's score in a run is replaced whole (its dimension scores with it) inside one
  transaction, keyed on (run, response): scoring twice leaves the same rows, never duplicates.
- A recompute fills a new run chunk by chunk; the database, not the broker, decides when the last
  chunk is done, and the run becomes the year's current one in the same transaction that
  aggregates it. Readers of the current run never see a mix of two runs.
- The number of queries grows with the number of chunks, never with the number of answers.

Locks are always taken in the order year → run (scoring one response, finishing a run) or
chunk → run (a chunk), so the tasks cannot deadlock one another.
"""

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, Ministry, Province, ProvincialUnitType

from .aggregates import NATIONAL_KEY, AgencyScore, aggregates_compute
from .lifecycle import year_transition
from .models import (
    Answer,
    DimensionScore,
    Evidence,
    GroupDimensionScore,
    GroupScore,
    Response,
    ResponseRank,
    ResponseScore,
    ScoringChunk,
    ScoringRun,
    SurveyYear,
)
from .scoring import (
    ScoringDimension,
    ScoringError,
    ScoringMethod,
    ScoringQuestion,
    score_change,
)
from .selectors import cached_per_version, questionnaire_of

logger = logging.getLogger(__name__)

# A chunk whose task was started this many times (a worker killed under it each time) fails
# instead of being redelivered for ever.
CHUNK_MAX_ATTEMPTS = 3
# A run still running this long after its last chunk finished is finished by the periodic job.
STALLED_AFTER = timedelta(minutes=2)

# Year pk → (questionnaire version, its method), per process.
_methods: dict[int, tuple[int, ScoringMethod]] = {}


def scoring_method_of(year: SurveyYear) -> ScoringMethod:
    """The year's scoring method; raises ScoringError if its weights do not add up to 100.

    Cached per process under the year's questionnaire version (`questionnaire_version_of`),
    so a changed questionnaire is never scored with the old method: every caller here reads
    the year fresh, under its lock, before scoring.
    """
    return cached_per_version(_methods, year, lambda: _scoring_method_build(year))


def _scoring_method_build(year: SurveyYear) -> ScoringMethod:
    dimensions, questions = questionnaire_of(year)
    return ScoringMethod(
        year=year.year,
        dimensions=tuple(
            ScoringDimension(pk=dimension.pk, code=dimension.code, weight=dimension.weight)
            for dimension in dimensions
        ),
        questions=tuple(
            ScoringQuestion(
                pk=question.pk,
                code=question.code,
                dimension_id=question.dimension_id,
                kind=question.kind,
                levels=frozenset(question.levels),
                max_points=question.max_points,
                show_if_question_id=question.show_if_question_id,
                show_if_value=question.show_if_value,
                option_points={option.value: option.points for option in question.options.all()},
                bands=tuple((band.minimum, band.points) for band in question.bands.all()),
            )
            for question in questions
        ),
    )


# Scoring a set of responses into a run ------------------------------------------------------------


def _responses_score(run: ScoringRun, response_ids: Sequence[int], now) -> int:
    """Score the submitted ones among `response_ids` into `run`, replacing their earlier scores
    there, and drop the scores of those no longer submitted. 8 queries whatever the number of
    responses and answers."""
    method = scoring_method_of(run.year)
    agencies = {
        response_id: (level, code)
        for response_id, level, code in Response.objects.filter(
            pk__in=response_ids, status=Response.Status.SUBMITTED
        )
        .values_list("pk", "agency__level", "agency__code")
        .order_by()
    }
    values = defaultdict(dict)
    for response_id, question_id, value in (
        Answer.objects.filter(response_id__in=list(agencies))
        .values_list("response_id", "question_id", "value")
        .order_by()
    ):
        values[response_id][question_id] = value
    evidence_counts = defaultdict(dict)
    for row in (
        Evidence.objects.filter(response_id__in=list(agencies))
        .values("response_id", "question_id")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        evidence_counts[row["response_id"]][row["question_id"]] = row["count"]
    previous = _previous_overall(run.year, codes=[code for _level, code in agencies.values()])

    ResponseScore.objects.filter(run=run, response_id__in=response_ids).delete()
    scores, dimension_rows = [], []
    for response_id, (level, code) in agencies.items():
        result = method.score(
            level=level,
            values=values.get(response_id, {}),
            evidence_counts=evidence_counts.get(response_id, {}),
        )
        before = previous.get(code)
        scores.append(
            ResponseScore(
                run=run,
                response_id=response_id,
                overall=result.overall,
                problems=[problem.as_dict() for problem in result.problems],
                previous_overall=before,
                change=score_change(result.overall, before),
                scored_at=now,
            )
        )
        dimension_rows.append(result.dimensions)
    ResponseScore.objects.bulk_create(scores)
    DimensionScore.objects.bulk_create(
        DimensionScore(
            score=score,
            dimension_id=dimension.dimension_id,
            earned=dimension.earned,
            possible=dimension.possible,
            value=dimension.score,
        )
        for score, dimensions in zip(scores, dimension_rows, strict=True)
        for dimension in dimensions
    )
    return len(scores)


def _previous_overall(year: SurveyYear, *, codes: list[str]) -> dict[str, Decimal]:
    """The overall scores of these agencies (by code) in the current run of the latest earlier
    year that has one. One query."""
    previous_run = Subquery(
        ScoringRun.objects.filter(year__year__lt=year.year, is_current=True)
        .order_by("-year__year")
        .values("pk")[:1]
    )
    return dict(
        ResponseScore.objects.filter(run_id=previous_run, response__agency__code__in=codes)
        .values_list("response__agency__code", "overall")
        .order_by()
    )


# One response at a time: submissions --------------------------------------------------------------


def scores_update(*, year_id: int, response_ids: Sequence[int], now=None) -> ScoringRun | None:
    """Bring the given responses' scores in the year's current run in line with them (scored if
    submitted, dropped if not), then aggregate the run again. Makes a "submissions" run the
    year's current one if it has none yet. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        year = SurveyYear.objects.select_for_update(no_key=True).filter(pk=year_id).first()
        if year is None:
            logger.warning("Survey year %s is gone; not scoring %s.", year_id, response_ids)
            return None
        run = (
            ScoringRun.objects.select_for_update(no_key=True)
            .filter(year=year, is_current=True)
            .first()
        )
        if run is None:
            run = ScoringRun.objects.create(
                year=year,
                trigger=ScoringRun.Trigger.SUBMISSIONS,
                status=ScoringRun.Status.COMPLETE,
                is_current=True,
                started_at=now,
                finished_at=now,
            )
        run.year = year
        _responses_score(run, response_ids, now)
        run_aggregate(run)
    return run


# A whole year: recompute --------------------------------------------------------------------------


def scoring_run_start(*, year: SurveyYear, user=None, chunk_size: int | None = None) -> ScoringRun:
    """Start recomputing every submitted response of the year into a new run, in chunks that
    Celery workers score in parallel. Raises ScoringError if the year cannot be scored."""
    if year.status in (SurveyYear.Status.DRAFT, SurveyYear.Status.PUBLISHED):
        raise ScoringError(
            _("%(year)s is %(status)s: only an open, closed or scored year can be recomputed.")
            % {"year": year.year, "status": year.get_status_display().lower()}
        )
    scoring_method_of(year)  # refuses weights that do not add up to 100
    chunk_size = chunk_size or settings.SCORING_CHUNK_SIZE
    response_ids = list(
        Response.objects.filter(year=year, status=Response.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = [response_ids[i : i + chunk_size] for i in range(0, len(response_ids), chunk_size)]
    try:
        with transaction.atomic():
            run = ScoringRun.objects.create(
                year=year,
                trigger=ScoringRun.Trigger.RECOMPUTE,
                started_by=user if user and user.is_authenticated else None,
                responses_total=len(response_ids),
                chunks_total=len(chunks),
            )
            ScoringChunk.objects.bulk_create(
                ScoringChunk(run=run, number=number, response_ids=ids)
                for number, ids in enumerate(chunks, start=1)
            )
            transaction.on_commit(lambda: _chunks_queue(run))
    except IntegrityError:
        running = ScoringRun.objects.filter(year=year, status=ScoringRun.Status.RUNNING).first()
        raise ScoringError(
            _("A recompute of %(year)s is already running (started %(started)s).")
            % {
                "year": year.year,
                "started": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")
                if running
                else "",
            }
        ) from None
    return run


def _chunks_queue(run: ScoringRun) -> None:
    from celery import group

    from .tasks import score_chunk, scoring_run_finish_task

    if run.chunks_total == 0:
        scoring_run_finish_task.delay(run_id=run.pk)
        return
    group(
        score_chunk.si(run_id=run.pk, number=number) for number in range(1, run.chunks_total + 1)
    ).apply_async()


def scoring_chunk_begin(*, run_id: int, number: int) -> bool:
    """Count an attempt at a chunk; False (and the chunk and run failed) once a chunk has been
    started more than CHUNK_MAX_ATTEMPTS times, so a chunk that kills its worker ends."""
    with transaction.atomic():
        updated = ScoringChunk.objects.filter(
            run_id=run_id, number=number, status=ScoringChunk.Status.PENDING
        ).update(attempts=F("attempts") + 1)
        if not updated:
            return False  # done already (a redelivered message) or failed
        attempts = ScoringChunk.objects.get(run_id=run_id, number=number).attempts
    if attempts > CHUNK_MAX_ATTEMPTS:
        scoring_chunk_fail(
            run_id=run_id,
            number=number,
            error=_("Chunk %(number)s was started %(attempts)s times without finishing.")
            % {"number": number, "attempts": CHUNK_MAX_ATTEMPTS},
        )
        return False
    return True


def scoring_chunk_score(*, run_id: int, number: int, now=None) -> bool:
    """Score one chunk into its run. Returns True when it was the run's last chunk to finish
    (the caller then finishes the run). A chunk already done is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        chunk = (
            ScoringChunk.objects.select_for_update(no_key=True, of=("self",))
            .select_related("run__year")
            .get(run_id=run_id, number=number)
        )
        run = chunk.run
        if chunk.status != ScoringChunk.Status.PENDING or run.status != ScoringRun.Status.RUNNING:
            return False
        _responses_score(run, chunk.response_ids, now)
        chunk.status, chunk.finished_at = ScoringChunk.Status.DONE, now
        chunk.save(update_fields=["status", "finished_at"])
        # Taking the run's lock orders the chunks' commits: the last one sees every other done.
        ScoringRun.objects.select_for_update(no_key=True).filter(pk=run_id).values_list("pk").get()
        return not run.chunks.exclude(status=ScoringChunk.Status.DONE).exists()


def scoring_chunk_fail(*, run_id: int, number: int, error: str) -> None:
    with transaction.atomic():
        ScoringChunk.objects.filter(run_id=run_id, number=number).update(
            status=ScoringChunk.Status.FAILED, error=error, finished_at=timezone.now()
        )
        ScoringRun.objects.filter(pk=run_id, status=ScoringRun.Status.RUNNING).update(
            status=ScoringRun.Status.FAILED,
            error=_("Chunk %(number)s failed: %(error)s") % {"number": number, "error": error},
            finished_at=timezone.now(),
        )
    logger.error("Scoring run %s: chunk %s failed: %s", run_id, number, error)


def scoring_run_finish(*, run_id: int, now=None) -> ScoringRun:
    """Catch up on responses submitted (or returned) while the run ran, aggregate, and make the
    run the year's current one, all in one transaction. Does nothing to a run that is not
    running or whose chunks are not all done yet."""
    now = now or timezone.now()
    with transaction.atomic():
        year_id = ScoringRun.objects.values_list("year_id", flat=True).get(pk=run_id)
        year = SurveyYear.objects.select_for_update(no_key=True).get(pk=year_id)
        run = ScoringRun.objects.select_for_update(no_key=True).get(pk=run_id)
        run.year = year
        if run.status != ScoringRun.Status.RUNNING:
            return run
        if run.chunks.exclude(status=ScoringChunk.Status.DONE).exists():
            return run
        _run_catch_up(run, now)
        run_aggregate(run)
        ScoringRun.objects.filter(year=year, is_current=True).update(is_current=False)
        run.status, run.is_current, run.finished_at = ScoringRun.Status.COMPLETE, True, now
        run.save(update_fields=["status", "is_current", "finished_at"])
        if year.status == SurveyYear.Status.CLOSED:
            year_transition(
                year=year,
                to=SurveyYear.Status.SCORED,
                user=run.started_by,  # None for a run of submissions: the system
                now=now,
                details={"scoring_run": run.pk},
            )
    logger.info("Scoring run %s of %s is complete and current.", run.pk, year.year)
    return run


def _run_catch_up(run: ScoringRun, now) -> None:
    stale = _stale_response_ids(run)
    for start in range(0, len(stale), settings.SCORING_CHUNK_SIZE):
        _responses_score(run, stale[start : start + settings.SCORING_CHUNK_SIZE], now)


def _stale_response_ids(run: ScoringRun) -> list[int]:
    """Responses whose score in `run` is out of date: submitted without a score, or submitted
    again since they were scored, or scored but no longer submitted."""
    # No ordering: the model's default would add joins and a sort to every row's subquery.
    scored_at = (
        ResponseScore.objects.filter(run=run, response=OuterRef("pk"))
        .order_by()
        .values("scored_at")[:1]
    )
    responses = Response.objects.filter(year_id=run.year_id).annotate(scored_at=Subquery(scored_at))
    return list(
        responses.filter(
            Q(status=Response.Status.SUBMITTED)
            & (Q(scored_at__isnull=True) | Q(submitted_at__gt=F("scored_at")))
            | ~Q(status=Response.Status.SUBMITTED) & Q(scored_at__isnull=False)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# Aggregates ---------------------------------------------------------------------------------------


def run_aggregate(run: ScoringRun) -> list[GroupScore]:
    """Replace the run's group scores, dimension means and ranks by those of its current
    scores. Scores with problems are left out. A fixed number of queries."""
    dimension_ids = list(run.year.dimensions.order_by("order", "code").values_list("pk", flat=True))
    dimension_values = defaultdict(dict)
    for score_id, dimension_id, value in (
        DimensionScore.objects.filter(score__run=run)
        .order_by()
        .values_list("score_id", "dimension_id", "value")
    ):
        dimension_values[score_id][dimension_id] = value
    scores = []
    score_of_response = {}
    for row in (
        ResponseScore.objects.filter(run=run, problems=[])
        .values(
            "pk",
            "response_id",
            "overall",
            "response__agency__code",
            "response__agency__level",
            "response__agency__award_group",
            "response__agency__ministry__code",
            "response__agency__province__code",
            "response__agency__unit_type__code",
        )
        .order_by()
    ):
        score_of_response[row["response_id"]] = row["pk"]
        scores.append(
            AgencyScore(
                response_id=row["response_id"],
                agency_code=row["response__agency__code"],
                level=row["response__agency__level"],
                overall=row["overall"],
                dimensions=dimension_values[row["pk"]],
                award_group=row["response__agency__award_group"] or "",
                ministry=row["response__agency__ministry__code"] or "",
                province=row["response__agency__province__code"] or "",
                unit_type=row["response__agency__unit_type__code"] or "",
            )
        )
    aggregates = aggregates_compute(
        scores, dimension_ids=dimension_ids, previous_means=_previous_means(run)
    )
    GroupScore.objects.filter(run=run).delete()
    names = _group_names()
    groups = GroupScore.objects.bulk_create(
        GroupScore(
            run=run,
            scope=group.scope,
            key=group.key,
            name_th=names.get((group.scope, group.key), (group.key, group.key))[0],
            name_en=names.get((group.scope, group.key), (group.key, group.key))[1],
            agencies=group.agencies,
            overall_mean=group.overall_mean,
            rank=group.rank,
            previous_mean=group.previous_mean,
        )
        for group in aggregates
    )
    GroupDimensionScore.objects.bulk_create(
        GroupDimensionScore(
            group=stored,
            dimension_id=dimension_id,
            mean=mean,
            rank=result.dimension_ranks[dimension_id],
        )
        for stored, result in zip(groups, aggregates, strict=True)
        for dimension_id, mean in result.dimension_means.items()
    )
    ResponseRank.objects.bulk_create(
        (
            ResponseRank(score_id=score_of_response[response_id], group=stored, rank=rank)
            for stored, result in zip(groups, aggregates, strict=True)
            for response_id, rank in result.member_ranks.items()
        ),
        batch_size=5000,
    )
    return groups


def _previous_means(run: ScoringRun) -> dict[tuple[str, str], Decimal]:
    previous = (
        ScoringRun.objects.filter(year__year__lt=run.year.year, is_current=True)
        .order_by("-year__year")
        .first()
    )
    if previous is None:
        return {}
    return {
        (scope, key): mean
        for scope, key, mean in GroupScore.objects.filter(run=previous).values_list(
            "scope", "key", "overall_mean"
        )
    }


def _group_names() -> dict[tuple[str, str], tuple[str, str]]:
    """(scope, key) → (Thai name, English name) of every group an aggregate can have."""
    names = {}
    for scope, choices in (
        (GroupScore.Scope.LEVEL, Agency.Level.choices),
        (GroupScore.Scope.AWARD_GROUP, Agency.AwardGroup.choices),
        (GroupScore.Scope.NATIONAL, [(NATIONAL_KEY, gettext_lazy("All agencies"))]),
    ):
        for key, label in choices:
            with translation.override("th"):
                thai = str(label)
            with translation.override("en"):
                english = str(label)
            names[(scope, key)] = (thai, english)
    for scope, model in (
        (GroupScore.Scope.MINISTRY, Ministry),
        (GroupScore.Scope.PROVINCE, Province),
        (GroupScore.Scope.UNIT_TYPE, ProvincialUnitType),
    ):
        for code, thai, english in model.objects.values_list("code", "name_th", "name_en"):
            names[(scope, code)] = (thai, english)
    return names


# The periodic job ---------------------------------------------------------------------------------


def scores_reconcile(*, now=None) -> dict[str, int]:
    """Find what scoring has missed and queue it: submitted responses without an up-to-date
    score in their year's current run, and recomputes whose last chunk finished but whose run
    was never finished (a worker lost between the two)."""
    from .tasks import score_responses, scoring_run_finish_task

    now = now or timezone.now()
    queued = {"responses": 0, "runs": 0}
    years = SurveyYear.objects.filter(
        status__in=[SurveyYear.Status.OPEN, SurveyYear.Status.CLOSED, SurveyYear.Status.SCORED]
    )
    for year in years:
        current = ScoringRun.objects.filter(year=year, is_current=True).first()
        if current is None:
            stale = list(
                Response.objects.filter(year=year, status=Response.Status.SUBMITTED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        else:
            stale = _stale_response_ids(current)
        for start in range(0, len(stale), settings.SCORING_CHUNK_SIZE):
            score_responses.delay(
                year_id=year.pk, response_ids=stale[start : start + settings.SCORING_CHUNK_SIZE]
            )
        queued["responses"] += len(stale)
    stalled = ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING).exclude(
        chunks__status=ScoringChunk.Status.PENDING
    )
    for run in stalled.annotate(last=Max("chunks__finished_at")):
        if run.last is None or run.last < now - STALLED_AFTER:
            scoring_run_finish_task.delay(run_id=run.pk)
            queued["runs"] += 1
    return queued


def run_progress(run: ScoringRun) -> dict:
    """What the progress page shows (2 queries)."""
    chunks = run.chunks.aggregate(
        done=Count("pk", filter=Q(status=ScoringChunk.Status.DONE)),
        failed=Count("pk", filter=Q(status=ScoringChunk.Status.FAILED)),
    )
    errors = list(run.chunks.exclude(error="").order_by("number").values_list("number", "error"))
    total = run.chunks_total
    percent = 100 if not total else round(100 * chunks["done"] / total)
    return {
        "chunks_done": chunks["done"],
        "chunks_failed": chunks["failed"],
        "chunks_total": total,
        "percent": percent if run.status != ScoringRun.Status.RUNNING else min(percent, 99),
        "errors": errors,
    }
