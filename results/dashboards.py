"""What DGA staff read about a year: the fieldwork while it is open (who has been invited, who
started, who submitted, whom to chase) and the results once it is scored (histograms, dimension
means high to low, the province ranking, the change against the previous year).

Every number comes from the year's current scoring run as the scoring engine stored it
(GroupScore, GroupDimensionScore, ResponseScore); nothing is recomputed here but the histogram's
counts. Each selector takes a fixed number of queries, whatever the number of agencies.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Greatest, Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, AgencyMembership, Ministry, Province
from surveys.models import (
    Answer,
    Dimension,
    GroupScore,
    Response,
    ResponseScore,
    ScoringRun,
    SurveyYear,
    localized,
)
from surveys.scoring import score_display, standouts
from surveys.selectors import (
    RateRow,
    current_run_of,
    dimensions_of,
    response_rate,
    run_results,
)

from . import charts

# Fieldwork ----------------------------------------------------------------------------------------


class FieldworkStatus:
    """Where an invited agency stands: the three to chase, then submitted."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    TO_CHASE = (NOT_STARTED, IN_PROGRESS, RETURNED)
    choices = [
        (NOT_STARTED, gettext_lazy("Not started")),
        (IN_PROGRESS, gettext_lazy("In progress")),
        (RETURNED, gettext_lazy("Returned for revision")),
        (SUBMITTED, gettext_lazy("Submitted")),
    ]
    labels = dict(choices)


# The chase list's status filter: empty means "everyone not yet submitted", "all" everyone invited.
STATUS_TO_CHASE, STATUS_ALL = "", "all"


@dataclass(frozen=True)
class FieldworkFilters:
    """The chase list's filters, as codes; empty means any."""

    level: str = ""
    ministry: str = ""  # a ministry code: its departments and the provincial units under them
    province: str = ""  # a province code
    status: str = STATUS_TO_CHASE  # a FieldworkStatus, STATUS_TO_CHASE or STATUS_ALL


def fieldwork_responses(year: SurveyYear, filters: FieldworkFilters | None = None) -> QuerySet:
    """The year's invited agencies with what the chase list shows: the agency (level, ministry,
    parent's ministry, province), `fieldwork_status`, `last_activity` (the latest of starting,
    submitting, being returned and saving an answer) and `accounts` (people with an account at
    the agency). One query, ordered by ministry, province and code."""
    filters = filters or FieldworkFilters()
    last_answer = (
        Answer.objects.filter(response=OuterRef("pk"))
        .order_by()
        .values("response")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    accounts = (
        AgencyMembership.objects.filter(agency=OuterRef("agency"))
        .order_by()
        .values("agency")
        .annotate(people=Count("pk"))
        .values("people")
    )
    responses = (
        Response.objects.filter(year=year)
        .select_related("agency__ministry", "agency__parent__ministry", "agency__province")
        .annotate(
            fieldwork_status=Case(
                When(status=Response.Status.SUBMITTED, then=Value(FieldworkStatus.SUBMITTED)),
                When(status=Response.Status.RETURNED, then=Value(FieldworkStatus.RETURNED)),
                When(started_at__isnull=True, then=Value(FieldworkStatus.NOT_STARTED)),
                default=Value(FieldworkStatus.IN_PROGRESS),
                output_field=CharField(),
            ),
            # PostgreSQL's GREATEST skips NULLs: NULL only when nothing happened at all.
            last_activity=Greatest(
                "started_at", "submitted_at", "returned_at", Subquery(last_answer)
            ),
            accounts=Coalesce(Subquery(accounts, output_field=IntegerField()), 0),
        )
        .order_by(
            Coalesce("agency__ministry__code", "agency__parent__ministry__code"),
            "agency__province__code",
            "agency__code",
        )
    )
    if filters.level:
        responses = responses.filter(agency__level=filters.level)
    if filters.ministry:
        responses = responses.filter(
            Q(agency__ministry__code=filters.ministry)
            | Q(agency__parent__ministry__code=filters.ministry)
        )
    if filters.province:
        responses = responses.filter(agency__province__code=filters.province)
    if filters.status == STATUS_TO_CHASE:
        responses = responses.filter(fieldwork_status__in=FieldworkStatus.TO_CHASE)
    elif filters.status != STATUS_ALL:
        responses = responses.filter(fieldwork_status=filters.status)
    return responses


def ministry_of(agency: Agency) -> Ministry | None:
    """The ministry an agency answers to: its own, or its parent department's (a provincial
    unit). Needs agency.ministry and agency.parent.ministry loaded."""
    if agency.ministry_id:
        return agency.ministry
    return agency.parent.ministry if agency.parent_id else None


NO_PROVINCE = "—"


@dataclass(frozen=True)
class ChaseRow:
    """An invited agency as the chase list shows it (a response of `fieldwork_responses`)."""

    response: Response

    @property
    def agency(self) -> Agency:
        return self.response.agency

    @property
    def agency_name(self) -> str:
        return localized(self.agency.name_th, self.agency.name_en)

    @property
    def ministry_name(self) -> str:
        ministry = ministry_of(self.agency)
        return localized(ministry.name_th, ministry.name_en) if ministry else ""

    @property
    def province_name(self) -> str:
        province = self.agency.province
        return localized(province.name_th, province.name_en) if province else ""

    @property
    def status(self) -> str:
        return self.response.fieldwork_status

    @property
    def status_label(self) -> str:
        return str(FieldworkStatus.labels[self.status])


@dataclass(frozen=True)
class FieldworkDashboard:
    year: SurveyYear
    overall: RateRow
    by_level: list[RateRow]
    by_ministry: list[RateRow]
    by_province: list[RateRow]
    status_counts: dict[str, int]  # FieldworkStatus → agencies
    chase: QuerySet  # the (filtered) chase list, not yet read
    charts: dict[str, dict]

    @property
    def to_chase(self) -> int:
        return sum(self.status_counts[status] for status in FieldworkStatus.TO_CHASE)


def fieldwork_dashboard(
    year: SurveyYear, filters: FieldworkFilters | None = None
) -> FieldworkDashboard:
    """The response rate overall and by level, ministry and province (surveys' `response_rate`),
    the agencies in each fieldwork status, and the chase list. Six queries, and the chase list's
    when it is read."""
    rate = response_rate(year)
    counted = Response.objects.filter(year=year).aggregate(
        **{
            FieldworkStatus.NOT_STARTED: Count(
                "pk", filter=Q(status=Response.Status.IN_PROGRESS, started_at__isnull=True)
            ),
            FieldworkStatus.IN_PROGRESS: Count(
                "pk", filter=Q(status=Response.Status.IN_PROGRESS, started_at__isnull=False)
            ),
            FieldworkStatus.RETURNED: Count("pk", filter=Q(status=Response.Status.RETURNED)),
            FieldworkStatus.SUBMITTED: Count("pk", filter=Q(status=Response.Status.SUBMITTED)),
        }
    )
    overall = rate["overall"][0]
    # response_rate gathers the agencies without a province (departments) in a "—" row.
    by_province = [row for row in rate["province"] if row.label != NO_PROVINCE]
    return FieldworkDashboard(
        year=year,
        overall=overall,
        by_level=rate["level"],
        by_ministry=rate["ministry"],
        by_province=by_province,
        status_counts=counted,
        chase=fieldwork_responses(year, filters),
        charts={
            "levels": _rate_chart(rate["level"]),
            "ministries": _percent_chart(rate["ministry"]),
            "provinces": _percent_chart(by_province),
        },
    )


def _whole_numbers(chart: dict, axis: str = "y") -> dict:
    """Counts of agencies: no 0.5 ticks on the value axis."""
    chart["options"]["scales"][axis]["ticks"] = {"precision": 0}
    return chart


def _rate_chart(rows: list[RateRow]) -> dict:
    """Invited, started and submitted side by side for each row."""
    chart = charts.bar_chart(
        [row.label for row in rows],
        [
            charts.dataset(_("Invited"), [row.invited for row in rows], index=6),
            charts.dataset(_("Started"), [row.started for row in rows], index=1),
            charts.dataset(_("Submitted"), [row.submitted for row in rows], index=0),
        ],
        value_title=_("Agencies"),
        maximum=None,
    )
    return _whole_numbers(chart)


def _percent_chart(rows: list[RateRow]) -> dict:
    """Percent submitted, horizontal bars in the table's order."""
    return charts.bar_chart(
        [row.label for row in rows],
        [charts.dataset(_("Submitted (%)"), [row.percent for row in rows])],
        horizontal=True,
        value_title=_("Submitted (%)"),
        legend=False,
    )


# Results ------------------------------------------------------------------------------------------

BIN_WIDTH = 10
BINS = 10  # 0–10 … 90–100; a score of 100 counts in the last bin
BIN_LABELS = [f"{low}–{low + BIN_WIDTH}" for low in range(0, BINS * BIN_WIDTH, BIN_WIDTH)]
# The groups whose change against the previous year the dashboard shows, in this order.
CHANGE_SCOPES = [
    GroupScore.Scope.NATIONAL,
    GroupScore.Scope.LEVEL,
    GroupScore.Scope.AWARD_GROUP,
    GroupScore.Scope.MINISTRY,
]


# A year's results dashboard needs its scores final: scored (a preview for DGA staff) or published.
RESULTS_STATUSES = (SurveyYear.Status.SCORED, SurveyYear.Status.PUBLISHED)


def current_run(year: SurveyYear) -> ScoringRun | None:
    """The run whose numbers are the year's, if the year is scored or published. One query."""
    if year.status not in RESULTS_STATUSES:
        return None
    return current_run_of(year)


@dataclass(frozen=True)
class Histogram:
    group: GroupScore  # the level
    counts: list[int]  # agencies per bin of BIN_LABELS
    chart: dict


@dataclass(frozen=True)
class DimensionMean:
    dimension: Dimension
    mean: Decimal
    rank: int


@dataclass(frozen=True)
class DimensionRanking:
    """A group's dimension means high to low, and DGA's one-line summary of them."""

    group: GroupScore
    means: list[DimensionMean]
    summary: str
    chart: dict


@dataclass(frozen=True)
class ResultsDashboard:
    year: SurveyYear
    run: ScoringRun
    previous_year: SurveyYear | None  # the latest earlier year with scores: "change" is against it
    dimensions: list[Dimension]
    national: GroupScore | None
    scored: int  # scores in the aggregates
    held_back: int  # scores with problems, left out of the aggregates and ranks
    histograms: list[Histogram]  # one per level
    rankings: list[DimensionRanking]  # the nation, then each level
    provinces: list[GroupScore]  # in rank order
    changes: list[GroupScore]  # CHANGE_SCOPES' groups that have a previous mean
    charts: dict[str, dict] = field(default_factory=dict)


def results_dashboard(year: SurveyYear, run: ScoringRun | None = None) -> ResultsDashboard:
    """The results of `year`'s current run (`run`, when the caller has read it already). Six
    queries: the dimensions, the groups and their dimension means (two), the histogram's counts,
    the held-back scores, the previous year; one more without `run`."""
    run = run or current_run_of(year)
    dimensions = dimensions_of(year)
    results = run_results(run, dimensions)
    rows = {table.scope: [row.group for row in table.rows] for table in results.scopes}
    groups = {table.scope: table.rows for table in results.scopes}
    levels = rows.get(GroupScore.Scope.LEVEL, [])
    dimension_of = {dimension.pk: dimension for dimension in dimensions}

    rankings = [
        _dimension_ranking(row.group, dimension_of)
        for scope in (GroupScore.Scope.NATIONAL, GroupScore.Scope.LEVEL)
        for row in groups.get(scope, [])
    ]
    provinces = rows.get(GroupScore.Scope.PROVINCE, [])
    changes = [
        group
        for scope in CHANGE_SCOPES
        for group in rows.get(scope, [])
        if group.previous_mean is not None
    ]
    counts = score_histogram(run)
    histograms = [
        Histogram(
            group=level,
            counts=counts.get(level.key, [0] * BINS),
            chart=_whole_numbers(
                charts.bar_chart(
                    BIN_LABELS,
                    [
                        charts.dataset(
                            _("Agencies"), counts.get(level.key, [0] * BINS), index=position
                        )
                    ],
                    value_title=_("Agencies"),
                    maximum=None,
                    legend=False,
                )
            ),
        )
        for position, level in enumerate(levels)
    ]
    return ResultsDashboard(
        year=year,
        run=run,
        previous_year=(
            SurveyYear.objects.filter(year__lt=year.year, scoring_runs__is_current=True)
            .order_by("-year")
            .first()
        ),
        dimensions=dimensions,
        national=results.national,
        scored=results.national.agencies if results.national else 0,
        held_back=ResponseScore.objects.filter(run=run).exclude(problems=[]).count(),
        histograms=histograms,
        rankings=rankings,
        provinces=provinces,
        changes=changes,
        charts={
            "provinces": charts.bar_chart(
                [group.name for group in provinces],
                [charts.dataset(_("Mean overall score"), [g.overall_mean for g in provinces])],
                horizontal=True,
                value_title=_("Mean overall score"),
                legend=False,
            ),
            "changes": charts.bar_chart(
                [group.name for group in changes],
                [charts.dataset(_("Change"), [group.change for group in changes], index=2)],
                horizontal=True,
                value_title=_("Change against the previous year"),
                maximum=None,
                minimum=None,
                legend=False,
            ),
        },
    )


def score_histogram(run: ScoringRun) -> dict[str, list[int]]:
    """Level → agencies per bin of 10 points, from the run's scores that count in the aggregates
    (no problems). One query."""
    counted = (
        ResponseScore.objects.filter(run=run, problems=[])
        .annotate(
            bin=Least(
                Cast(Floor(F("overall") / Value(Decimal(BIN_WIDTH))), IntegerField()),
                Value(BINS - 1),
            )
        )
        .values("response__agency__level", "bin")
        .annotate(agencies=Count("pk"))
        .order_by()
    )
    counts: dict[str, list[int]] = {}
    for row in counted:
        counts.setdefault(row["response__agency__level"], [0] * BINS)[int(row["bin"])] = row[
            "agencies"
        ]
    return counts


def _dimension_ranking(group: GroupScore, dimension_of: dict[int, Dimension]) -> DimensionRanking:
    # run_results prefetched the group's dimension means high to low.
    means = [
        DimensionMean(dimension_of[item.dimension_id], item.mean, item.rank)
        for item in group.dimensions.all()
    ]
    return DimensionRanking(
        group=group,
        means=means,
        summary=dimension_summary(group, means),
        chart=charts.bar_chart(
            [item.dimension.name for item in means],
            [charts.dataset(group.name, [item.mean for item in means])],
            horizontal=True,
            value_title=_("Mean score"),
            legend=False,
        ),
    )


def dimension_summary(group: GroupScore, means: list[DimensionMean]) -> str:
    """DGA's published form: "Provincial unit: overall 51.09; infrastructure 59.65 highest,
    capabilities 57.20, …, technology 22.73 lowest." `means` high to low.

    A dimension is called highest (lowest) only when its displayed mean stands alone at the top
    (bottom), as `surveys.scoring.standouts` rules: when two dimensions both show 59.65 at the
    top, neither is called highest; when every mean is the same, none is called either."""
    parts = []
    highest, lowest = standouts([item.mean for item in means])
    for position, item in enumerate(means):
        values = {"name": item.dimension.name, "score": _score_text(item.mean)}
        if position == highest:
            parts.append(_("%(name)s %(score)s highest") % values)
        elif position == lowest:
            parts.append(_("%(name)s %(score)s lowest") % values)
        else:
            parts.append(_("%(name)s %(score)s") % values)
    overall = _("%(group)s: overall %(overall)s") % {
        "group": group.name,
        "overall": _score_text(group.overall_mean),
    }
    if not parts:
        return f"{overall}."
    return _("%(overall)s; %(dimensions)s.") % {"overall": overall, "dimensions": ", ".join(parts)}


def _score_text(value: Decimal) -> str:
    return f"{score_display(value):f}"


@dataclass(frozen=True)
class DashboardYear:
    year: SurveyYear
    invited: int
    has_results: bool  # scored or published, with a current run: the results dashboard applies


def years_with_dashboards() -> list[DashboardYear]:
    """Every survey year but drafts, newest first, with its number of invited agencies and
    whether its results dashboard applies. One query."""
    years = (
        SurveyYear.objects.exclude(status=SurveyYear.Status.DRAFT)
        .annotate(
            invited=Coalesce(
                Subquery(
                    Response.objects.filter(year=OuterRef("pk"))
                    .order_by()
                    .values("year")
                    .annotate(agencies=Count("pk"))
                    .values("agencies"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            has_current_run=Exists(ScoringRun.objects.filter(year=OuterRef("pk"), is_current=True)),
        )
        .order_by("-year")
    )
    return [
        DashboardYear(
            year=year,
            invited=year.invited,
            has_results=year.has_current_run and year.status in RESULTS_STATUSES,
        )
        for year in years
    ]


def province_options() -> list[Province]:
    return list(Province.objects.order_by("name_th"))


def ministry_options() -> list[Ministry]:
    return list(Ministry.objects.order_by("code"))
