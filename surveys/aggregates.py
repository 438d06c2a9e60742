"""The aggregates DGA publishes from a year's scores, as pure functions over plain data.

Groups of agencies (`SCOPES`): the nation (everyone), each agency level, each ministry (its
department-level agencies), each department award group, each province (its provincial units:
the province score is their mean) and each provincial unit type. For each group: the mean overall
score, the mean of each dimension with the dimensions ranked high to low, the group's rank among
the groups of its scope (provinces ranked against each other, and so on) and each member's rank
in the group. Ranks are shared on equal scores: 1, 2, 2, 4.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .scoring import SCORE_CONTEXT, ZERO

NATIONAL, LEVEL, MINISTRY, AWARD_GROUP, PROVINCE, UNIT_TYPE = (
    "national", "level", "ministry", "award_group", "province", "unit_type",
)  # fmt: skip
SCOPES = (NATIONAL, LEVEL, MINISTRY, AWARD_GROUP, PROVINCE, UNIT_TYPE)
NATIONAL_KEY = "all"
DEPARTMENT, PROVINCIAL_UNIT = "department", "provincial_unit"


@dataclass(frozen=True, slots=True, eq=False)
class AgencyScore:
    """One agency's current scores and where it belongs (codes, empty when not applicable)."""

    response_id: int
    agency_code: str
    level: str
    overall: Decimal
    dimensions: Mapping[int, Decimal]  # dimension id → score
    award_group: str = ""
    ministry: str = ""
    province: str = ""
    unit_type: str = ""


@dataclass(eq=False)
class GroupResult:
    scope: str
    key: str
    overall_mean: Decimal
    dimension_means: dict[int, Decimal]
    dimension_ranks: dict[int, int]
    member_ranks: dict[int, int]  # response id → rank in the group
    rank: int = 1  # among the groups of the same scope
    previous_mean: Decimal | None = None

    @property
    def agencies(self) -> int:
        return len(self.member_ranks)


def group_keys(score: AgencyScore) -> list[tuple[str, str]]:
    """The groups an agency is counted in."""
    keys = [(NATIONAL, NATIONAL_KEY), (LEVEL, score.level)]
    if score.level == DEPARTMENT:
        keys += [(MINISTRY, score.ministry), (AWARD_GROUP, score.award_group)]
    elif score.level == PROVINCIAL_UNIT:
        keys += [(PROVINCE, score.province), (UNIT_TYPE, score.unit_type)]
    return [(scope, key) for scope, key in keys if key]


def mean(values: Sequence[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = SCORE_CONTEXT.add(total, value)
    return SCORE_CONTEXT.divide(total, Decimal(len(values)))


def competition_ranks(items: Iterable, score: Callable[..., Decimal]) -> dict:
    """Rank high to low; equal scores share a place and the next place is skipped (1, 2, 2, 4)."""
    ordered = sorted(items, key=score, reverse=True)
    ranks, previous = {}, None
    for position, item in enumerate(ordered, start=1):
        value = score(item)
        if value != previous:
            rank, previous = position, value
        ranks[item] = rank
    return ranks


def aggregates_compute(
    scores: Iterable[AgencyScore],
    *,
    dimension_ids: Sequence[int],
    previous_means: Mapping[tuple[str, str], Decimal] | None = None,
) -> list[GroupResult]:
    """Every group's means and ranks, in scope and rank order; `previous_means` ((scope, key) →
    last year's mean) gives each group's change against last year."""
    members: dict[tuple[str, str], list[AgencyScore]] = defaultdict(list)
    scores = list(scores)
    for score in scores:
        for group_key in group_keys(score):
            members[group_key].append(score)
    previous_means = previous_means or {}
    groups = []
    for (scope, key), group in members.items():
        dimension_means = {
            dimension_id: mean([member.dimensions[dimension_id] for member in group])
            for dimension_id in dimension_ids
        }
        groups.append(
            GroupResult(
                scope=scope,
                key=key,
                overall_mean=mean([member.overall for member in group]),
                dimension_means=dimension_means,
                dimension_ranks=competition_ranks(dimension_ids, dimension_means.__getitem__),
                member_ranks={
                    member.response_id: rank
                    for member, rank in competition_ranks(group, _overall).items()
                },
                previous_mean=previous_means.get((scope, key)),
            )
        )
    by_scope = defaultdict(list)
    for group in groups:
        by_scope[group.scope].append(group)
    for scope_groups in by_scope.values():
        for group, rank in competition_ranks(scope_groups, _overall_mean).items():
            group.rank = rank
    groups.sort(key=lambda group: (SCOPES.index(group.scope), group.rank, group.key))
    return groups


def _overall(score: AgencyScore) -> Decimal:
    return score.overall


def _overall_mean(group: GroupResult) -> Decimal:
    return group.overall_mean
