"""Reading responses and their questionnaire, with a number of queries that does not grow with
the number of questions, answers or responses.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db import connection
from django.db.models import Count, Prefetch, Q

from agencies.models import Agency

from .models import (
    Answer,
    Dimension,
    Evidence,
    GroupDimensionScore,
    GroupScore,
    Question,
    Response,
    ScoringRun,
    SurveyYear,
)
from .questionnaire import Progress, evidence_missing, progress_count, visible_questions


def current_run_of(year: SurveyYear) -> ScoringRun | None:
    """The run whose numbers are the year's, or None before any scoring. One query."""
    return ScoringRun.objects.current().filter(year=year).first()


def dimensions_of(year: SurveyYear) -> list[Dimension]:
    """The year's dimensions in questionnaire order. One query."""
    return list(Dimension.objects.filter(year=year).order_by("order", "code"))


def questions_for_year(year: SurveyYear) -> list[Question]:
    """Every question of the year with its options and bands, in questionnaire order (3 queries)."""
    return list(
        Question.objects.filter(year=year)
        .select_related("dimension")
        .prefetch_related("options", "bands")
        .order_by("dimension__order", "dimension__code", "order", "code")
    )


# A questionnaire is frozen once its year opens, so each process keeps the frozen ones it has
# read: the questionnaire page and every autosave then skip four queries. Year pk →
# (questionnaire version, questionnaire).
_frozen_questionnaires: dict[int, tuple[int, tuple[list[Dimension], list[Question]]]] = {}


def questionnaire_version_of(year: SurveyYear) -> int | None:
    """What a process may cache the year's questionnaire (or what is made of it) under: its
    `questionnaire_version`, which PostgreSQL raises on every change to a dimension, question,
    option or band of the year however it is made (migration 0006), so that a changed
    questionnaire is never read from a cache, provided `year` was read after the change.
    None: do not cache, for a draft (edited freely) or on SQLite (`make run`), which keeps no
    version."""
    if not year.questionnaire_frozen or connection.vendor != "postgresql":
        return None
    return year.questionnaire_version


def cached_per_version(cache: dict, year: SurveyYear, build):
    """`build()`, kept in `cache` (year pk → (version, value), per process) for as long as the
    year's questionnaire version stays the same; built afresh whenever there is no version to
    key it on (`questionnaire_version_of`)."""
    version = questionnaire_version_of(year)
    cached_version, cached = cache.get(year.pk, (None, None))
    if version is not None and cached_version == version:
        return cached
    value = build()
    if version is not None:
        cache[year.pk] = (version, value)
    return value


def questionnaire_of(year: SurveyYear) -> tuple[list[Dimension], list[Question]]:
    """The year's dimensions and questions (with options and bands), in order."""
    return cached_per_version(
        _frozen_questionnaires,
        year,
        lambda: (list(Dimension.objects.filter(year_id=year.pk)), questions_for_year(year)),
    )


@dataclass
class DimensionState:
    dimension: Dimension
    questions: list[Question]
    progress: Progress


class ResponseState:
    """A response with its questionnaire as the agency sees it: shown questions, answers,
    evidence and progress, overall and per dimension (7 queries in all)."""

    def __init__(self, response: Response, *, questionnaire: "ResponseState | None" = None):
        """`questionnaire`: an earlier state of the same response whose questions are reused,
        so that re-reading after a change costs only the answers and evidence (2 queries)."""
        self.response = response
        if questionnaire is None:
            self.dimensions, self.all_questions = questionnaire_of(response.year)
        else:
            self.dimensions = questionnaire.dimensions
            self.all_questions = questionnaire.all_questions
        answers = Answer.objects.filter(response=response).select_related("updated_by")
        self.answers = {answer.question_id: answer for answer in answers}
        self.values = {question_id: answer.value for question_id, answer in self.answers.items()}
        self.evidence = defaultdict(list)
        for item in Evidence.objects.filter(response=response).order_by("uploaded_at", "pk"):
            self.evidence[item.question_id].append(item)
        self._show()

    def _show(self):
        self.evidence_counts = {key: len(items) for key, items in self.evidence.items()}
        self.shown = visible_questions(
            self.all_questions, level=self.response.agency.level, values=self.values
        )
        self.shown_ids = {question.pk for question in self.shown}
        for name in ("by_dimension", "progress", "missing_evidence"):
            self.__dict__.pop(name, None)

    def answer_saved(self, answer: Answer) -> None:
        """Take in an answer just saved, without reading the response again."""
        self.answers[answer.question_id] = answer
        self.values[answer.question_id] = answer.value
        self._show()

    @cached_property
    def by_dimension(self) -> list[DimensionState]:
        grouped = defaultdict(list)
        for question in self.shown:
            grouped[question.dimension_id].append(question)
        return [
            DimensionState(
                dimension=dimension,
                questions=grouped[dimension.pk],
                progress=self._progress(grouped[dimension.pk]),
            )
            for dimension in self.dimensions
        ]

    @cached_property
    def progress(self) -> Progress:
        return self._progress(self.shown)

    @cached_property
    def missing_evidence(self) -> list[Question]:
        return evidence_missing(
            self.shown, values=self.values, evidence_counts=self.evidence_counts
        )

    def _progress(self, questions) -> Progress:
        return progress_count(questions, values=self.values, evidence_counts=self.evidence_counts)

    def dimension_state(self, code: str) -> DimensionState | None:
        return next((d for d in self.by_dimension if d.dimension.code == code), None)

    def question(self, code: str) -> Question | None:
        return next((q for q in self.all_questions if q.code == code), None)

    def dependents_of(self, question: Question) -> list[Question]:
        """Questions whose show-if looks at `question`, directly or further down the chain."""
        found, frontier = [], {question.pk}
        for candidate in self.all_questions:
            if candidate.show_if_question_id in frontier:
                found.append(candidate)
                frontier.add(candidate.pk)
        return found

    def recent_changes(self, limit: int = 8) -> list[Answer]:
        answers = sorted(self.answers.values(), key=lambda a: a.updated_at, reverse=True)
        return answers[:limit]


@dataclass(frozen=True)
class RateRow:
    label: str
    invited: int
    started: int
    submitted: int

    @property
    def percent(self) -> Decimal:
        """Submitted of invited, in percent with two decimals (1,852 of 1,922 is 96.36)."""
        if not self.invited:
            return Decimal("0.00")
        return (Decimal(100) * self.submitted / self.invited).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def response_rate(year: SurveyYear) -> dict[str, list[RateRow]]:
    """Invited, started and submitted agencies: overall and by level, ministry and province.

    One aggregate query per breakdown; a provincial unit counts under its parent's ministry.
    """
    counts = {
        "invited": Count("pk"),
        "started": Count("pk", filter=Q(started_at__isnull=False)),
        "submitted": Count("pk", filter=Q(status=Response.Status.SUBMITTED)),
    }
    responses = Response.objects.filter(year=year)

    def rows(group_by: str, label_fields: tuple[str, ...]) -> list[RateRow]:
        grouped = responses.values(*label_fields).annotate(**counts).order_by(*label_fields)
        return [
            RateRow(
                label=" ".join(str(row[f]) for f in label_fields if row[f]) or "—",
                invited=row["invited"],
                started=row["started"],
                submitted=row["submitted"],
            )
            for row in grouped
        ]

    overall = responses.aggregate(**counts)
    level_names = dict(Agency.Level.choices)
    by_level = [
        RateRow(
            label=str(level_names.get(row["agency__level"], row["agency__level"])),
            invited=row["invited"],
            started=row["started"],
            submitted=row["submitted"],
        )
        for row in responses.values("agency__level").annotate(**counts).order_by("agency__level")
    ]
    by_ministry = _rows_by_ministry(responses, counts)
    return {
        "overall": [RateRow(label="", **overall)],
        "level": by_level,
        "ministry": by_ministry,
        "province": rows("province", ("agency__province__code", "agency__province__name_th")),
    }


def _rows_by_ministry(responses, counts) -> list[RateRow]:
    # A department has a ministry; a provincial unit answers to its parent department's ministry.
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for key in ("agency__ministry", "agency__parent__ministry"):
        grouped = (
            responses.filter(**{f"{key}__isnull": False})
            .values(f"{key}__code", f"{key}__name_th")
            .annotate(**counts)
        )
        for row in grouped:
            label = (row[f"{key}__code"], row[f"{key}__name_th"])
            totals[label].update({name: row[name] for name in counts})
    return [
        RateRow(label=f"{code} {name}", **{name: total[name] for name in counts})
        for (code, name), total in sorted(totals.items())
    ]


# The order DGA publishes the groups in.
RESULT_SCOPES = [
    GroupScore.Scope.NATIONAL,
    GroupScore.Scope.LEVEL,
    GroupScore.Scope.AWARD_GROUP,
    GroupScore.Scope.MINISTRY,
    GroupScore.Scope.PROVINCE,
    GroupScore.Scope.UNIT_TYPE,
]


@dataclass(frozen=True)
class GroupRow:
    group: GroupScore
    dimension_means: list[Decimal | None]  # in the order of the year's dimensions


@dataclass(frozen=True)
class ScopeTable:
    scope: GroupScore.Scope
    rows: list[GroupRow]
    has_previous: bool  # whether any group has last year's mean, to show the change column


@dataclass(frozen=True)
class RunResults:
    national: GroupScore | None
    national_dimensions: list[tuple[GroupDimensionScore, Dimension]]  # high to low
    scopes: list[ScopeTable]


def run_results(run: ScoringRun, dimensions: list[Dimension]) -> RunResults:
    """The run's groups by scope in rank order, with their dimension means. Two queries,
    whatever the number of groups."""
    groups = run.groups.order_by("rank", "key").prefetch_related(
        Prefetch("dimensions", queryset=GroupDimensionScore.objects.order_by("rank"))
    )
    by_scope = {scope: [] for scope in RESULT_SCOPES}
    for group in groups:
        means = {
            dimension_mean.dimension_id: dimension_mean.mean
            for dimension_mean in group.dimensions.all()
        }
        by_scope[group.scope].append(
            GroupRow(group, [means.get(dimension.pk) for dimension in dimensions])
        )
    national_rows = by_scope[GroupScore.Scope.NATIONAL]
    national = national_rows[0].group if national_rows else None
    dimension_of = {dimension.pk: dimension for dimension in dimensions}
    national_dimensions = []  # high to low, as the prefetch orders them
    if national:
        national_dimensions = [
            (dimension_mean, dimension_of[dimension_mean.dimension_id])
            for dimension_mean in national.dimensions.all()
        ]
    return RunResults(
        national=national,
        national_dimensions=national_dimensions,
        scopes=[
            ScopeTable(
                scope=scope,
                rows=rows,
                has_previous=any(row.group.previous_mean is not None for row in rows),
            )
            for scope, rows in by_scope.items()
            if rows
        ],
    )
