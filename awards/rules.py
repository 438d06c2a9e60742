"""The award rules, as pure functions over plain data.

Every rule ranks the eligible entrants high to low on one figure and proposes the first N:
- top overall: the overall score;
- most improved: the gain in overall score over the previous year, among entrants that have a
  previous-year score and an overall score of at least the minimum (`Rule.minimum`: the
  category's, 80 when it sets none, see `shortlists._minimum_of`);
- province: the province score (the mean of its provincial units);
- focus: points earned of possible on the chosen questions and dimensions, as 0–100.
A threshold rule ranks nothing: every eligible entrant that meets the criterion qualifies.

Ties. Equal figures are ordered by the higher overall score, then by the higher tie-break
dimension score (Public Services by default); entrants still equal share a place. When a shared
place straddles the cut-off, every entrant on it is marked TIED and the committee decides: a tie is
never broken silently. Runners-up follow the proposed winners and the tied block, counted after
it (4 winners and 3 runners-up with a tie at 4th: the tied block, then 3 runners-up), and a shared
place at the end of the runners-up is shown whole as well.

Entrants are excluded, with the reason, in this order: not eligible (level, award group, ministry,
province), no score this year, a score with problems, no previous-year score (most improved),
below the minimum, criterion not met (threshold).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

TOP_OVERALL, MOST_IMPROVED, PROVINCE, FOCUS, THRESHOLD, NOMINATION = (
    "top_overall", "most_improved", "province", "focus", "threshold", "nomination",
)  # fmt: skip
PROPOSED, TIED, RUNNER_UP, QUALIFIED = "proposed", "tied", "runner_up", "qualified"
NOT_ELIGIBLE, NOT_SCORED, SCORE_PROBLEMS, NO_PREVIOUS, BELOW_MINIMUM, CRITERION_NOT_MET = (
    "not_eligible", "not_scored", "problems", "no_previous", "below_minimum", "criterion",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entrant:
    """An agency (or, for the province rule, a province) with this year's figures."""

    key: int
    level: str = ""
    award_group: str = ""
    ministry_id: int | None = None
    province_id: int | None = None
    overall: Decimal | None = None  # None: no score this year
    previous_overall: Decimal | None = None
    change: Decimal | None = None
    tiebreak: Decimal | None = None
    focus: Decimal | None = None
    meets_criterion: bool = False
    has_problems: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    winners: int = 1
    runners_up: int = 0
    minimum: Decimal | None = None
    level: str = ""
    award_group: str = ""
    ministry_id: int | None = None
    province_id: int | None = None


@dataclass(frozen=True, slots=True)
class Placed:
    entrant: Entrant
    standing: str
    place: int | None  # None for a threshold rule
    score: Decimal | None  # the figure ranked on


@dataclass(frozen=True, slots=True)
class Excluded:
    entrant: Entrant
    reason: str
    # What failed, for the reason's wording: the entrant's value and the rule's requirement,
    # and for NOT_ELIGIBLE which attribute (level, award_group, ministry_id, province_id);
    # "focus" for NOT_SCORED when only the focus score is missing.
    value: object = None
    required: object = None
    attribute: str = ""


@dataclass
class RuleResult:
    placed: list[Placed] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    ranked: int = 0  # eligible entrants ranked ("2nd of 311")


def rule_apply(rule: Rule, entrants: Iterable[Entrant]) -> RuleResult:
    if rule.kind == NOMINATION:
        return RuleResult()
    eligible, excluded = [], []
    for entrant in entrants:
        problem = _exclusion(rule, entrant)
        if problem:
            excluded.append(problem)
        else:
            eligible.append(entrant)
    if rule.kind == THRESHOLD:
        placed = [Placed(entrant, QUALIFIED, None, None) for entrant in eligible]
        return RuleResult(placed=placed, excluded=excluded, ranked=len(eligible))
    return RuleResult(
        placed=shortlist_cut(
            eligible, figure=_figure(rule.kind), winners=rule.winners, runners_up=rule.runners_up
        ),
        excluded=excluded,
        ranked=len(eligible),
    )


def _figure(kind: str):
    if kind == MOST_IMPROVED:
        return lambda entrant: entrant.change
    if kind == FOCUS:
        return lambda entrant: entrant.focus
    return lambda entrant: entrant.overall


def _exclusion(rule: Rule, entrant: Entrant) -> Excluded | None:
    if rule.kind != PROVINCE:
        for attribute in ("level", "award_group", "ministry_id", "province_id"):
            required = getattr(rule, attribute)
            if required and getattr(entrant, attribute) != required:
                value = getattr(entrant, attribute)
                return Excluded(entrant, NOT_ELIGIBLE, value, required, attribute)
    if entrant.overall is None:
        return Excluded(entrant, NOT_SCORED)
    if entrant.has_problems:
        return Excluded(entrant, SCORE_PROBLEMS)
    if rule.kind == MOST_IMPROVED and entrant.previous_overall is None:
        return Excluded(entrant, NO_PREVIOUS)
    if rule.minimum is not None and entrant.overall < rule.minimum:
        return Excluded(entrant, BELOW_MINIMUM, entrant.overall, rule.minimum)
    if rule.kind == FOCUS and entrant.focus is None:
        # Scored, but asked none of the focus questions: nothing to rank it on.
        return Excluded(entrant, NOT_SCORED, attribute="focus")
    if rule.kind == THRESHOLD and not entrant.meets_criterion:
        return Excluded(entrant, CRITERION_NOT_MET)
    return None


def ranking_key(figure, entrant: Entrant) -> tuple:
    """High to low on the figure, then the overall score, then the tie-break dimension; a missing
    value sorts last."""
    return tuple(
        (0, Decimal(0)) if value is None else (1, value)
        for value in (figure(entrant), entrant.overall, entrant.tiebreak)
    )


def shortlist_cut(
    entrants: Sequence[Entrant], *, figure, winners: int, runners_up: int
) -> list[Placed]:
    """The proposed winners (or the tied at the cut-off) and the runners-up, in order."""
    ordered = sorted(entrants, key=lambda entrant: ranking_key(figure, entrant), reverse=True)
    places, previous = [], None
    for position, entrant in enumerate(ordered, start=1):
        key = ranking_key(figure, entrant)
        places.append(position if key != previous else places[-1])
        previous = key
    # Runners-up are counted after the proposed winners and any block tied at the cut-off: a tie
    # never takes a runner-up's place, so an equal figure further down is still shown.
    in_winners = sum(1 for place in places if place <= winners)
    placed, limit = [], in_winners + runners_up
    for index, (entrant, place) in enumerate(zip(ordered, places, strict=True)):
        if index >= limit and place != places[index - 1]:
            break
        if place <= winners:
            shares_beyond_cut = places.count(place) + place - 1 > winners
            standing = TIED if shares_beyond_cut else PROPOSED
        else:
            standing = RUNNER_UP
        placed.append(Placed(entrant, standing, place, figure(entrant)))
    return placed


# The committee's decision ------------------------------------------------------------------------

APPROVE, REJECT = "approve", "reject"


def votes_needed(quorum: int, eligible: int) -> int:
    """The votes a candidate needs before the chair can decide on it: the category's quorum, or,
    when conflicts of interest leave fewer members who may vote on it than the quorum, the vote
    of every one of them. The quorum is never lowered silently: the decision records how many
    members could vote (`Candidate.eligible_voters`)."""
    return min(quorum, eligible)


def has_quorum(votes: int, quorum: int, eligible: int) -> bool:
    """Whether a candidate has the votes it needs (`votes_needed`), abstentions included; counted
    votes only (not voided, cast by a member who may vote on it)."""
    return votes >= votes_needed(quorum, eligible)


def below_quorum(quorum: int, eligible: int) -> bool:
    """Whether conflicts of interest leave fewer members who may vote than the quorum."""
    return eligible < quorum


def is_approved(tally: Mapping[str, int]) -> bool:
    """More approvals than rejections: ticked to begin with in the chair's decision, and what
    decides a candidate the chair is conflicted with."""
    return tally.get(APPROVE, 0) > tally.get(REJECT, 0)


# The places of a category ----------------------------------------------------------------------


def places_apply(kind: str) -> bool:
    """Whether the category's number of winners is a number of places the decision must fill: not
    for a threshold rule, where everyone who meets the criterion qualifies."""
    return kind != THRESHOLD


@dataclass(frozen=True, slots=True)
class Ballot:
    """A candidate as the chair's decision sees it: its standing on the shortlist and the votes
    that count (voided votes are not counted)."""

    key: int
    standing: str
    approvals: int = 0
    rejections: int = 0


def decision_proposal(ballots: Sequence[Ballot], places: int, *, kind: str = TOP_OVERALL) -> set:
    """The candidates ticked when the chair's decision opens: in shortlist order, those the
    committee approved (more approvals than rejections), until the places are filled; a rejected
    candidate's place goes to the next approved one, so runners-up follow. A block tied at the
    cut-off is ticked only if it fits whole; otherwise it and everyone after it are left for the
    chair to decide, with a recorded reason if the number then differs. A threshold rule ticks
    every approved candidate. Nominees are taken by net approvals (approvals minus rejections),
    the shortlist order keeping equal ones in order; equal net approvals that straddle the last
    place are left to the chair in the same way."""
    approved = [b for b in ballots if is_approved({APPROVE: b.approvals, REJECT: b.rejections})]
    if not places_apply(kind):
        return {b.key for b in approved}
    if kind == NOMINATION:
        approved.sort(key=lambda b: b.rejections - b.approvals)  # stable: shortlist order on ties

        def block(ballot):
            return ballot.approvals - ballot.rejections
    else:

        def block(ballot):
            return TIED if ballot.standing == TIED else ballot.key

    ticked: set = set()
    for _block, members in groupby(approved, key=block):
        keys = [ballot.key for ballot in members]
        if len(ticked) + len(keys) > places:
            break
        ticked.update(keys)
    return ticked
