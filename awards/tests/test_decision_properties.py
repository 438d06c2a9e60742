"""The committee's decision over random committees (hypothesis): 3–7 members, any quorum,
conflicts of interest declared before and after votes (and withdrawn), 1–8 places, ties at the
cut-off, a ranked rule or nominees.

Whatever happens:
- the finalised winners fill the places exactly, or the decision carries the chair's reason;
- no voided vote is counted, nor the vote of a member conflicted with the candidate: the tally the
  decision recorded is recomputed here from the raw votes and declarations;
- a vote is voided only by its own member's declaration about the candidate's agency;
- no category deadlocks: once every member who may vote has voted, the chair can finalise, and
  each candidate records how many members could vote on it.
"""

import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies import roles
from agencies.models import Agency
from agencies.tests.factories import UserFactory
from awards.models import AuditEntry, AwardCategory, Candidate, ConflictOfInterest, Vote
from awards.selectors import shortlist_page
from awards.services import (
    MemberConflicted,
    category_finalise,
    conflict_declare,
    conflict_withdraw,
    needs_reason,
    nominee_add,
    vote_cast,
)
from awards.shortlists import AwardError, shortlists_generate
from surveys.tests.scored import Figures, scored_year

from .committee import YEAR, top_category

# Shared places at 2, 4 and 8: "top 2", "top 4", "top 5" and "top 8" have a tie at the cut-off.
OVERALLS = ["90", "88", "88", "85", "85", "85", "80", "78", "78", "75", "70", "70"]
CHOICES = [choice for choice, _label in Vote.Choice.choices]


@pytest.fixture
def tie_year(departments):
    agencies = departments(len(OVERALLS), award_group="service")
    figures = {a: Figures(overall=o) for a, o in zip(agencies, OVERALLS, strict=True)}
    return scored_year(YEAR, figures)


class Rollback(Exception):
    """Undoes one example's writes, so that every example starts from the same scored year."""


def committee(size: int):
    """`size` members of the committee, the first of them its chair."""
    members = [UserFactory(email=f"member{index}@committee.example") for index in range(size)]
    committee_group = Group.objects.get(name=roles.AWARD_COMMITTEE)
    for member in members:
        member.groups.add(committee_group)
    members[0].groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    return members


def declared(category) -> set[tuple[int, int]]:
    """(member, agency) of every declaration in force."""
    return set(
        ConflictOfInterest.objects.in_force()
        .filter(year=category.year)
        .values_list("member_id", "agency_id")
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_decision_fills_its_places_or_says_why_and_counts_only_valid_votes(tie_year, data):
    try:
        with transaction.atomic(), translation.override("en"):
            _decide_at_random(tie_year, data)
            raise Rollback
    except Rollback:
        pass


def _decide_at_random(year, data):
    size = data.draw(st.integers(3, 7), label="members")
    members = committee(size)
    chair = members[0]
    places = data.draw(st.integers(1, 8), label="places")
    quorum = data.draw(st.integers(1, size), label="quorum")
    if data.draw(st.booleans(), label="nomination"):
        # Nominees from the year's agencies, so that conflicts reach them too.
        category = AwardCategory.objects.create(
            year=year,
            code="RANDOM",
            name_th="เสนอชื่อ",
            name_en="Nomination",
            kind=AwardCategory.Kind.NOMINATION,
            winners=places,
            quorum=quorum,
        )
        shortlists_generate(year_id=year.pk, category_ids=[category.pk])
        agencies = list(Agency.objects.filter(responses__year=year).order_by("code"))
        for index in range(data.draw(st.integers(1, 10), label="nominees")):
            nominee_add(
                category=category,
                member=members[index % size],
                nominee=f"Nominee {index}",
                agency=agencies[index % len(agencies)],
            )
    else:
        category = top_category(
            year,
            "RANDOM",
            winners=places,
            runners_up=data.draw(st.integers(0, 3), label="runners-up"),
            quorum=quorum,
        )
        shortlists_generate(year_id=year.pk, category_ids=[category.pk])
    candidates = list(Candidate.objects.filter(shortlist__category=category).order_by("order"))

    # Votes and declarations, interleaved: a declaration after a vote voids it.
    events = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["vote", "vote", "vote", "declare", "withdraw"]),
                st.integers(0, size - 1),
                st.integers(0, len(candidates) - 1),
                st.sampled_from(CHOICES),
            ),
            max_size=40,
        ),
        label="events",
    )
    for action, member_index, candidate_index, choice in events:
        member, candidate = members[member_index], candidates[candidate_index]
        if action == "declare":
            if (member.pk, candidate.agency_id) in declared(category):
                with pytest.raises(AwardError):
                    conflict_declare(year=year, member=member, agency=candidate.agency, reason="x")
            else:
                conflict_declare(year=year, member=member, agency=candidate.agency, reason="x")
            continue
        if action == "withdraw":
            declaration = (
                ConflictOfInterest.objects.in_force()
                .filter(member=member, agency=candidate.agency)
                .first()
            )
            if declaration is None:
                continue
            if declaration.voided_votes.exists():
                with pytest.raises(AwardError, match="can no longer be withdrawn"):
                    conflict_withdraw(declaration=declaration, member=member)
            else:
                conflict_withdraw(declaration=declaration, member=member)
            continue
        try:
            vote_cast(candidate=candidate, member=member, choice=choice)
        except MemberConflicted:
            assert (member.pk, candidate.agency_id) in declared(category)

    # A vote is voided only by its member's own declaration about that agency.
    for vote in Vote.objects.filter(voided_at__isnull=False).select_related("voided_by"):
        assert vote.voided_by.member_id == vote.member_id
        assert vote.voided_by.agency_id == vote.candidate.agency_id

    # Every member who may vote does: the category must then be decidable.
    conflicts = declared(category)
    for member in members:
        for candidate in candidates:
            if (member.pk, candidate.agency_id) in conflicts:
                continue
            if not Vote.objects.filter(candidate=candidate, member=member).exists():
                vote_cast(
                    candidate=candidate,
                    member=member,
                    choice=data.draw(st.sampled_from(CHOICES), label="last votes"),
                )

    page = shortlist_page(category, chair)
    assert page.quorum_met  # no deadlock, whatever the conflicts
    proposal = {row.candidate.pk for row in page.rows if row.ticked}
    assert len(proposal) <= category.winners  # the form never pre-ticks more than the places
    winner_ids = data.draw(
        st.one_of(st.just(proposal), st.sets(st.sampled_from([c.pk for c in candidates]))),
        label="chair's ticks",
    )
    refusal = None
    try:
        with transaction.atomic():
            category_finalise(category=category, chair=chair, winner_ids=winner_ids)
    except AwardError as error:
        refusal = str(error)
    if refusal is not None:
        # Refused only for a number of winners other than the places (none included); with the
        # chair's reason the same decision stands.
        assert re.search(r"places|at least one winner", refusal), refusal
        category.refresh_from_db()
        assert not category.is_finalised
        category_finalise(
            category=category,
            chair=chair,
            winner_ids=winner_ids,
            reason="The committee weighed the tie at the cut-off.",
        )

    category = AwardCategory.objects.get(pk=category.pk)
    assert category.is_finalised
    winners = Candidate.objects.filter(pk__in=[c.pk for c in candidates], is_winner=True)
    assert winners.count() == category.winners or category.decision_reason
    assert bool(category.decision_reason) == needs_reason(category, winners.count())

    # The recorded tally is exactly the valid votes: not voided, not by a conflicted member.
    entry = AuditEntry.objects.get(category=category, action=AuditEntry.Action.FINALISED)
    conflicts = declared(category)
    for candidate in Candidate.objects.filter(pk__in=[c.pk for c in candidates]):
        valid = Counter(
            choice
            for member_id, choice in Vote.objects.filter(
                candidate=candidate, voided_at__isnull=True
            ).values_list("member_id", "choice")
            if (member_id, candidate.agency_id) not in conflicts
        )
        assert entry.data["tally"][str(candidate.pk)] == dict(valid)
        eligible = sum((m.pk, candidate.agency_id) not in conflicts for m in members)
        assert candidate.eligible_voters == eligible
        assert (candidate.pk in entry.data["below_quorum"]) == (eligible < category.quorum)
