"""Reading awards: conflicts, staleness, the committee's pages, published results.
Each selector runs a fixed number of queries, whatever the number of candidates or votes."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyMembership
from agencies.roles import committee_members
from surveys.models import ScoringRun, SurveyYear, localized

from . import rules
from .models import (
    AuditEntry,
    AwardCategory,
    Candidate,
    ConflictOfInterest,
    Exclusion,
    Shortlist,
    Vote,
)
from .reasons import place_label


@dataclass(frozen=True)
class Conflicts:
    agency_ids: frozenset[int]
    province_ids: frozenset[int]  # provinces of those agencies that are provincial units


def _conflicts(agencies) -> Conflicts:
    """Conflicts from the linked agencies, as (pk, level, province_id)."""
    return Conflicts(
        agency_ids=frozenset(pk for pk, _level, _province in agencies),
        province_ids=frozenset(
            province
            for _pk, level, province in agencies
            if level == Agency.Level.PROVINCIAL_UNIT and province
        ),
    )


def conflicts_of(member, year: SurveyYear) -> Conflicts:
    """The agencies a member is linked to in a year: their own and those declared (and not
    withdrawn). One query."""
    own = Q(memberships__user=member)
    declared = Q(
        pk__in=ConflictOfInterest.objects.in_force()
        .filter(year=year, member=member)
        .values("agency")
    )
    return _conflicts(
        Agency.objects.filter(own | declared).values_list("pk", "level", "province_id")
    )


def committee_conflicts(year: SurveyYear) -> dict[int, Conflicts]:
    """Every member of the committee (the chair included) → their conflicts in the year: the
    people who may vote, and on what. Two queries."""
    links = defaultdict(list)
    for member_id, agency_id, level, province_id in committee_members().values_list(
        "pk",
        "membership__agency_id",
        "membership__agency__level",
        "membership__agency__province_id",
    ):
        links[member_id]  # a member without links still votes
        if agency_id:
            links[member_id].append((agency_id, level, province_id))
    for member_id, agency_id, level, province_id in (
        ConflictOfInterest.objects.in_force()
        .filter(year=year, member_id__in=list(links))
        .values_list("member_id", "agency_id", "agency__level", "agency__province_id")
    ):
        links[member_id].append((agency_id, level, province_id))
    return {member_id: _conflicts(agencies) for member_id, agencies in links.items()}


def is_conflicted(candidate: Candidate, conflicts: Conflicts) -> bool:
    return _conflicted_with(candidate.agency_id, candidate.province_id, conflicts)


def _conflicted_with(agency_id: int | None, province_id: int | None, conflicts: Conflicts) -> bool:
    """A candidacy of an agency, or of a province, that `conflicts` rule out."""
    if agency_id:
        return agency_id in conflicts.agency_ids
    if province_id:
        return province_id in conflicts.province_ids
    return False


def evidence_open_to_member(member, response) -> bool:
    """Whether a committee member may read the evidence of `response`: it is submitted, and its
    agency is on a current shortlist of the response's year (itself, or its province for a
    provincial unit), through a candidacy the member is not conflicted with, and the member is
    not conflicted with the agency itself. Two queries."""
    if response.status != response.Status.SUBMITTED:
        return False
    agency = response.agency
    conflicts = conflicts_of(member, response.year)
    if agency.pk in conflicts.agency_ids:
        return False
    reaches = Q(agency=agency)
    if agency.level == Agency.Level.PROVINCIAL_UNIT and agency.province_id:
        reaches |= Q(province_id=agency.province_id)
    # Candidacies the award rules made; a nominee's agency is what a member typed, so a
    # nomination opens no evidence.
    candidacies = Candidate.objects.filter(
        reaches,
        nominee="",
        shortlist__is_current=True,
        shortlist__category__year_id=response.year_id,
    ).values_list("agency_id", "province_id")
    return any(
        not _conflicted_with(agency_id, province_id, conflicts)
        for agency_id, province_id in candidacies
    )


# The votes that count ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteCount:
    """What the quorum and the decision read of a candidate's votes."""

    tally: Counter  # choice → counted votes
    eligible: int  # members of the committee who may vote on the candidate
    quorum: int
    # The votes cast that do not count, by id: why (`NOT_COUNTED`).
    not_counted: dict = field(default_factory=dict)

    @property
    def votes(self) -> int:
        return sum(self.tally.values())

    @property
    def needed(self) -> int:
        return rules.votes_needed(self.quorum, self.eligible)

    @property
    def has_quorum(self) -> bool:
        return rules.has_quorum(self.votes, self.quorum, self.eligible)

    @property
    def below_quorum(self) -> bool:
        """Conflicts of interest leave fewer members who may vote than the quorum."""
        return rules.below_quorum(self.quorum, self.eligible)


# Why a vote cast does not count: voided by its member's declaration; its member has a conflict of
# interest with the candidate now (an agency they joined since); its member has left the committee.
VOIDED, CONFLICTED, NOT_ON_COMMITTEE = "voided", "conflicted", "not_on_committee"


def vote_count(candidate: Candidate, votes, committee: dict[int, Conflicts], quorum) -> VoteCount:
    """The candidate's votes that count: not voided, and cast by a member of the committee who
    may vote on it (no conflict of interest with it); the others with the reason they do not.
    No query of its own."""
    eligible = {
        member_id
        for member_id, conflicts in committee.items()
        if not is_conflicted(candidate, conflicts)
    }
    tally, not_counted = Counter(), {}
    for vote in votes:
        if vote.voided_at is not None:
            not_counted[vote.pk] = VOIDED
        elif vote.member_id not in committee:
            not_counted[vote.pk] = NOT_ON_COMMITTEE
        elif vote.member_id not in eligible:
            not_counted[vote.pk] = CONFLICTED
        else:
            tally[vote.choice] += 1
    return VoteCount(tally=tally, eligible=len(eligible), quorum=quorum, not_counted=not_counted)


def vote_counts(category: AwardCategory, candidates) -> dict[int, VoteCount]:
    """Candidate id → its `VoteCount`, for the chair's decision. Three queries."""
    committee = committee_conflicts(category.year)
    votes = defaultdict(list)
    for vote in Vote.objects.filter(candidate__in=candidates).only(
        "candidate_id", "member_id", "choice", "voided_at"
    ):
        votes[vote.candidate_id].append(vote)
    return {
        candidate.pk: vote_count(candidate, votes[candidate.pk], committee, category.quorum)
        for candidate in candidates
    }


def decision_ballots(candidates, counts: dict[int, VoteCount]) -> list[rules.Ballot]:
    return [
        rules.Ballot(
            key=candidate.pk,
            standing=candidate.standing,
            approvals=counts[candidate.pk].tally[rules.APPROVE],
            rejections=counts[candidate.pk].tally[rules.REJECT],
        )
        for candidate in candidates
    ]


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
    many of them the member has voted on (voided votes left out). Three queries."""
    categories = list(
        AwardCategory.objects.filter(year=year)
        .select_related("year")
        .prefetch_related(
            Prefetch(
                "shortlists",
                queryset=Shortlist.objects.filter(is_current=True).annotate(
                    candidate_count=Count("candidates", distinct=True),
                    my_votes=Count(
                        "candidates__votes",
                        filter=Q(
                            candidates__votes__member=member,
                            candidates__votes__voided_at__isnull=True,
                        ),
                    ),
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
class EarlierVotes:
    """The counted votes a candidate had on the shortlist this one replaced (scores changed)."""

    place: int | None
    tally: Counter
    my_choice: str = ""  # the member's own earlier vote, as its label


@dataclass
class CandidateRow:
    candidate: Candidate
    conflicted: bool
    # The quorum as it stands for the candidate; shown to a conflicted member too, since the
    # chair needs it to finalise, and it says nothing of how anyone voted.
    count: VoteCount
    my_vote: Vote | None = None
    # None when the member is conflicted: they may not see the votes. Voided votes included,
    # shown as such.
    votes: list[Vote] | None = None
    # Ticked when the chair's decision opens (`rules.decision_proposal`).
    ticked: bool = False
    earlier: EarlierVotes | None = None

    @property
    def tally(self) -> Counter:
        return Counter() if self.conflicted else self.count.tally

    @property
    def vote_lines(self) -> list[tuple[Vote, str]]:
        """Each vote cast, with why it does not count ("" when it does)."""
        return [(vote, self.count.not_counted.get(vote.pk, "")) for vote in self.votes or []]

    @property
    def has_quorum(self) -> bool:
        return self.count.has_quorum

    @property
    def vote_count(self) -> int:
        return self.count.votes

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
    # The shortlist this one replaced, and who was on it and is not any more (with their
    # counted votes), so that no vote the committee cast disappears from view.
    replaced: Shortlist | None = None
    dropped: list[tuple[str, EarlierVotes | None]] = field(default_factory=list)

    @property
    def below_quorum(self) -> list[CandidateRow]:
        """The candidates fewer members may vote on than the quorum."""
        return [row for row in self.rows if row.count.below_quorum]

    @property
    def proposed(self) -> list[CandidateRow]:
        """The proposed winners (`proposed_winner_ids`), whom a member may approve in one step."""
        ids = proposed_winner_ids(
            self.category,
            [row.candidate for row in self.rows],
            {row.candidate.pk: row.count for row in self.rows},
        )
        return [row for row in self.rows if row.candidate.pk in ids]

    @property
    def vote_sheet_open(self) -> bool:
        """Whether to offer "approve every proposed winner": the category has proposed winners
        and the member's `vote_sheet` would record something: a proposed winner they may
        vote on and have not approved, or an abstention on another candidate they have not voted
        on (the confirmation then ticks that choice for them)."""
        proposed = {row.candidate.pk for row in self.proposed}
        return any(
            not row.conflicted
            and (
                row.my_vote is None
                or (row.candidate.pk in proposed and row.my_vote.choice != Vote.Choice.APPROVE)
            )
            for row in self.rows
        ) and bool(proposed)


def proposed_winner_ids(category: AwardCategory, candidates, counts: dict[int, VoteCount]) -> set:
    """The candidates "approve every proposed winner" approves: those the rule proposes (a ranked
    rule's proposed winners, or every candidate that meets a threshold rule's criterion), and in
    a nomination category, which ranks nothing, the nominees the committee's votes so far put in
    its places (`rules.decision_proposal`). Never a tie at the cut-off or a runner-up: the
    committee weighs those one by one."""
    if category.kind == AwardCategory.Kind.NOMINATION:
        ballots = decision_ballots(candidates, counts)
        return rules.decision_proposal(ballots, category.winners, kind=category.kind)
    return {
        candidate.pk
        for candidate in candidates
        if candidate.standing in (Candidate.Standing.PROPOSED, Candidate.Standing.QUALIFIED)
    }


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


def _candidate_row(candidate: Candidate, conflicts: Conflicts, member, count) -> CandidateRow:
    if is_conflicted(candidate, conflicts):
        return CandidateRow(candidate=candidate, conflicted=True, count=count)
    votes = list(candidate.votes.all())
    return CandidateRow(
        candidate=candidate,
        conflicted=False,
        count=count,
        my_vote=next(
            (vote for vote in votes if vote.member_id == member.pk and not vote.is_voided), None
        ),
        votes=votes,
    )


def _subject(candidate: Candidate) -> tuple:
    """What a candidate is, across shortlists: the agency, the province or the nominee."""
    if candidate.nominee:
        return ("nominee", candidate.nominee)
    if candidate.agency_id:
        return ("agency", candidate.agency_id)
    return ("province", candidate.province_id)


def shortlist_page(category: AwardCategory, member) -> ShortlistPage:
    """The current shortlist of a category as a committee member sees it. Nine queries (the
    shortlist, the member's conflicts, the committee and its conflicts (2), the candidates,
    their votes, the exclusions, staleness, the replaced shortlist), two more when there is a
    replaced shortlist (its candidates and their votes) and one for a finalised category (its
    decision's audit entry), whatever the number of candidates and votes; one without a
    shortlist."""
    shortlist = (
        Shortlist.objects.filter(category=category, is_current=True)
        .select_related("run", "generated_by")
        .first()
    )
    if shortlist is None:
        return ShortlistPage(category, None, [], False, [], False)
    shortlist.category = category
    conflicts = conflicts_of(member, category.year)
    committee = committee_conflicts(category.year)
    candidates = list(_with_votes(shortlist.candidates.all()))
    rows = [
        _candidate_row(
            candidate,
            conflicts,
            member,
            vote_count(candidate, candidate.votes.all(), committee, category.quorum),
        )
        for candidate in candidates
    ]
    ticked = rules.decision_proposal(
        decision_ballots(candidates, {row.candidate.pk: row.count for row in rows}),
        category.winners,
        kind=category.kind,
    )
    for row in rows:
        row.ticked = row.candidate.pk in ticked
    if category.is_finalised:
        _as_decided(category, rows)
    replaced, dropped = _earlier_votes(shortlist, rows, conflicts, committee, member)
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
        replaced=replaced,
        dropped=dropped,
    )


def _as_decided(category: AwardCategory, rows) -> None:
    """A finalised category's votes read as its decision counted them (the FINALISED audit
    entry), not as today's committee would: a member who leaves or joins an agency later does
    not change what the record shows. One query."""
    entry = (
        AuditEntry.objects.filter(category=category, action=AuditEntry.Action.FINALISED)
        .order_by("-at", "-pk")
        .first()
    )
    if entry is None:
        return
    decided = entry.data
    for row in rows:
        key = str(row.candidate.pk)
        if key not in decided.get("tally", {}):
            continue
        row.count = VoteCount(
            tally=Counter(decided["tally"][key]),
            eligible=decided.get("eligible", {}).get(key, row.count.eligible),
            quorum=decided.get("quorum", category.quorum),
            not_counted={
                int(vote): why for vote, why in decided.get("not_counted", {}).get(key, {}).items()
            },
        )


def _earlier_votes(shortlist, rows, conflicts, committee, member):
    """The shortlist the current one replaced, if any: each row gets the counted votes
    its agency, province or nominee had there, and those no longer on the shortlist are listed.
    A member conflicted with a candidate sees none of its votes, here as anywhere."""
    replaced = (
        Shortlist.objects.filter(
            category_id=shortlist.category_id,
            is_current=False,
            generated_at__lte=shortlist.generated_at,
        )
        .order_by("-generated_at", "-pk")
        .first()
    )
    if replaced is None:
        return None, []
    quorum = shortlist.category.quorum
    earlier = {}
    for candidate in _with_votes(replaced.candidates.all()):
        votes = list(candidate.votes.all())
        if is_conflicted(candidate, conflicts):
            earlier[_subject(candidate)] = (candidate, None)
            continue
        mine = next(
            (vote for vote in votes if vote.member_id == member.pk and not vote.is_voided), None
        )
        earlier[_subject(candidate)] = (
            candidate,
            EarlierVotes(
                place=candidate.place,
                tally=vote_count(candidate, votes, committee, quorum).tally,
                my_choice=mine.get_choice_display() if mine else "",
            ),
        )
    for row in rows:
        if not row.conflicted:
            row.earlier = earlier.pop(_subject(row.candidate), (None, None))[1]
        else:
            earlier.pop(_subject(row.candidate), None)
    dropped = [(candidate.display_name, votes) for candidate, votes in earlier.values()]
    return replaced, dropped


@dataclass
class VoteSheet:
    """What "approve every proposed winner" would do for a member, to confirm before it does."""

    approve: list[Candidate]  # proposed winners the member may vote on and has not approved
    others: list[Candidate]  # the other candidates they may vote on and have not voted on
    # The member's vote now on a candidate of `approve` that it would change (reject, abstain).
    changes: dict[int, str] = field(default_factory=dict)

    def records_anything(self, *, abstain_others: bool) -> bool:
        return bool(self.approve) or (abstain_others and bool(self.others))


def vote_sheet(category: AwardCategory, member) -> VoteSheet:
    """The member's vote sheet on the category's current shortlist (`proposed_winner_ids`);
    candidates the member is conflicted with are on neither list. Seven queries."""
    shortlist = Shortlist.objects.filter(category=category, is_current=True).first()
    if shortlist is None:
        return VoteSheet([], [])
    candidates = list(
        shortlist.candidates.select_related("agency", "province", "shortlist").order_by("order")
    )
    proposed = proposed_winner_ids(category, candidates, vote_counts(category, candidates))
    conflicts = conflicts_of(member, category.year)
    mine = dict(
        Vote.objects.counted()
        .filter(candidate__shortlist=shortlist, member=member)
        .values_list("candidate_id", "choice")
    )
    votable = [c for c in candidates if not is_conflicted(c, conflicts)]
    approve = [c for c in votable if c.pk in proposed and mine.get(c.pk) != Vote.Choice.APPROVE]
    return VoteSheet(
        approve=approve,
        others=[c for c in votable if c.pk not in proposed and c.pk not in mine],
        changes={c.pk: Vote.Choice(mine[c.pk]).label for c in approve if c.pk in mine},
    )


def candidate_row(candidate: Candidate, member) -> CandidateRow:
    """One candidate as `shortlist_page` shows it, e.g. again after a vote. Five queries
    (`candidate.shortlist.category.year` loaded)."""
    category = candidate.shortlist.category
    fresh = _with_votes(Candidate.objects.filter(pk=candidate.pk)).get()
    fresh.shortlist = candidate.shortlist
    committee = committee_conflicts(category.year)
    count = vote_count(fresh, fresh.votes.all(), committee, category.quorum)
    return _candidate_row(fresh, conflicts_of(member, category.year), member, count)


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
    declaration_id: int | None = None
    voided_votes: int = 0  # votes of the member's that the declaration voided

    @property
    def can_withdraw(self) -> bool:
        """A declaration made in error is withdrawn before it voided a vote; one that did
        stands, since the votes it voided stay voided (`services.conflict_withdraw`)."""
        return self.declaration_id is not None and not self.voided_votes


def member_conflicts(year: SurveyYear, member) -> list[ConflictRow]:
    """The member's own agency, if any, then what they declared for the year and have not
    withdrawn. Two queries."""
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
            declaration_id=declaration.pk,
            voided_votes=declaration.voided_count,
        )
        for declaration in ConflictOfInterest.objects.in_force()
        .filter(year=year, member=member)
        .annotate(voided_count=Count("voided_votes"))
        .select_related("agency")
        .order_by("declared_at", "pk")
    ]
    return rows


# Agencies a member may declare a conflict with, found by name or code.
AGENCY_SEARCH_LIMIT = 20


def agency_search(query: str) -> list[Agency]:
    """Up to AGENCY_SEARCH_LIMIT agencies whose code, Thai or English name contains every word
    of `query`, by code. One query; none for an empty query."""
    words = query.split()
    if not words:
        return []
    agencies = Agency.objects.select_related("province")
    for word in words[:5]:
        agencies = agencies.filter(
            Q(code__icontains=word) | Q(name_th__icontains=word) | Q(name_en__icontains=word)
        )
    return list(agencies.order_by("code")[:AGENCY_SEARCH_LIMIT])


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
