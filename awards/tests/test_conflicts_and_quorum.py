"""Decisions that survive a challenge: a vote cast before a conflict of interest is declared is
voided, the quorum counts the members who may vote (and never deadlocks), a declaration made in
error is withdrawn, agencies are picked by name, every proposed winner is approved in one step,
and the votes of a replaced shortlist stay in view."""

import re
from collections import Counter

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from agencies.tests.factories import DepartmentFactory, MembershipFactory
from awards import selectors
from awards.models import AuditEntry, AwardCategory, Candidate, ConflictOfInterest, Vote
from awards.services import (
    MemberConflicted,
    category_finalise,
    conflict_declare,
    conflict_withdraw,
    nominee_add,
    proposed_approve_all,
    vote_cast,
)
from awards.shortlists import AwardError, shortlists_generate
from awards.tests.committee import YEAR, english, shortlist_url, top_category
from surveys.models import ResponseScore
from surveys.tests.scored import Figures, scored_year


@pytest.fixture(autouse=True)
def english_messages():
    """The services' refusals are read in English here (pages set their own language)."""
    with translation.override("en"):
        yield


def counts_of(category):
    candidates = list(Candidate.objects.filter(shortlist__category=category).order_by("order"))
    return selectors.vote_counts(category, candidates)


@pytest.fixture
def members(committee_member, other_member, chair):
    return [committee_member, other_member, chair]


def vote_all(candidates, members, choice="approve"):
    for candidate in candidates:
        for member in members:
            vote_cast(candidate=candidate, member=member, choice=choice)


class TestVoidedVotes:
    def test_a_vote_cast_before_a_conflict_is_declared_is_voided_and_audited(
        self, category, candidates, committee_member, members
    ):
        candidate = candidates[0]
        vote_cast(candidate=candidate, member=committee_member, choice="approve")

        declaration = conflict_declare(
            year=category.year, member=committee_member, agency=candidate.agency, reason="board"
        )

        vote = Vote.objects.get(candidate=candidate, member=committee_member)
        assert vote.voided_by == declaration
        assert vote.voided_at == declaration.declared_at
        assert vote.choice == "approve"  # kept as it was cast
        entry = AuditEntry.objects.get(action=AuditEntry.Action.VOTE_VOIDED)
        assert entry.category == category
        assert entry.data["vote"] == vote.pk
        assert entry.data["declaration"] == declaration.pk
        assert entry.data["reason"] == "board"
        assert counts_of(category)[candidate.pk].tally == Counter()

    def test_a_voided_vote_counts_toward_neither_the_quorum_nor_the_tally(
        self, category, candidates, committee_member, other_member, chair, members
    ):
        vote_all(candidates, [committee_member, other_member])
        conflict_declare(
            year=category.year,
            member=committee_member,
            agency=candidates[0].agency,
            reason="ex-employee",
        )
        # Two members may still vote on it (quorum 2): one has.
        count = counts_of(category)[candidates[0].pk]
        assert (count.votes, count.eligible, count.has_quorum) == (1, 2, False)
        with pytest.raises(AwardError, match="quorum of 2 votes is not met"):
            category_finalise(
                category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]]
            )
        vote_cast(candidate=candidates[0], member=chair, choice="approve")
        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]])
        entry = AuditEntry.objects.get(action=AuditEntry.Action.FINALISED)
        assert entry.data["tally"][str(candidates[0].pk)] == {"approve": 2}

    def test_the_member_can_no_longer_vote_on_it(self, category, candidates, committee_member):
        vote_cast(candidate=candidates[0], member=committee_member, choice="reject")
        conflict_declare(
            year=category.year, member=committee_member, agency=candidates[0].agency, reason="x"
        )
        with pytest.raises(MemberConflicted):
            vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        assert Vote.objects.get(member=committee_member).choice == "reject"

    def test_the_shortlist_page_shows_the_vote_struck_through_as_voided(
        self, client, category, candidates, committee_member, other_member
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        conflict_declare(
            year=category.year, member=committee_member, agency=candidates[0].agency, reason="x"
        )
        client.force_login(other_member)
        english(client)
        page = client.get(shortlist_url(category)).text
        block = page.split(f'id="candidate-{candidates[0].pk}"')[1].split("</article>")[0]
        assert "its member declared a conflict of interest" in block
        assert "<s>" in block
        assert "0 approve · 0 reject · 0 abstain" in block

    def test_the_year_page_no_longer_counts_it_as_the_members_vote(
        self, client, category, candidates, committee_member
    ):
        for candidate in candidates:
            vote_cast(candidate=candidate, member=committee_member, choice="approve")
        conflict_declare(
            year=category.year, member=committee_member, agency=candidates[0].agency, reason="x"
        )
        client.force_login(committee_member)
        english(client)
        page = client.get(reverse("awards:committee_year", args=[YEAR])).text
        assert "You have voted on 2 of 3" in page

    def test_a_member_who_left_the_committee_no_longer_counts_and_the_decision_says_so(
        self, client, category, candidates, committee_member, other_member, chair
    ):
        vote_all(candidates, [committee_member, other_member])
        committee_member.is_active = False
        committee_member.save(update_fields=["is_active"])
        assert counts_of(category)[candidates[0].pk].tally == Counter({"approve": 1})
        client.force_login(other_member)
        english(client)
        page = client.get(shortlist_url(category)).text
        assert page.count("not counted: its member is no longer on the committee") == 3
        vote_all(candidates, [chair])
        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]])
        entry = AuditEntry.objects.get(action=AuditEntry.Action.FINALISED)
        left = Vote.objects.get(candidate=candidates[0], member=committee_member)
        assert entry.data["not_counted"][str(candidates[0].pk)] == {
            str(left.pk): "not_on_committee"
        }

    def test_a_finalised_category_shows_the_votes_as_the_decision_counted_them(
        self, client, category, candidates, committee_member, other_member, chair
    ):
        vote_all(candidates, [committee_member, other_member])
        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]])
        committee_member.is_active = False  # leaves the committee after the decision
        committee_member.save(update_fields=["is_active"])
        client.force_login(other_member)
        english(client)
        page = client.get(shortlist_url(category)).text
        block = page.split(f'id="candidate-{candidates[0].pk}"')[1].split("</article>")[0]
        assert "2 approve · 0 reject · 0 abstain" in block
        assert "no longer on the committee" not in block

    def test_a_finalised_category_keeps_its_decision(
        self, category, candidates, committee_member, other_member, chair
    ):
        vote_all(candidates, [committee_member, other_member])
        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]])
        conflict_declare(
            year=category.year, member=committee_member, agency=candidates[0].agency, reason="x"
        )
        assert not Vote.objects.filter(voided_at__isnull=False).exists()

    def test_a_province_candidate_is_voided_by_a_provincial_unit_of_it(
        self, departments, provincial_units, committee_member, other_member, chair
    ):
        units = provincial_units(3)
        year = scored_year(YEAR, {unit: Figures(overall="80") for unit in units})
        category = AwardCategory.objects.create(
            year=year, code="PROV", name_th="จังหวัด", name_en="Province", kind="province"
        )
        shortlists_generate(year_id=year.pk)
        [candidate] = Candidate.objects.filter(shortlist__category=category)
        vote_cast(candidate=candidate, member=committee_member, choice="approve")
        conflict_declare(year=year, member=committee_member, agency=units[1], reason="x")
        assert Vote.objects.get(candidate=candidate).voided_at is not None


class TestQuorumAfterConflicts:
    @pytest.fixture
    def quorum_of_all(self, category, candidates, committee_member, members):
        """3 members, quorum 3, and one of them conflicted with the first candidate."""
        category.quorum = 3
        category.save(update_fields=["quorum"])
        MembershipFactory(user=committee_member, agency=candidates[0].agency)
        return category

    def test_a_conflict_that_leaves_fewer_members_than_the_quorum_does_not_deadlock(
        self, quorum_of_all, candidates, committee_member, other_member, chair
    ):
        category = quorum_of_all
        for candidate in candidates:
            for member in (committee_member, other_member, chair):
                if not (member == committee_member and candidate == candidates[0]):
                    vote_cast(candidate=candidate, member=member, choice="approve")
        count = counts_of(category)[candidates[0].pk]
        assert (count.eligible, count.needed, count.has_quorum, count.below_quorum) == (
            2,
            2,
            True,
            True,
        )

        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]])

        first = Candidate.objects.get(pk=candidates[0].pk)
        assert (first.is_winner, first.eligible_voters) == (True, 2)
        assert Candidate.objects.get(pk=candidates[1].pk).eligible_voters == 3
        entry = AuditEntry.objects.get(action=AuditEntry.Action.FINALISED)
        assert entry.data["below_quorum"] == [first.pk]
        assert entry.data["eligible"][str(first.pk)] == 2
        assert f"Only 2 members could vote on {first.display_name} (quorum 3)" in entry.summary

    def test_it_still_needs_every_eligible_members_vote(
        self, quorum_of_all, candidates, other_member, chair
    ):
        vote_cast(candidate=candidates[0], member=other_member, choice="approve")
        assert not counts_of(quorum_of_all)[candidates[0].pk].has_quorum

    def test_the_category_says_so_before_the_decision(
        self, client, quorum_of_all, candidates, other_member
    ):
        client.force_login(other_member)
        english(client)
        page = client.get(shortlist_url(quorum_of_all)).text
        assert "Conflicts of interest leave fewer members than the quorum for:" in page
        assert f"{candidates[0].display_name}: 2 members may vote (quorum 3)" in page


class TestWithdraw:
    def test_a_declaration_made_in_error_is_withdrawn_audited_and_the_member_may_vote(
        self, client, category, candidates, committee_member
    ):
        agency = candidates[0].agency
        declaration = conflict_declare(
            year=category.year, member=committee_member, agency=agency, reason="wrong agency"
        )
        client.force_login(committee_member)
        english(client)
        page = client.get(reverse("awards:conflicts", args=[YEAR])).text
        withdraw = reverse("awards:conflict_withdraw", args=[YEAR, declaration.pk])
        assert f'action="{withdraw}"' in page

        result = client.post(withdraw, follow=True)

        assert "Your declaration about" in result.text
        declaration.refresh_from_db()
        assert declaration.withdrawn_at is not None
        entry = AuditEntry.objects.get(action=AuditEntry.Action.CONFLICT_WITHDRAWN)
        assert entry.data["declaration"] == declaration.pk
        vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        # It may be declared again, as a new declaration.
        again = conflict_declare(
            year=category.year, member=committee_member, agency=agency, reason="right this time"
        )
        assert again.pk != declaration.pk
        assert ConflictOfInterest.objects.filter(member=committee_member).count() == 2

    def test_a_declaration_that_voided_votes_stands(
        self, client, category, candidates, committee_member
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        declaration = conflict_declare(
            year=category.year, member=committee_member, agency=candidates[0].agency, reason="x"
        )
        with pytest.raises(AwardError, match="it can no longer be withdrawn"):
            conflict_withdraw(declaration=declaration, member=committee_member)
        client.force_login(committee_member)
        english(client)
        page = client.get(reverse("awards:conflicts", args=[YEAR])).text
        assert "Voided 1 vote of yours: it stands." in page
        client.post(reverse("awards:conflict_withdraw", args=[YEAR, declaration.pk]))
        declaration.refresh_from_db()
        assert declaration.withdrawn_at is None

    def test_only_the_declaring_member_withdraws(
        self, client, category, candidates, committee_member, other_member
    ):
        declaration = conflict_declare(
            year=category.year, member=committee_member, agency=candidates[0].agency, reason="x"
        )
        client.force_login(other_member)
        url = reverse("awards:conflict_withdraw", args=[YEAR, declaration.pk])
        assert client.post(url).status_code == 404
        with pytest.raises(AwardError):
            conflict_withdraw(declaration=declaration, member=other_member)
        declaration.refresh_from_db()
        assert declaration.withdrawn_at is None


class TestAgencySearch:
    def test_a_member_finds_the_agency_by_thai_or_english_name_or_code_and_picks_it(
        self, client, awards_year, committee_member
    ):
        agency = DepartmentFactory(
            code="DDPM", name_th="กรมป้องกันและบรรเทาสาธารณภัย", name_en="Disaster Prevention"
        )
        DepartmentFactory(code="OTHER", name_th="กรมอื่น", name_en="Another Department")
        client.force_login(committee_member)
        url = reverse("awards:conflicts", args=[YEAR])
        for query in ("บรรเทา", "disaster", "ddpm"):
            page = client.get(url, {"q": query}).text
            assert f'name="agency" value="{agency.pk}"' in page, query
            assert "กรมอื่น" not in page, query
        english(client)
        assert (
            "No agency matches “nothing-like-it”" in client.get(url, {"q": "nothing-like-it"}).text
        )

        result = client.post(url, {"agency": agency.pk, "reason": "ภรรยาเป็นผู้อำนวยการ"})

        assert result.status_code == 302
        declaration = ConflictOfInterest.objects.get()
        assert (declaration.agency, declaration.reason) == (agency, "ภรรยาเป็นผู้อำนวยการ")

    def test_a_missing_reason_keeps_the_search_and_the_choice(
        self, client, awards_year, committee_member
    ):
        agency = DepartmentFactory(code="DDPM", name_th="กรมป้องกัน", name_en="Prevention")
        client.force_login(committee_member)
        result = client.post(
            reverse("awards:conflicts", args=[YEAR]), {"agency": agency.pk, "q": "ddpm"}
        )
        assert result.status_code == 422
        assert f'value="{agency.pk}" id="agency-{agency.pk}" checked' in result.text
        assert not ConflictOfInterest.objects.exists()


def confirmed_form(page: str) -> dict:
    """The candidate ids a confirmation page carries, as its form posts them."""
    return {
        name: re.findall(rf'name="{name}" value="(\d+)"', page) for name in ("approve", "abstain")
    }


class TestApproveAll:
    def test_the_confirmation_lists_the_proposed_winners_and_one_post_approves_them(
        self, client, category, candidates, chair
    ):
        client.force_login(chair)
        english(client)
        url = reverse("awards:approve_proposed", args=[category.pk])
        assert f'href="{url}"' in client.get(shortlist_url(category)).text

        confirmation = client.get(url).text

        proposed = [c for c in candidates if c.standing == Candidate.Standing.PROPOSED]
        assert len(proposed) == 2
        approve_list = confirmation.split('id="approve-list"')[1].split("</ol>")[0]
        for candidate in candidates:
            assert (candidate.display_name in approve_list) == (candidate in proposed)
        assert not Vote.objects.exists()  # asking is not voting

        client.post(url, confirmed_form(confirmation))

        votes = Vote.objects.filter(member=chair)
        assert sorted(votes.values_list("candidate_id", "choice")) == sorted(
            (c.pk, "approve") for c in proposed
        )
        assert AuditEntry.objects.filter(action=AuditEntry.Action.VOTE_CAST).count() == 2

    def test_conflicted_and_already_approved_candidates_are_left_out(
        self, category, candidates, committee_member
    ):
        MembershipFactory(user=committee_member, agency=candidates[0].agency)
        votes = proposed_approve_all(category=category, member=committee_member)
        assert [vote.candidate_id for vote in votes] == [candidates[1].pk]
        with pytest.raises(AwardError, match="approved every proposed winner"):
            proposed_approve_all(category=category, member=committee_member)

    def test_it_overrides_an_earlier_rejection_and_audits_the_change(
        self, category, candidates, committee_member
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="reject")
        proposed_approve_all(category=category, member=committee_member)
        assert Vote.objects.get(candidate=candidates[0], member=committee_member).choice == (
            "approve"
        )
        assert AuditEntry.objects.filter(action=AuditEntry.Action.VOTE_CHANGED).count() == 1

    def test_the_others_are_abstained_on_only_when_asked(
        self, client, category, candidates, committee_member
    ):
        client.force_login(committee_member)
        english(client)
        url = reverse("awards:approve_proposed", args=[category.pk])
        runner_up = candidates[2]
        assert runner_up.standing == Candidate.Standing.RUNNER_UP
        confirmation = client.get(url).text
        assert runner_up.display_name in confirmation  # listed under the checkbox
        client.post(url, confirmed_form(confirmation))
        assert not Vote.objects.filter(candidate=runner_up).exists()
        assert f'href="{url}"' in client.get(shortlist_url(category)).text
        client.post(url, confirmed_form(client.get(url).text) | {"abstain_others": "on"})
        assert Vote.objects.get(candidate=runner_up).choice == "abstain"
        # Nothing left to record: the shortlist no longer offers the step.
        assert f'href="{url}"' not in client.get(shortlist_url(category)).text

    def test_nothing_is_recorded_when_the_sheet_changed_since_the_confirmation(
        self, client, nomination, committee_member, other_member, chair
    ):
        first, second = (
            nominee_add(category=nomination, member=chair, nominee=name) for name in ("A", "B")
        )
        vote_cast(candidate=first, member=other_member, choice="approve")
        client.force_login(committee_member)
        english(client)
        url = reverse("awards:approve_proposed", args=[nomination.pk])
        confirmation = client.get(url).text
        assert confirmed_form(confirmation)["approve"] == [str(first.pk)]
        # Meanwhile the votes move the place to the other nominee.
        vote_cast(candidate=first, member=other_member, choice="reject")
        vote_cast(candidate=second, member=chair, choice="approve")

        result = client.post(url, confirmed_form(confirmation), follow=True)

        assert "The votes to record changed since you opened this page" in result.text
        assert result.redirect_chain[-1][0] == url  # back to check them again
        assert not Vote.objects.filter(member=committee_member).exists()

    def test_the_confirmation_says_which_votes_it_changes(
        self, client, category, candidates, committee_member
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="reject")
        client.force_login(committee_member)
        english(client)
        page = client.get(reverse("awards:approve_proposed", args=[category.pk])).text
        assert page.count("changes your vote “Reject”") == 1

    def test_a_nomination_proposes_the_nominees_the_votes_put_in_its_places(
        self, nomination, committee_member, other_member, chair
    ):
        _first, second = (
            nominee_add(category=nomination, member=chair, nominee=name) for name in ("A", "B")
        )
        vote_cast(candidate=second, member=committee_member, choice="approve")
        votes = proposed_approve_all(category=nomination, member=other_member)
        assert [vote.candidate_id for vote in votes] == [second.pk]

    def test_a_finalised_category_refuses(self, category, candidates, members, chair):
        vote_all(candidates, members[:2])
        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:2]])
        with pytest.raises(AwardError, match="finalised"):
            proposed_approve_all(category=category, member=chair)


class TestReplacedShortlist:
    def test_the_old_votes_are_shown_beside_the_new_shortlist(
        self, client, awards_year, category, candidates, committee_member, other_member
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        vote_cast(candidate=candidates[0], member=other_member, choice="reject")
        vote_cast(candidate=candidates[2], member=committee_member, choice="abstain")
        ResponseScore.objects.filter(run__year=awards_year).update(scored_at=timezone.now())
        shortlists_generate(year_id=awards_year.pk, category_ids=[category.pk])
        client.force_login(committee_member)
        english(client)

        page = client.get(shortlist_url(category)).text

        assert "This shortlist replaced the one generated on" in page
        assert "On the replaced shortlist: 1 approve · 1 reject · 0 abstain." in page
        assert "Your vote there: Approve." in page
        assert "Your vote there: Abstain." in page
        # The new shortlist starts without votes.
        new = Candidate.objects.filter(shortlist__category=category, shortlist__is_current=True)
        assert not Vote.objects.filter(candidate__in=new).exists()

    @pytest.mark.parametrize("size", [3, 12])
    def test_the_page_takes_the_same_queries_at_any_size(
        self, client, departments, members, committee_member, django_assert_num_queries, size
    ):
        agencies = departments(size, award_group="service")
        year = scored_year(
            YEAR, {agency: Figures(overall=str(90 - i)) for i, agency in enumerate(agencies)}
        )
        category = top_category(year, "ALL", winners=size, runners_up=0)
        shortlists_generate(year_id=year.pk)
        vote_all(Candidate.objects.filter(shortlist__category=category), members)
        ResponseScore.objects.filter(run__year=year).update(scored_at=timezone.now())
        shortlists_generate(year_id=year.pk)
        vote_all(Candidate.objects.filter(shortlist__is_current=True), members[1:])
        client.force_login(committee_member)
        english(client)
        # Session, user, groups, category; the shortlist, the member's conflicts, the committee
        # and its declarations, the candidates, their votes, the replaced shortlist, its
        # candidates and their votes, the exclusions, and staleness.
        with django_assert_num_queries(15):
            page = client.get(shortlist_url(category)).text
        assert page.count("On the replaced shortlist: 3 approve") == size


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_vote_waits_on_no_lock_of_the_survey_year(category, candidates, committee_member):
    """Votes lock their category and their own row, never the year's row that scoring and
    the year's lifecycle lock: a vote goes through while another session holds the year."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    ) as other:
        other.execute(
            "SELECT id FROM surveys_surveyyear WHERE id = %s FOR NO KEY UPDATE", [category.year_id]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        try:
            vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
            conflict_declare(
                year=category.year, member=committee_member, agency=candidates[1].agency, reason="x"
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        other.rollback()
    assert Vote.objects.filter(member=committee_member).count() == 1


class TestQueryCounts:
    @pytest.mark.parametrize("size", [3, 12])
    def test_the_vote_sheet_takes_the_same_queries_at_any_size(
        self, client, departments, members, committee_member, django_assert_num_queries, size
    ):
        agencies = departments(size + 2, award_group="service")
        year = scored_year(
            YEAR, {agency: Figures(overall=str(90 - i)) for i, agency in enumerate(agencies)}
        )
        category = top_category(year, "ALL", winners=size, runners_up=2)
        shortlists_generate(year_id=year.pk)
        vote_all(Candidate.objects.filter(shortlist__category=category), members[1:])
        client.force_login(committee_member)
        english(client)
        # Session, user, groups, category; the shortlist, its candidates, who may vote (the
        # committee and its declarations), their votes; the member's conflicts and own votes.
        with django_assert_num_queries(11):
            page = client.get(reverse("awards:approve_proposed", args=[category.pk])).text
        assert confirmed_form(page)["approve"] == [
            str(pk)
            for pk in Candidate.objects.filter(
                shortlist__category=category, standing="proposed"
            ).values_list("pk", flat=True)
        ]

    @pytest.mark.parametrize("size", [3, 30])
    def test_the_conflicts_page_takes_the_same_queries_at_any_size(
        self, client, awards_year, committee_member, django_assert_num_queries, size
    ):
        agencies = [
            DepartmentFactory(code=f"SRCH-{n}", name_th=f"กรมค้นหา {n}", name_en=f"Search {n}")
            for n in range(size)
        ]
        for agency in agencies[: size // 3]:
            conflict_declare(year=awards_year, member=committee_member, agency=agency, reason="x")
        client.force_login(committee_member)
        english(client)
        # Session, user, groups, the year; the member's own agency, their declarations, and the
        # search's matches with their provinces.
        with django_assert_num_queries(7):
            page = client.get(reverse("awards:conflicts", args=[YEAR]), {"q": "กรมค้นหา"}).text
        assert page.count('name="agency"') == min(size, selectors.AGENCY_SEARCH_LIMIT)
        assert page.count("Withdraw: declared in error") == size // 3
