"""Reading awards: conflicts, staleness, the committee's shortlist page, published results.
Each selector runs a fixed number of queries, whatever the number of candidates or votes."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q

from agencies.models import Agency
from surveys.models import ScoringRun, SurveyYear

from .models import AwardCategory, Candidate, ConflictOfInterest, Exclusion, Shortlist, Vote


@dataclass(frozen=True)
class Conflicts:
    agency_ids: frozenset[int]
    province_ids: frozenset[int]  # provinces of those agencies that are provincial units


def conflicts_of(member, year: SurveyYear) -> Conflicts:
    """The agencies a member is linked to in a year: their own and those declared. One query."""
    own = Q(membership__user=member)
    declared = Q(
        pk__in=ConflictOfInterest.objects.filter(year=year, member=member).values("agency")
    )
    agencies = list(Agency.objects.filter(own | declared).values_list("pk", "level", "province_id"))
    return Conflicts(
        agency_ids=frozenset(pk for pk, _level, _province in agencies),
        province_ids=frozenset(
            province
            for _pk, level, province in agencies
            if level == Agency.Level.PROVINCIAL_UNIT and province
        ),
    )


def is_conflicted(candidate: Candidate, conflicts: Conflicts) -> bool:
    if candidate.agency_id:
        return candidate.agency_id in conflicts.agency_ids
    if candidate.province_id:
        return candidate.province_id in conflicts.province_ids
    return False


def shortlist_is_stale(shortlist: Shortlist) -> bool:
    """Whether the scores changed after the shortlist was generated: another run became current,
    or the run it came from was written to since."""
    if shortlist.run_id is None:
        return False
    return shortlist.pk in stale_shortlist_ids([shortlist])


def stale_shortlist_ids(shortlists) -> set[int]:
    """Of these shortlists, those generated from scores that have changed since. Two queries."""
    shortlists = [shortlist for shortlist in shortlists if shortlist.run_id]
    if not shortlists:
        return set()
    year_ids = {shortlist.category.year_id for shortlist in shortlists}
    current = {
        run.year_id: run
        for run in ScoringRun.objects.filter(year_id__in=year_ids, is_current=True).annotate(
            latest=Max("scores__scored_at")
        )
    }
    stale = set()
    for shortlist in shortlists:
        run = current.get(shortlist.category.year_id)
        replaced = run is None or run.pk != shortlist.run_id
        rescored = run is not None and run.latest and shortlist.scores_as_of
        if replaced or (rescored and run.latest > shortlist.scores_as_of):
            stale.add(shortlist.pk)
    return stale


# The committee's pages ----------------------------------------------------------------------------


@dataclass
class CategoryRow:
    category: AwardCategory
    shortlist: Shortlist | None
    candidates: int = 0
    my_votes: int = 0
    is_stale: bool = False


def committee_categories(year: SurveyYear, member) -> list[CategoryRow]:
    """The year's categories with their current shortlist, how many candidates it has and how
    many of them the member has voted on. Four queries."""
    categories = list(
        AwardCategory.objects.filter(year=year)
        .select_related("year")
        .prefetch_related(
            Prefetch(
                "shortlists",
                queryset=Shortlist.objects.filter(is_current=True).annotate(
                    candidate_count=Count("candidates", distinct=True),
                    my_votes=Count("candidates__votes", filter=Q(candidates__votes__member=member)),
                ),
                to_attr="current",
            )
        )
        .order_by("order", "code")
    )
    rows = []
    for category in categories:
        shortlist = category.current[0] if category.current else None
        if shortlist:
            shortlist.category = category
        rows.append(
            CategoryRow(
                category=category,
                shortlist=shortlist,
                candidates=shortlist.candidate_count if shortlist else 0,
                my_votes=shortlist.my_votes if shortlist else 0,
            )
        )
    stale = stale_shortlist_ids([row.shortlist for row in rows if row.shortlist])
    for row in rows:
        row.is_stale = bool(row.shortlist) and row.shortlist.pk in stale
    return rows


@dataclass
class CandidateRow:
    candidate: Candidate
    conflicted: bool
    my_vote: Vote | None = None
    # None when the member is conflicted: they may not see the votes.
    votes: list[Vote] | None = None
    tally: Counter = field(default_factory=Counter)

    @property
    def vote_count(self) -> int:
        return sum(self.tally.values())


@dataclass
class ShortlistPage:
    category: AwardCategory
    shortlist: Shortlist | None
    rows: list[CandidateRow]
    is_stale: bool
    exclusions: list[tuple[str, str, int]]  # reason, label, count
    quorum_met: bool


def shortlist_page(category: AwardCategory, member) -> ShortlistPage:
    """The current shortlist of a category as a committee member sees it. A fixed number of
    queries whatever the number of candidates and votes."""
    shortlist = (
        Shortlist.objects.filter(category=category, is_current=True)
        .select_related("run", "generated_by")
        .first()
    )
    if shortlist is None:
        return ShortlistPage(category, None, [], False, [], False)
    shortlist.category = category
    conflicts = conflicts_of(member, category.year)
    candidates = list(
        shortlist.candidates.select_related("agency", "province", "nominated_by")
        .prefetch_related(
            Prefetch(
                "votes", queryset=Vote.objects.select_related("member").order_by("cast_at", "pk")
            )
        )
        .order_by("order")
    )
    rows = []
    for candidate in candidates:
        conflicted = is_conflicted(candidate, conflicts)
        votes = list(candidate.votes.all())
        mine = next((vote for vote in votes if vote.member_id == member.pk), None)
        rows.append(
            CandidateRow(
                candidate=candidate,
                conflicted=conflicted,
                my_vote=None if conflicted else mine,
                votes=None if conflicted else votes,
                tally=Counter() if conflicted else Counter(vote.choice for vote in votes),
            )
        )
    labels = dict(Exclusion.Reason.choices)
    exclusions = [
        (reason, labels.get(reason, reason), count)
        for reason, count in shortlist.exclusions.values_list("reason")
        .annotate(count=Count("pk"))
        .order_by("reason")
    ]
    quorum_met = bool(candidates) and all(
        len(candidate.votes.all()) >= category.quorum for candidate in candidates
    )
    return ShortlistPage(
        category=category,
        shortlist=shortlist,
        rows=rows,
        is_stale=shortlist.pk in stale_shortlist_ids([shortlist]),
        exclusions=exclusions,
        quorum_met=quorum_met,
    )


# Published results --------------------------------------------------------------------------------


@dataclass
class CategoryWinners:
    category: AwardCategory
    winners: list[Candidate]


def published_winners(year: SurveyYear) -> list[CategoryWinners]:
    """The winners of each category of the year, in category order. Two queries."""
    categories = (
        AwardCategory.objects.filter(year=year, status=AwardCategory.Status.FINALISED)
        .prefetch_related(
            Prefetch(
                "shortlists",
                queryset=Shortlist.objects.filter(is_current=True),
                to_attr="current",
            ),
        )
        .order_by("order", "code")
    )
    categories = list(categories)
    shortlist_ids = [category.current[0].pk for category in categories if category.current]
    winners_by_shortlist: dict[int, list[Candidate]] = {pk: [] for pk in shortlist_ids}
    for candidate in (
        Candidate.objects.filter(shortlist_id__in=shortlist_ids, is_winner=True)
        .select_related("agency", "province")
        .order_by("order")
    ):
        winners_by_shortlist[candidate.shortlist_id].append(candidate)
    return [
        CategoryWinners(
            category,
            winners_by_shortlist.get(category.current[0].pk, []) if category.current else [],
        )
        for category in categories
    ]
