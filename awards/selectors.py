"""Reading awards: conflicts, staleness, the committee's pages, published results.
Each selector runs a fixed number of queries, whatever the number of candidates or votes."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyMembership
from surveys.models import ScoringRun, SurveyYear, localized

from . import rules
from .models import AwardCategory, Candidate, ConflictOfInterest, Exclusion, Shortlist, Vote
from .reasons import place_label


@dataclass(frozen=True)
class Conflicts:
    agency_ids: frozenset[int]
    province_ids: frozenset[int]  # provinces of those agencies that are provincial units


def conflicts_of(member, year: SurveyYear) -> Conflicts:
    """The agencies a member is linked to in a year: their own and those declared. One query."""
    own = Q(memberships__user=member)
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
    or the run it came from was written to since. A nomination shortlist holds no scores, so it
    is never stale."""
    if shortlist.run_id is None:
        return False
    return shortlist.pk in stale_shortlist_ids([shortlist])


def stale_shortlist_ids(shortlists) -> set[int]:
    """Of these shortlists, those generated from scores that have changed since: another run is
    current, a score was written later, or one was dropped (nomination
    shortlists never are: their nominees carry no scores). One query, none without a run."""
    shortlists = [
        shortlist
        for shortlist in shortlists
        if shortlist.run_id and shortlist.category.kind != AwardCategory.Kind.NOMINATION
    ]
    if not shortlists:
        return set()
    year_ids = {shortlist.category.year_id for shortlist in shortlists}
    current = {
        run.year_id: run
        for run in ScoringRun.objects.filter(year_id__in=year_ids, is_current=True).annotate(
            latest=Max("scores__scored_at"), count=Count("scores")
        )
    }
    stale = set()
    for shortlist in shortlists:
        run = current.get(shortlist.category.year_id)
        replaced = run is None or run.pk != shortlist.run_id
        rescored = run is not None and run.latest and shortlist.scores_as_of
        dropped = run is not None and run.count != shortlist.scores_count
        if replaced or dropped or (rescored and run.latest > shortlist.scores_as_of):
            stale.add(shortlist.pk)
    return stale


# The committee's pages ----------------------------------------------------------------------------


def agency_name(agency: Agency) -> str:
    return localized(agency.name_th, agency.name_en)


def committee_years():
    """The survey years that have award categories, newest first, each with `category_count`
    and `finalised_count`. One query."""
    return (
        SurveyYear.objects.annotate(
            category_count=Count("award_categories", distinct=True),
            finalised_count=Count(
                "award_categories",
                filter=Q(award_categories__status=AwardCategory.Status.FINALISED),
                distinct=True,
            ),
        )
        .filter(category_count__gt=0)
        .order_by("-year")
    )


@dataclass
class CategoryRow:
    category: AwardCategory
    shortlist: Shortlist | None
    candidates: int = 0
    my_votes: int = 0
    is_stale: bool = False


def committee_categories(year: SurveyYear, member) -> list[CategoryRow]:
    """The year's categories with their current shortlist, how many candidates it has and how
    many of them the member has voted on. Three queries."""
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
    # Whether the candidate has the quorum of votes; shown to a conflicted member too, since the
    # chair needs it to finalise, and it says nothing of how anyone voted.
    has_quorum: bool = False
    my_vote: Vote | None = None
    # None when the member is conflicted: they may not see the votes.
    votes: list[Vote] | None = None
    tally: Counter = field(default_factory=Counter)
    # Ticked when the chair's decision opens (`rules.decision_proposal`).
    ticked: bool = False

    @property
    def vote_count(self) -> int:
        return sum(self.tally.values())

    @property
    def dimensions(self) -> list[tuple[str, Decimal | None]]:
        """The dimension scores of the snapshot, named in the active language."""
        return [
            (
                localized(dimension["name_th"], dimension["name_en"]),
                None if dimension["value"] is None else Decimal(dimension["value"]),
            )
            for dimension in self.candidate.dimension_scores
        ]

    @property
    def group_position(self) -> str:
        """ "3rd of 190 in Service-providing"; empty when the snapshot has no group."""
        candidate = self.candidate
        if not candidate.group_rank or not candidate.group_size:
            return ""
        return _("%(place)s in %(group)s") % {
            "place": place_label(candidate.group_rank, candidate.group_size),
            "group": candidate.group_name,
        }


@dataclass
class ShortlistPage:
    category: AwardCategory
    shortlist: Shortlist | None
    rows: list[CandidateRow]
    is_stale: bool
    exclusions: list[tuple[str, str, int]]  # reason, label, count
    quorum_met: bool


def _with_votes(candidates):
    return (
        candidates.select_related("agency", "province", "nominated_by")
        .prefetch_related(
            Prefetch(
                "votes", queryset=Vote.objects.select_related("member").order_by("cast_at", "pk")
            )
        )
        .order_by("order")
    )


def _candidate_row(candidate: Candidate, conflicts: Conflicts, member, quorum: int) -> CandidateRow:
    votes = list(candidate.votes.all())
    quorum_met = rules.has_quorum(len(votes), quorum)
    if is_conflicted(candidate, conflicts):
        return CandidateRow(candidate=candidate, conflicted=True, has_quorum=quorum_met)
    return CandidateRow(
        candidate=candidate,
        conflicted=False,
        has_quorum=quorum_met,
        my_vote=next((vote for vote in votes if vote.member_id == member.pk), None),
        votes=votes,
        tally=Counter(vote.choice for vote in votes),
    )


def shortlist_page(category: AwardCategory, member) -> ShortlistPage:
    """The current shortlist of a category as a committee member sees it. Six queries (the
    shortlist, the member's conflicts, the candidates, their votes, the exclusions, staleness)
    whatever the number of candidates and votes; one without a shortlist."""
    shortlist = (
        Shortlist.objects.filter(category=category, is_current=True)
        .select_related("run", "generated_by")
        .first()
    )
    if shortlist is None:
        return ShortlistPage(category, None, [], False, [], False)
    shortlist.category = category
    conflicts = conflicts_of(member, category.year)
    candidates = list(_with_votes(shortlist.candidates.all()))
    rows = [
        _candidate_row(candidate, conflicts, member, category.quorum) for candidate in candidates
    ]
    ticked = decision_ticks(category, candidates)
    for row in rows:
        row.ticked = row.candidate.pk in ticked
    labels = dict(Exclusion.Reason.choices)
    exclusions = [
        (reason, labels.get(reason, reason), count)
        for reason, count in shortlist.exclusions.values_list("reason")
        .annotate(count=Count("pk"))
        .order_by("reason")
    ]
    return ShortlistPage(
        category=category,
        shortlist=shortlist,
        rows=rows,
        is_stale=shortlist.pk in stale_shortlist_ids([shortlist]),
        exclusions=exclusions,
        quorum_met=bool(rows) and all(row.has_quorum for row in rows),
    )


def decision_ticks(category: AwardCategory, candidates) -> set[int]:
    """The candidates ticked when the chair's decision opens, from every vote (the chair sees the
    proposal whatever their own conflicts; the service decides those candidates by the votes).
    Candidates with their votes prefetched; no query of its own."""
    ballots = []
    for candidate in candidates:
        tally = Counter(vote.choice for vote in candidate.votes.all())
        ballots.append(
            rules.Ballot(
                key=candidate.pk,
                standing=candidate.standing,
                approvals=tally[rules.APPROVE],
                rejections=tally[rules.REJECT],
            )
        )
    return rules.decision_proposal(ballots, category.winners, kind=category.kind)


def candidate_row(candidate: Candidate, member) -> CandidateRow:
    """One candidate as `shortlist_page` shows it, e.g. again after a vote. Three queries
    (`candidate.shortlist.category.year` loaded)."""
    category = candidate.shortlist.category
    fresh = _with_votes(Candidate.objects.filter(pk=candidate.pk)).get()
    fresh.shortlist = candidate.shortlist
    return _candidate_row(fresh, conflicts_of(member, category.year), member, category.quorum)


@dataclass
class ExcludedRow:
    name: str
    code: str
    reason: str
    detail: str


def exclusions_of(shortlist: Shortlist):
    """The shortlist's exclusions in a stable order, for a paginator; see `excluded_rows`."""
    return shortlist.exclusions.select_related("agency", "province").order_by(
        "reason", "agency__code", "province__code", "pk"
    )


def excluded_rows(exclusions) -> list[ExcludedRow]:
    """Exclusions from `exclusions_of`, named in the active language. No query of its own."""
    rows = []
    for exclusion in exclusions:
        subject = exclusion.agency or exclusion.province
        rows.append(
            ExcludedRow(
                name=localized(subject.name_th, subject.name_en),
                code=subject.code,
                reason=exclusion.get_reason_display(),
                detail=exclusion.detail,
            )
        )
    return rows


@dataclass
class ConflictRow:
    name: str
    code: str
    reason: str = ""
    declared_at: object = None  # None for the member's own agency: it needs no declaration


def member_conflicts(year: SurveyYear, member) -> list[ConflictRow]:
    """The member's own agency, if any, then what they declared for the year. Two queries."""
    rows = [
        ConflictRow(name=agency_name(membership.agency), code=membership.agency.code)
        for membership in AgencyMembership.objects.filter(user=member).select_related("agency")
    ]
    rows += [
        ConflictRow(
            name=agency_name(declaration.agency),
            code=declaration.agency.code,
            reason=declaration.reason,
            declared_at=declaration.declared_at,
        )
        for declaration in ConflictOfInterest.objects.filter(year=year, member=member)
        .select_related("agency")
        .order_by("declared_at", "pk")
    ]
    return rows


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
