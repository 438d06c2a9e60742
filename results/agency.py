"""One agency's results in one year, as its own staff, DGA staff and the committee read them:
its scores beside the averages of the groups it is compared with, its rank in each group it is
counted in, its overall score over the years, and DGA's recommendations to its groups.

Every number is a row of the year's current scoring run (ResponseScore, DimensionScore,
GroupScore, GroupDimensionScore, ResponseRank); nothing is recomputed here. Reading them takes
a fixed number of queries, whatever the number of agencies (see `agency_results`).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dgaweb.templatetags.era import era_year
from surveys.aggregates import AgencyScore, group_keys
from surveys.models import (
    Dimension,
    DimensionScore,
    GroupDimensionScore,
    GroupScore,
    Response,
    ResponseRank,
    ResponseScore,
    SurveyYear,
    localized,
)
from surveys.scoring import score_difference
from surveys.selectors import dimensions_of

from .access import is_published
from .charts import bar_chart, dataset, line_chart
from .models import Recommendation

Scope = GroupScore.Scope

# The groups an agency is read against, in the order they are shown (DGA's reports read an
# agency against its ministry and the nation). A department's level is every department, which
# says little beside its ministry and award group; a provincial unit is also read against all
# provincial units.
COMPARED_SCOPES = {
    Agency.Level.DEPARTMENT: (Scope.NATIONAL, Scope.MINISTRY, Scope.AWARD_GROUP),
    Agency.Level.PROVINCIAL_UNIT: (Scope.NATIONAL, Scope.PROVINCE, Scope.UNIT_TYPE, Scope.LEVEL),
    Agency.Level.SPECIAL_LOCAL: (Scope.NATIONAL, Scope.LEVEL),
    Agency.Level.LOCAL: (Scope.NATIONAL, Scope.LEVEL),
}
# Every group an agency can be counted in, broadest first.
SHOWN_SCOPES = (
    Scope.NATIONAL,
    Scope.LEVEL,
    Scope.MINISTRY,
    Scope.AWARD_GROUP,
    Scope.PROVINCE,
    Scope.UNIT_TYPE,
)


class Standing:
    """Why an agency has (or has no) score to show in a year."""

    SCORED = "scored"
    NOT_INVITED = "not_invited"
    NOT_SCORED = "not_scored"  # invited, but not submitted (or not scored yet)
    HELD_BACK = "held_back"  # scored with problems: left out of the aggregates and ranks

    MESSAGES = {
        NOT_INVITED: _("This agency was not invited to the survey this year."),
        NOT_SCORED: _(
            "This agency has no score this year: its questionnaire was not submitted "
            "or has not been scored."
        ),
        HELD_BACK: _(
            "This agency's score is held back while DGA checks answers that could not be "
            "scored. It is not counted in the averages or ranks until they are resolved."
        ),
    }


@dataclass(frozen=True)
class Comparison:
    """A group the agency is read against, with its means in the year's dimension order and the
    agency's rank in it (None when the agency is not ranked: no score, or a held-back one)."""

    group: GroupScore
    dimension_means: list[Decimal | None]
    rank: ResponseRank | None = None

    @property
    def scope(self) -> str:
        return self.group.scope


@dataclass(frozen=True)
class Row:
    """One line of the comparison table: the overall score or a dimension."""

    label: str
    weight: Decimal | None
    agency: Decimal | None
    groups: list[Decimal | None]
    national: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """The agency against the national average (positive: above it), as the two figures
        beside it read: 61.90 against 62.30 is −0.40 (`score_difference`)."""
        return score_difference(self.agency, self.national)


@dataclass(frozen=True)
class HistoryPoint:
    year: int  # B.E.
    overall: Decimal

    @property
    def year_ce(self) -> int:
        return self.year - 543


@dataclass
class AgencyResults:
    year: SurveyYear
    agency: Agency
    standing: str
    score: ResponseScore | None  # the current run's, also when held back (then not shown)
    dimensions: list[Dimension]
    dimension_scores: list[Decimal | None]  # in the order of `dimensions`
    comparisons: list[Comparison]  # the groups it is read against (COMPARED_SCOPES)
    groups: list[Comparison]  # every group it is counted in, for its ranks
    history: list[HistoryPoint] = field(default_factory=list)  # oldest first
    recommendations: list[Recommendation] = field(default_factory=list)

    @property
    def agency_name(self) -> str:
        return localized(self.agency.name_th, self.agency.name_en)

    @property
    def preview(self) -> bool:
        """An unpublished year, which only DGA staff read."""
        return not is_published(self.year)

    @property
    def has_score(self) -> bool:
        """Whether there is a score to show: a held-back one is not shown."""
        return self.standing == Standing.SCORED

    @property
    def standing_message(self) -> str:
        return str(Standing.MESSAGES.get(self.standing, ""))

    @property
    def national(self) -> Comparison | None:
        return next((c for c in self.comparisons if c.scope == Scope.NATIONAL), None)

    @property
    def ranks(self) -> list[ResponseRank]:
        """The agency's place in each group it is counted in, national first."""
        return [membership.rank for membership in self.groups if membership.rank is not None]

    def group_name(self, scope: str, key: str) -> str:
        """The name of one of the agency's groups (a recommendation's), as scoring stored it."""
        for membership in self.groups:
            if (membership.group.scope, membership.group.key) == (scope, key):
                return membership.group.name
        return str(Scope(scope).label)

    @property
    def recommendation_items(self) -> list[tuple[str, Recommendation]]:
        return [(self.group_name(item.scope, item.key), item) for item in self.recommendations]

    @property
    def rows(self) -> list[Row]:
        """The table: the overall score first, then each dimension."""
        national = self.national
        rows = [
            Row(
                label=str(_("Overall score")),
                weight=None,
                agency=self.score.overall if self.has_score else None,
                groups=[c.group.overall_mean for c in self.comparisons],
                national=national.group.overall_mean if national else None,
            )
        ]
        for index, dimension in enumerate(self.dimensions):
            rows.append(
                Row(
                    label=dimension.name,
                    weight=dimension.weight,
                    agency=self.dimension_scores[index],
                    groups=[c.dimension_means[index] for c in self.comparisons],
                    national=national.dimension_means[index] if national else None,
                )
            )
        return rows


def agency_group_keys(agency: Agency) -> list[tuple[str, str]]:
    """The (scope, key) of every group `agency` is counted in, as scoring names them. Reads the
    agency's ministry and province (loaded by access.get_agency_results_or_404) and, for a
    provincial unit, its unit type (one query)."""
    is_unit = agency.level == Agency.Level.PROVINCIAL_UNIT
    membership = AgencyScore(
        response_id=0,
        agency_code=agency.code,
        level=agency.level,
        overall=Decimal(0),
        dimensions={},
        award_group=agency.award_group or "",
        ministry=agency.ministry.code if agency.ministry_id else "",
        province=agency.province.code if agency.province_id else "",
        unit_type=agency.unit_type.code if is_unit and agency.unit_type_id else "",
    )
    return group_keys(membership)


def _keys_filter(keys: list[tuple[str, str]]) -> Q:
    condition = Q(pk__in=[])
    for scope, key in keys:
        condition |= Q(scope=scope, key=key)
    return condition


def agency_results(agency: Agency, year: SurveyYear, *, user) -> AgencyResults:
    """`agency`'s results in `year` as `user` may read them (access is the caller's:
    results.access.get_agency_results_or_404). A fixed number of queries, whatever the number
    of agencies: the agency's score in the current run; the year's dimensions; when scored, its
    dimension scores and its ranks (otherwise whether it was invited); its groups and their
    dimension means; its history; the recommendations. Eight when scored, seven when not, and
    one more for a provincial unit (its unit type)."""
    keys = agency_group_keys(agency)
    score = ResponseScore.objects.filter(
        run__year=year, run__is_current=True, response__agency=agency
    ).first()
    dimensions = dimensions_of(year)
    standing = _standing(score, agency=agency, year=year)

    dimension_scores: list[Decimal | None] = [None] * len(dimensions)
    ranks: dict[int, ResponseRank] = {}
    if standing == Standing.SCORED:
        values = dict(
            DimensionScore.objects.filter(score=score).values_list("dimension_id", "value")
        )
        dimension_scores = [values.get(dimension.pk) for dimension in dimensions]
        ranks = {rank.group_id: rank for rank in ResponseRank.objects.filter(score=score)}

    memberships = []
    for group in (
        GroupScore.objects.filter(run__year=year, run__is_current=True)
        .filter(_keys_filter(keys))
        .prefetch_related(Prefetch("dimensions", queryset=GroupDimensionScore.objects.order_by()))
    ):
        means = {item.dimension_id: item.mean for item in group.dimensions.all()}
        rank = ranks.get(group.pk)
        if rank is not None:
            rank.group = group  # already read: "3 of 17" needs its size and name
            rank.score = score
        memberships.append(
            Comparison(
                group=group,
                dimension_means=[means.get(dimension.pk) for dimension in dimensions],
                rank=rank,
            )
        )
    memberships.sort(key=lambda membership: SHOWN_SCOPES.index(membership.scope))
    compared = COMPARED_SCOPES.get(agency.level, (Scope.NATIONAL,))

    return AgencyResults(
        year=year,
        agency=agency,
        standing=standing,
        score=score,
        dimensions=dimensions,
        dimension_scores=dimension_scores,
        comparisons=sorted(
            (item for item in memberships if item.scope in compared),
            key=lambda item: compared.index(item.scope),
        ),
        groups=memberships,
        history=agency_history(agency, user=user),
        recommendations=sorted(
            Recommendation.objects.filter(year=year).filter(_keys_filter(keys)),
            key=lambda item: (item.order, SHOWN_SCOPES.index(item.scope)),
        ),
    )


def _standing(score: ResponseScore | None, *, agency: Agency, year: SurveyYear) -> str:
    if score is not None:
        return Standing.HELD_BACK if score.problems else Standing.SCORED
    invited = Response.objects.filter(year=year, agency=agency).exists()
    return Standing.NOT_SCORED if invited else Standing.NOT_INVITED


def agency_history(agency: Agency, *, user) -> list[HistoryPoint]:
    """The agency's overall score in each year's current run, oldest first; scores held back
    are left out, and so are unpublished years for anyone but DGA staff. One query."""
    scores = ResponseScore.objects.filter(
        run__is_current=True, response__agency=agency, problems=[]
    )
    if not user.has_perm("surveys.view_unpublished_year"):
        scores = scores.filter(run__year__status=SurveyYear.Status.PUBLISHED)
    return [
        HistoryPoint(year=year, overall=overall)
        for year, overall in scores.order_by("run__year__year").values_list(
            "run__year__year", "overall"
        )
    ]


# Which results a user may open (the /results/ page) ---------------------------------------------

SEARCH_LIMIT = 50


def member_years(agency: Agency) -> list[SurveyYear]:
    """The published years `agency` was invited to, newest first. One query."""
    return list(
        SurveyYear.objects.filter(status=SurveyYear.Status.PUBLISHED, responses__agency=agency)
        .distinct()
        .order_by("-year")
    )


def readable_years(user) -> list[SurveyYear]:
    """The years DGA staff (scored and published) or the committee (published) pick from,
    newest first. One query."""
    statuses = [SurveyYear.Status.PUBLISHED]
    if user.has_perm("surveys.view_unpublished_year"):
        statuses.append(SurveyYear.Status.SCORED)
    return list(SurveyYear.objects.filter(status__in=statuses).order_by("-year"))


@dataclass(frozen=True)
class AgencySearch:
    query: str
    responses: list[Response]  # at most SEARCH_LIMIT, by code
    total: int


def agency_search(year: SurveyYear, query: str) -> AgencySearch:
    """The agencies invited in `year` whose code or name holds `query` (all when empty), with
    their current score. Two queries."""
    query = query.strip()
    responses = Response.objects.filter(year=year)
    if query:
        responses = responses.filter(
            Q(agency__code__icontains=query)
            | Q(agency__name_th__icontains=query)
            | Q(agency__name_en__icontains=query)
        )
    current_scores = ResponseScore.objects.filter(run__is_current=True).order_by()
    found = list(
        responses.select_related("agency")
        .prefetch_related(Prefetch("scores", queryset=current_scores, to_attr="current_scores"))
        .order_by("agency__code")[:SEARCH_LIMIT]
    )
    total = len(found) if len(found) < SEARCH_LIMIT else responses.count()
    return AgencySearch(query=query, responses=found, total=total)


# Charts (Chart.js configurations, drawn by static/js/charts.js) -----------------------------------


def comparison_chart(results: AgencyResults) -> dict:
    """Horizontal grouped bars: the overall score and each dimension (long Thai names read best
    down the side), the agency first, then each compared group."""
    labels = [row.label for row in results.rows]
    datasets = []
    if results.has_score:
        datasets.append(dataset(results.agency.code, [row.agency for row in results.rows]))
    for index, comparison in enumerate(results.comparisons, start=1):
        datasets.append(
            dataset(
                comparison.group.name,
                [row.groups[index - 1] for row in results.rows],
                index=index,
            )
        )
    return bar_chart(labels, datasets, horizontal=True, value_title=str(_("Score (0–100)")))


def history_chart(results: AgencyResults) -> dict:
    """The agency's overall score over the years it was scored."""
    return line_chart(
        [era_year(point.year_ce) for point in results.history],
        [dataset(_("Overall score"), [point.overall for point in results.history])],
        value_title=str(_("Overall score")),
    )
