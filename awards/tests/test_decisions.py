"""The chair's decision fills the category's places: the proposal ticks no more than the places,
the service refuses another number without a recorded reason, publication checks it again, and a
tie at the cut-off never takes a runner-up's place."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from awards import rules
from awards.models import AuditEntry, AwardCategory, Candidate
from awards.services import category_finalise, results_publish, vote_cast
from awards.shortlists import AwardError, shortlists_generate
from awards.tests.committee import english, finalise_url, shortlist_url, top_category
from surveys.models import Answer
from surveys.tests.factories import QuestionFactory
from surveys.tests.scored import Figures, scored_year

YEAR = 2568


def _entrant(key, overall):
    return rules.Entrant(key=key, overall=Decimal(overall), tiebreak=Decimal(overall))


class TestRunnersUpAfterATie:
    def test_a_tie_at_the_cut_off_does_not_take_a_runner_up_place(self):
        # 4 winners, 3 runners-up; 4th place shared by two: the tied block, then 3 runners-up.
        entrants = [
            _entrant(key, overall)
            for key, overall in enumerate(["90", "89", "88", "87", "87", "86", "85", "84", "83"])
        ]
        placed = rules.shortlist_cut(entrants, figure=lambda e: e.overall, winners=4, runners_up=3)
        assert [(p.entrant.key, p.standing) for p in placed] == [
            (0, rules.PROPOSED),
            (1, rules.PROPOSED),
            (2, rules.PROPOSED),
            (3, rules.TIED),
            (4, rules.TIED),
            (5, rules.RUNNER_UP),
            (6, rules.RUNNER_UP),
            (7, rules.RUNNER_UP),
        ]

    def test_an_equal_figure_at_the_end_of_the_runners_up_is_shown_whole(self):
        entrants = [_entrant(key, overall) for key, overall in enumerate(["90", "85", "85", "80"])]
        placed = rules.shortlist_cut(entrants, figure=lambda e: e.overall, winners=2, runners_up=1)
        assert [(p.entrant.key, p.standing) for p in placed] == [
            (0, rules.PROPOSED),
            (1, rules.TIED),
            (2, rules.TIED),
            (3, rules.RUNNER_UP),
        ]


def _ballot(key, standing, approvals=2, rejections=0):
    return rules.Ballot(key=key, standing=standing, approvals=approvals, rejections=rejections)


class TestDecisionProposal:
    def test_every_candidate_approved_ticks_only_the_places(self):
        ballots = [_ballot(k, rules.PROPOSED) for k in range(8)] + [
            _ballot(k, rules.RUNNER_UP) for k in range(8, 11)
        ]
        assert rules.decision_proposal(ballots, 8) == set(range(8))

    def test_a_rejected_winner_s_place_goes_to_the_next_approved_runner_up(self):
        ballots = [
            _ballot(1, rules.PROPOSED),
            _ballot(2, rules.PROPOSED, approvals=0, rejections=2),
            _ballot(3, rules.RUNNER_UP, approvals=1, rejections=1),
            _ballot(4, rules.RUNNER_UP),
        ]
        assert rules.decision_proposal(ballots, 2) == {1, 4}

    def test_a_tied_block_that_does_not_fit_is_left_to_the_chair(self):
        ballots = [
            _ballot(1, rules.PROPOSED),
            _ballot(2, rules.TIED),
            _ballot(3, rules.TIED),
            _ballot(4, rules.RUNNER_UP),
        ]
        assert rules.decision_proposal(ballots, 2) == {1}

    def test_nominees_are_taken_by_net_approvals(self):
        ballots = [
            _ballot(1, "nominee", approvals=1, rejections=0),
            _ballot(2, "nominee", approvals=3, rejections=0),
            _ballot(3, "nominee", approvals=2, rejections=0),
        ]
        assert rules.decision_proposal(ballots, 2, kind=rules.NOMINATION) == {2, 3}

    def test_a_threshold_rule_ticks_every_approved_candidate(self):
        ballots = [_ballot(k, rules.QUALIFIED) for k in range(5)]
        assert rules.decision_proposal(ballots, 1, kind=rules.THRESHOLD) == set(range(5))


@pytest.fixture
def eight_places(departments, committee_member, other_member, chair):
    """A "top 8" category with 3 runners-up, every one of its 11 candidates approved by all."""
    agencies = departments(12, award_group="service")
    year = scored_year(
        YEAR, {agency: Figures(overall=str(90 - i)) for i, agency in enumerate(agencies)}
    )
    category = top_category(year, winners=8, runners_up=3, quorum=3)
    shortlists_generate(year_id=year.pk)
    candidates = list(Candidate.objects.filter(shortlist__category=category).order_by("order"))
    for candidate in candidates:
        for member in (committee_member, other_member, chair):
            vote_cast(candidate=candidate, member=member, choice="approve")
    return category, candidates


class TestPlaces:
    def test_the_decision_form_ticks_only_the_places(self, client, chair, eight_places):
        category, candidates = eight_places
        client.force_login(chair)
        english(client)
        page = client.get(shortlist_url(category)).text
        assert len(candidates) == 11
        assert page.count('name="winners"') == 11
        assert page.count('" checked>') == 8
        for candidate in candidates[:8]:
            assert f'id="winner-{candidate.pk}" checked' in page
        assert "8 places" in page

    def test_more_winners_than_places_are_refused_and_nothing_is_finalised(
        self, chair, eight_places
    ):
        category, candidates = eight_places
        with translation.override("en"), pytest.raises(AwardError) as refusal:
            category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates])
        assert "has 8 places and 11 winners were chosen" in str(refusal.value)
        category.refresh_from_db()
        assert category.status == AwardCategory.Status.OPEN
        assert not Candidate.objects.filter(is_winner__isnull=False).exists()
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.FINALISED).exists()

    def test_fewer_winners_than_places_are_refused_too(self, chair, eight_places):
        category, candidates = eight_places
        with translation.override("en"), pytest.raises(AwardError, match="7 winners"):
            category_finalise(
                category=category, chair=chair, winner_ids=[c.pk for c in candidates[:7]]
            )

    def test_a_different_number_is_kept_with_the_chairs_reason(self, chair, eight_places):
        category, candidates = eight_places
        category_finalise(
            category=category,
            chair=chair,
            winner_ids=[c.pk for c in candidates[:9]],
            reason="  The 8th and 9th are one hundredth apart; the committee gives both.  ",
        )
        category.refresh_from_db()
        assert category.is_finalised
        assert category.decision_reason == (
            "The 8th and 9th are one hundredth apart; the committee gives both."
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.FINALISED)
        assert entry.data["places"] == 8
        assert entry.data["reason"] == category.decision_reason
        assert len(entry.data["winners"]) == 9

    def test_exactly_the_places_need_no_reason_and_a_stray_one_is_not_kept(
        self, chair, eight_places
    ):
        category, candidates = eight_places
        category_finalise(
            category=category, chair=chair, winner_ids=[c.pk for c in candidates[:8]], reason="x"
        )
        category.refresh_from_db()
        assert category.decision_reason == ""
        assert Candidate.objects.filter(shortlist__category=category, is_winner=True).count() == 8

    def test_the_refused_form_keeps_the_chairs_ticks(self, client, chair, eight_places):
        category, candidates = eight_places
        client.force_login(chair)
        english(client)
        chosen = [c.pk for c in candidates[:10]]
        result = client.post(finalise_url(category), {"winners": chosen, "reason": ""})
        assert result.status_code == 422
        assert "has 8 places and 10 winners were chosen" in result.text
        assert result.text.count('" checked>') == 10
        category.refresh_from_db()
        assert category.status == AwardCategory.Status.OPEN

    def test_a_tie_at_the_cut_off_is_named(self, client, departments, chair, committee_member):
        agencies = departments(4, award_group="service")
        figures = dict(zip(agencies, ("90", "85", "85", "80"), strict=True))
        year = scored_year(YEAR, {a: Figures(overall=o) for a, o in figures.items()})
        category = top_category(year, winners=2, runners_up=1, quorum=1)
        shortlists_generate(year_id=year.pk)
        candidates = list(Candidate.objects.filter(shortlist__category=category).order_by("order"))
        for candidate in candidates:
            vote_cast(candidate=candidate, member=committee_member, choice="approve")
        client.force_login(chair)
        english(client)
        page = client.get(shortlist_url(category)).text
        tied = [c for c in candidates if c.standing == "tied"]
        assert len(tied) == 2
        assert "are tied at place 2, the cut-off." in page
        for candidate in tied:
            assert f'id="winner-{candidate.pk}">' in page  # not ticked: the chair decides
        with translation.override("en"), pytest.raises(AwardError) as refusal:
            category_finalise(
                category=category, chair=chair, winner_ids=[c.pk for c in candidates[:3]]
            )
        assert tied[0].display_name in str(refusal.value)
        assert "tied at place 2" in str(refusal.value)


class TestPublication:
    def test_publishing_refuses_winners_that_do_not_match_the_places(
        self, eight_places, chair, dga_staff
    ):
        category, candidates = eight_places
        category_finalise(category=category, chair=chair, winner_ids=[c.pk for c in candidates[:8]])
        # As a decision finalised before places were enforced would be: 11 winners, no reason.
        Candidate.objects.filter(pk__in=[c.pk for c in candidates]).update(is_winner=True)
        with translation.override("en"), pytest.raises(AwardError) as refusal:
            results_publish(year=category.year, user=dga_staff)
        assert "(11 winners for 8 places)" in str(refusal.value)
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.PUBLISHED).exists()

    def test_the_publication_page_lists_places_against_winners(
        self, client, eight_places, chair, dga_staff
    ):
        category, candidates = eight_places
        category_finalise(
            category=category,
            chair=chair,
            winner_ids=[c.pk for c in candidates[:9]],
            reason="tie",
        )
        client.force_login(dga_staff)
        english(client)
        url = reverse("admin:awards_awardcategory_publish", args=[category.year.pk])
        page = client.get(url).text
        assert "<td>8</td>" in page
        assert "<td>9</td>" in page
        assert "<td>tie</td>" in page


class TestNoAward:
    @pytest.fixture
    def threshold(self, departments, committee_member):
        """A threshold category whose two qualified agencies the committee rejected."""
        agencies = departments(2, award_group="service")
        year = scored_year(YEAR, {agency: Figures(overall="80") for agency in agencies})
        question = QuestionFactory(year=year, dimension=year.dimensions.get(code="SERVICE"))
        for agency in agencies:
            Answer.objects.create(
                response=agency.responses.get(year=year), question=question, value="yes"
            )
        category = AwardCategory.objects.create(
            year=year,
            code="NO-COPIES",
            name_th="ไม่เรียกสำเนาเอกสาร",
            name_en="No copies of official documents",
            kind=AwardCategory.Kind.THRESHOLD,
            criterion_question=question,
            criterion_value="yes",
            quorum=1,
        )
        shortlists_generate(year_id=year.pk)
        for candidate in Candidate.objects.filter(shortlist__category=category):
            vote_cast(candidate=candidate, member=committee_member, choice="reject")
        return category

    def test_a_threshold_category_that_awards_no_one_keeps_the_chairs_reason(
        self, client, chair, threshold
    ):
        client.force_login(chair)
        english(client)
        page = client.get(shortlist_url(threshold)).text
        assert "Why no award is given" in page
        with translation.override("en"), pytest.raises(AwardError, match="record why no award"):
            category_finalise(category=threshold, chair=chair, winner_ids=[])

        client.post(
            finalise_url(threshold), {"reason": "Both agencies withdrew the practice in May."}
        )

        threshold.refresh_from_db()
        assert threshold.is_finalised
        assert threshold.decision_reason == "Both agencies withdrew the practice in May."
        entry = AuditEntry.objects.get(action=AuditEntry.Action.FINALISED)
        assert entry.data["reason"] == threshold.decision_reason
        assert entry.data["winners"] == []
