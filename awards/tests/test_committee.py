"""The award committee's pages: access, the shortlist as the committee reads it, votes, conflicts
of interest, nominations, the chair's decision, the excluded agencies, and the query count."""

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone, translation
from django.utils.html import escape

from agencies.tests.factories import MembershipFactory
from awards import urls as award_urls
from awards import views
from awards.models import AuditEntry, AwardCategory, Candidate, ConflictOfInterest, Vote
from awards.services import category_finalise, conflict_declare, vote_cast
from awards.shortlists import AwardError, shortlists_generate
from surveys.models import ResponseScore
from surveys.tests.scored import Figures, scored_year

from .committee import (
    YEAR,
    english,
    finalise_url,
    nomination_category,
    shortlist_url,
    top_category,
    vote_url,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def committee_url(name, *, year, category, candidate):
    """(method, url, data) for each committee URL name."""
    return {
        "committee": ("get", reverse("awards:committee"), {}),
        "committee_year": ("get", reverse("awards:committee_year", args=[year.year]), {}),
        "conflicts": ("post", reverse("awards:conflicts", args=[year.year]), {"reason": "x"}),
        "conflict_withdraw": (
            "post",
            reverse("awards:conflict_withdraw", args=[year.year, 999999]),
            {},
        ),
        "shortlist": ("get", shortlist_url(category), {}),
        "excluded": ("get", reverse("awards:excluded", args=[category.pk]), {}),
        "nominate": ("post", reverse("awards:nominate", args=[category.pk]), {"nominee": "x"}),
        "finalise": ("post", reverse("awards:finalise", args=[category.pk]), {"winners": "1"}),
        "approve_proposed": ("post", reverse("awards:approve_proposed", args=[category.pk]), {}),
        "vote": ("post", vote_url(candidate), {"choice": "approve"}),
    }[name]


COMMITTEE_URL_NAMES = [
    "committee",
    "committee_year",
    "conflicts",
    "conflict_withdraw",
    "shortlist",
    "excluded",
    "nominate",
    "finalise",
    "approve_proposed",
    "vote",
]


class TestAccess:
    def test_every_committee_view_is_covered_here(self):
        committee_names = {
            pattern.name
            for pattern in award_urls.urlpatterns
            if isinstance(pattern, URLPattern) and pattern.callback.__module__ == views.__name__
        }
        assert committee_names == set(COMMITTEE_URL_NAMES)

    @pytest.mark.parametrize("name", COMMITTEE_URL_NAMES)
    def test_anonymous_is_sent_to_log_in(self, client, awards_year, category, candidates, name):
        method, url, data = committee_url(
            name, year=awards_year, category=category, candidate=candidates[0]
        )
        result = getattr(client, method)(url, data)
        assert result.status_code == 302
        assert result["Location"].startswith(reverse("login"))

    def test_anonymous_htmx_vote_sends_the_page_to_log_in(self, client, candidates):
        result = client.post(vote_url(candidates[0]), {"choice": "approve"}, **HTMX)
        assert result.status_code == 200
        assert result["HX-Redirect"].startswith(reverse("login"))

    @pytest.mark.parametrize("name", COMMITTEE_URL_NAMES)
    def test_respondents_and_dga_staff_get_403(
        self, client, awards_year, category, candidates, respondent, dga_staff, name
    ):
        method, url, data = committee_url(
            name, year=awards_year, category=category, candidate=candidates[0]
        )
        for user in (respondent, dga_staff):
            client.force_login(user)
            result = getattr(client, method)(url, data)
            assert result.status_code == 403, (user, url)
        assert not Vote.objects.exists()
        assert not ConflictOfInterest.objects.exists()
        assert AwardCategory.objects.get(pk=category.pk).status == AwardCategory.Status.OPEN

    def test_unknown_objects_are_404(self, member_client, awards_year):
        assert member_client.get(reverse("awards:committee_year", args=[2500])).status_code == 404
        assert member_client.get(reverse("awards:shortlist", args=[999999])).status_code == 404
        assert member_client.get(reverse("awards:excluded", args=[999999])).status_code == 404
        vote = member_client.post(reverse("awards:vote", args=[999999]), {"choice": "approve"})
        assert vote.status_code == 404

    def test_a_year_without_categories_is_404(self, member_client):
        year = scored_year(2567, {})
        result = member_client.get(reverse("awards:committee_year", args=[year.year]))
        assert result.status_code == 404


class TestPages:
    def test_home_lists_the_years_with_categories_in_the_readers_era(
        self, member_client, awards_year
    ):
        scored_year(2566, {})  # no categories: not listed
        thai = member_client.get(reverse("awards:committee"))
        assert thai.status_code == 200
        assert reverse("awards:committee_year", args=[YEAR]) in thai.text
        assert "2568" in thai.text
        assert reverse("awards:committee_year", args=[2566]) not in thai.text
        english(member_client)
        assert (
            "Digital Government Awards 2025" in member_client.get(reverse("awards:committee")).text
        )

    def test_year_lists_the_categories_and_the_members_votes(
        self, member_client, committee_member, awards_year, category, candidates
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        english(member_client)
        result = member_client.get(reverse("awards:committee_year", args=[YEAR]))
        assert result.status_code == 200
        assert "Top overall score TOP" in result.text
        assert "Outstanding digital leader" in result.text
        assert "You have voted on 1 of 3" in result.text
        assert "Under review" in result.text
        assert reverse("awards:conflicts", args=[YEAR]) in result.text
        assert "Scores changed since" not in result.text

    def test_shortlist_shows_the_snapshot_figures(self, member_client, category, candidates):
        english(member_client)
        result = member_client.get(shortlist_url(category))
        assert result.status_code == 200
        page = result.text
        first = candidates[0]
        assert [c.standing for c in candidates] == ["proposed", "proposed", "runner_up"]
        assert "The highest overall scores among service-providing departments." in page
        assert escape(first.reason_en) in page
        assert first.agency.name_en in page
        # overall 90, previous 80, change +10; SERVICE 94 and so POLICY 86 (the snapshot).
        assert "90.00" in page
        assert "80.00" in page
        assert "+10.00" in page
        assert "94.00" in page
        assert "86.00" in page
        assert "POLICY" in page
        assert "1st of 3 in Service-providing" in page
        assert "Generated on" in page
        assert "scoring run #" in page

    def test_shortlist_in_thai_shows_thai_names_and_reasons(
        self, member_client, category, candidates
    ):
        result = member_client.get(shortlist_url(category))
        assert result.status_code == 200
        assert escape(candidates[0].reason_th) in result.text
        assert candidates[0].agency.name_th in result.text
        assert "มิติ SERVICE" in result.text
        assert "คะแนนรวมสูงสุด TOP" in result.text

    def test_a_tie_at_the_cut_off_stands_out(self, member_client, departments):
        tied = departments(3, award_group="service")
        year = scored_year(
            YEAR,
            {
                tied[0]: Figures(overall="90"),
                tied[1]: Figures(overall="80", service="80"),
                tied[2]: Figures(overall="80", service="80"),
            },
        )
        category = top_category(year, winners=2, runners_up=0)
        shortlists_generate(year_id=year.pk)
        standings = list(
            Candidate.objects.filter(shortlist__category=category)
            .order_by("order")
            .values_list("standing", flat=True)
        )
        assert standings == ["proposed", "tied", "tied"]
        english(member_client)
        page = member_client.get(shortlist_url(category)).text
        assert page.count("Tied at the cut-off:") == 2
        assert "The committee decides." in page

    def test_excluded_agencies_are_counted_and_listed(self, member_client, category):
        english(member_client)
        page = member_client.get(shortlist_url(category)).text
        assert "Not eligible: 1" in page
        assert "No score this year: 1" in page
        result = member_client.get(reverse("awards:excluded", args=[category.pk]))
        assert result.status_code == 200
        exclusions = {e.agency.code: e for e in category.shortlists.get().exclusions.all()}
        assert len(exclusions) == 2
        for code, exclusion in exclusions.items():
            assert code in result.text
            assert exclusion.agency.name_en in result.text
            assert escape(exclusion.detail_en) in result.text
        assert "Not eligible" in result.text
        assert "No score this year" in result.text

    def test_excluded_page_is_paginated_at_100(self, member_client, departments):
        eligible = departments(1, award_group="service")
        policy = departments(101, award_group="policy")
        year = scored_year(YEAR, {eligible[0]: Figures(overall="90")} | dict.fromkeys(policy))
        category = top_category(year, winners=1, runners_up=0)
        shortlists_generate(year_id=year.pk)
        url = reverse("awards:excluded", args=[category.pk])
        first, second = member_client.get(url), member_client.get(url, {"page": 2})
        codes = sorted(agency.code for agency in policy)
        assert first.text.count("<tr><td>") == 100
        assert second.text.count("<tr><td>") == 1
        assert f"<td>{codes[-1]}</td>" in second.text
        assert f"<td>{codes[-1]}</td>" not in first.text

    def test_a_stale_shortlist_is_flagged(self, member_client, awards_year, category, candidates):
        # A recompute writes to the run after the shortlist was generated.
        ResponseScore.objects.filter(run__year=awards_year).update(scored_at=timezone.now())
        english(member_client)
        assert "Scores changed since this shortlist was generated." in (
            member_client.get(shortlist_url(category)).text
        )
        year_page = member_client.get(reverse("awards:committee_year", args=[YEAR])).text
        # The top-overall category is stale; the nomination category has no scores to go stale.
        assert year_page.count("Scores changed since this shortlist was generated") == 1


class TestVoting:
    def test_approve_then_change_to_reject_keeps_one_vote_and_audits_both(
        self, member_client, committee_member, category, candidates
    ):
        candidate = candidates[0]
        first = member_client.post(vote_url(candidate), {"choice": "approve", "comment": "ดีมาก"})
        assert first.status_code == 302
        assert first["Location"] == f"{shortlist_url(category)}#candidate-{candidate.pk}"
        second = member_client.post(vote_url(candidate), {"choice": "reject", "comment": ""})
        assert second.status_code == 302
        vote = Vote.objects.get()
        assert (vote.candidate, vote.member, vote.choice, vote.comment) == (
            candidate,
            committee_member,
            "reject",
            "",
        )
        actions = list(
            AuditEntry.objects.filter(actor=committee_member)
            .order_by("at", "pk")
            .values_list("action", flat=True)
        )
        assert actions == ["vote_cast", "vote_changed"]

    def test_htmx_vote_returns_the_candidate_block(self, member_client, other_member, candidates):
        candidate = candidates[1]
        vote_cast(candidate=candidate, member=other_member, choice="abstain", comment="ไม่แน่ใจ")
        english(member_client)
        result = member_client.post(
            vote_url(candidate), {"choice": "approve", "comment": "สมควร"}, **HTMX
        )
        assert result.status_code == 200
        assert result.text.lstrip().startswith(f'<article id="candidate-{candidate.pk}"')
        assert "1 approve · 0 reject · 1 abstain" in result.text
        assert "Your vote is saved." in result.text
        assert "ไม่แน่ใจ" in result.text
        assert f'value="approve" id="vote-{candidate.pk}-approve" checked' in result.text
        assert Vote.objects.filter(candidate=candidate).count() == 2

    def test_a_vote_without_a_choice_is_refused(self, member_client, candidates):
        result = member_client.post(vote_url(candidates[0]), {"comment": "?"}, **HTMX)
        assert result.status_code == 422
        assert 'role="alert"' in result.text
        assert not Vote.objects.exists()

    def test_other_members_votes_and_comments_are_shown(
        self, member_client, other_member, category, candidates
    ):
        vote_cast(candidate=candidates[0], member=other_member, choice="reject", comment="ต่ำไป")
        page = member_client.get(shortlist_url(category)).text
        assert "ต่ำไป" in page
        assert other_member.email in page


class TestConflicts:
    def assert_hidden(self, client, member, category, candidate, comment):
        english(client)
        page = client.get(shortlist_url(category)).text
        assert "You have a conflict of interest with this candidate" in page
        assert comment not in page
        assert f'action="{vote_url(candidate)}"' not in page
        # The member still votes on the others.
        assert page.count('name="choice" value="approve"') == 2
        for headers in ({}, HTMX):
            refused = client.post(vote_url(candidate), {"choice": "approve"}, **headers)
            assert refused.status_code == 403
            assert "conflict of interest" in refused.text
        assert not Vote.objects.filter(member=member).exists()

    def test_own_agency_hides_the_votes_and_refuses_a_vote(
        self, member_client, committee_member, other_member, category, candidates
    ):
        candidate = candidates[0]
        MembershipFactory(user=committee_member, agency=candidate.agency)
        vote_cast(candidate=candidate, member=other_member, choice="approve", comment="ลับเฉพาะ")
        self.assert_hidden(member_client, committee_member, category, candidate, "ลับเฉพาะ")

    def test_a_declared_conflict_hides_the_votes_and_refuses_a_vote(
        self, member_client, committee_member, other_member, category, candidates
    ):
        candidate = candidates[1]
        vote_cast(candidate=candidate, member=other_member, choice="reject", comment="ลับเฉพาะ")
        result = member_client.post(
            reverse("awards:conflicts", args=[YEAR]),
            {"agency": candidate.agency.pk, "reason": "คู่สมรสเป็นผู้บริหาร"},
        )
        assert result.status_code == 302
        declaration = ConflictOfInterest.objects.get()
        assert (declaration.member, declaration.agency) == (committee_member, candidate.agency)
        self.assert_hidden(member_client, committee_member, category, candidate, "ลับเฉพาะ")

    def test_conflicts_page_lists_own_agency_and_declarations(
        self, member_client, committee_member, awards_year, agency, other_agency
    ):
        MembershipFactory(user=committee_member, agency=agency)
        conflict_declare(
            year=awards_year, member=committee_member, agency=other_agency, reason="กรรมการ"
        )
        english(member_client)
        result = member_client.get(reverse("awards:conflicts", args=[YEAR]))
        assert result.status_code == 200
        assert "Alpha Department" in result.text
        assert "Your own agency" in result.text
        assert "Bravo Department" in result.text
        assert "กรรมการ" in result.text

    def test_an_agency_not_picked_from_the_results_is_refused_by_name(
        self, member_client, awards_year
    ):
        english(member_client)
        url = reverse("awards:conflicts", args=[YEAR])
        for posted, message in (
            ({"reason": "เพื่อน"}, "Search for the agency by its name or code, then choose it."),
            ({"agency": "NOPE", "reason": "เพื่อน"}, "Choose the agency from the search results."),
        ):
            result = member_client.post(url, posted)
            assert result.status_code == 422
            assert message in result.text
            assert "เพื่อน" in result.text  # the reason typed is kept
        assert not ConflictOfInterest.objects.exists()


class TestNomination:
    def test_a_member_adds_a_nominee(self, member_client, committee_member, nomination, agency):
        english(member_client)
        assert 'name="nominee"' in member_client.get(shortlist_url(nomination)).text
        result = member_client.post(
            reverse("awards:nominate", args=[nomination.pk]),
            {"nominee": "นายสมชาย ใจดี", "agency": "alpha", "citation": "นำระบบดิจิทัล"},
        )
        candidate = Candidate.objects.get(shortlist__category=nomination)
        assert result.status_code == 302
        assert result["Location"] == f"{shortlist_url(nomination)}#candidate-{candidate.pk}"
        assert (candidate.standing, candidate.nominee, candidate.agency) == (
            "nominee",
            "นายสมชาย ใจดี",
            agency,
        )
        assert candidate.nominated_by == committee_member
        page = member_client.get(shortlist_url(nomination)).text
        assert "นายสมชาย ใจดี" in page
        assert "นำระบบดิจิทัล" in page
        assert AuditEntry.objects.filter(action="nominated", category=nomination).count() == 1

    def test_an_unknown_agency_code_is_refused(self, member_client, nomination):
        english(member_client)
        result = member_client.post(
            reverse("awards:nominate", args=[nomination.pk]),
            {"nominee": "นายสมชาย ใจดี", "agency": "ZULU"},
        )
        assert result.status_code == 422
        assert "No agency has the code “ZULU”." in result.text
        assert 'value="นายสมชาย ใจดี"' in result.text
        assert not Candidate.objects.filter(shortlist__category=nomination).exists()

    def test_a_ranked_category_takes_no_nominee(self, member_client, category, candidates):
        english(member_client)
        result = member_client.post(
            reverse("awards:nominate", args=[category.pk]), {"nominee": "นายสมชาย"}, follow=True
        )
        assert "Only nomination categories take nominees." in result.text
        assert Candidate.objects.filter(shortlist__category=category).count() == len(candidates)


@pytest.fixture
def quorum_reached(committee_member, other_member, chair, candidates):
    """Two votes on every candidate: the first two approved, the runner-up rejected."""
    for candidate in candidates:
        choice = "reject" if candidate.standing == "runner_up" else "approve"
        vote_cast(candidate=candidate, member=committee_member, choice=choice)
        vote_cast(candidate=candidate, member=other_member, choice=choice)


class TestFinalise:
    def test_a_member_who_is_not_the_chair_gets_403(
        self, member_client, category, candidates, quorum_reached
    ):
        english(member_client)
        assert f'action="{finalise_url(category)}"' not in (
            member_client.get(shortlist_url(category)).text
        )
        result = member_client.post(finalise_url(category), {"winners": [candidates[0].pk]})
        assert result.status_code == 403
        assert "Only the chair" in result.text
        category.refresh_from_db()
        assert category.status == AwardCategory.Status.OPEN
        assert not Candidate.objects.filter(is_winner__isnull=False).exists()

    def test_the_chair_is_refused_below_the_quorum(
        self, client, chair, committee_member, category, candidates
    ):
        vote_cast(candidate=candidates[0], member=committee_member, choice="approve")
        client.force_login(chair)
        english(client)
        page = client.get(shortlist_url(category)).text
        assert "Not every candidate has the quorum of 2 votes yet." in page
        result = client.post(finalise_url(category), {"winners": [candidates[0].pk]}, follow=True)
        assert "The quorum of 2 votes is not met for:" in result.text
        category.refresh_from_db()
        assert category.status == AwardCategory.Status.OPEN
        assert not Candidate.objects.filter(is_winner__isnull=False).exists()
        assert not AuditEntry.objects.filter(action="finalised").exists()

    def test_the_chair_finalises_and_the_page_turns_read_only(
        self, client, chair, category, candidates, quorum_reached
    ):
        client.force_login(chair)
        english(client)
        page = client.get(shortlist_url(category)).text
        # More approvals than rejections: ticked to begin with.
        approved, rejected = candidates[0], candidates[2]
        assert f'id="winner-{approved.pk}" checked' in page
        assert f'id="winner-{rejected.pk}">' in page
        assert page.count("Quorum met") == 2 * len(candidates)
        result = client.post(finalise_url(category), {"winners": [approved.pk, candidates[1].pk]})
        assert result.status_code == 302
        category.refresh_from_db()
        assert category.status == AwardCategory.Status.FINALISED
        assert category.finalised_by == chair
        winners = dict(
            Candidate.objects.filter(shortlist__category=category).values_list("pk", "is_winner")
        )
        assert winners == {approved.pk: True, candidates[1].pk: True, rejected.pk: False}
        page = client.get(shortlist_url(category)).text
        assert "Finalised on" in page
        assert page.count(">Winner</span>") == 2
        assert "Not chosen" in page
        assert 'name="choice"' not in page
        assert finalise_url(category) not in page

    def test_a_vote_after_finalisation_is_refused(
        self, client, member_client, chair, committee_member, category, candidates, quorum_reached
    ):
        chair_client = type(client)()
        chair_client.force_login(chair)
        chair_client.post(finalise_url(category), {"winners": [c.pk for c in candidates[:2]]})
        english(member_client)
        htmx = member_client.post(vote_url(candidates[0]), {"choice": "reject"}, **HTMX)
        assert htmx.status_code == 422
        assert "is finalised" in htmx.text
        assert 'name="choice"' not in htmx.text
        plain = member_client.post(vote_url(candidates[0]), {"choice": "reject"}, follow=True)
        assert "is finalised" in plain.text
        assert Vote.objects.get(candidate=candidates[0], member=committee_member).choice == (
            "approve"
        )

    def test_choosing_no_winner_is_refused(self, client, chair, category, quorum_reached):
        client.force_login(chair)
        english(client)
        result = client.post(finalise_url(category), {}, follow=True)
        assert "Choose at least one winner, or record why no award is given." in result.text
        category.refresh_from_db()
        assert category.status == AwardCategory.Status.OPEN


class TestQueryCount:
    def test_the_shortlist_page_runs_a_fixed_number_of_queries(
        self, client, departments, committee_member, other_member, chair, django_assert_num_queries
    ):
        agencies = departments(12, award_group="service")
        year = scored_year(
            YEAR, {agency: Figures(overall=str(90 - i)) for i, agency in enumerate(agencies)}
        )
        small = top_category(year, "SMALL", winners=3, runners_up=0)
        large = top_category(year, "LARGE", winners=12, runners_up=0)
        shortlists_generate(year_id=year.pk)
        for candidate in Candidate.objects.select_related("shortlist__category"):
            for member in (committee_member, other_member, chair):
                vote_cast(candidate=candidate, member=member, choice="approve", comment="ok")
        client.force_login(committee_member)
        for category, size in ((small, 3), (large, 12)):
            # Session, user, the user's groups, the category; then the shortlist, the member's
            # conflicts, the committee and its declarations (who may vote: 2), the candidates,
            # their votes, the replaced shortlist (none here), the exclusions, and staleness.
            with django_assert_num_queries(13):
                result = client.get(shortlist_url(category))
            assert result.text.count('<article id="candidate-') == size

    def test_the_year_and_home_pages_run_a_fixed_number_of_queries(
        self, client, departments, committee_member, django_assert_num_queries
    ):
        agencies = departments(4, award_group="service")
        small = scored_year(2567, {agency: Figures(overall="80") for agency in agencies[:2]})
        large = scored_year(YEAR, {agency: Figures(overall="80") for agency in agencies})
        top_category(small, "ONE")
        for code in ("ONE", "TWO", "THREE"):
            top_category(large, code)
        nomination_category(large)
        for year in (small, large):
            shortlists_generate(year_id=year.pk)
        client.force_login(committee_member)
        for year, size in ((small, 1), (large, 4)):
            # Session, user, groups, the year; the categories, their current shortlists with
            # counts, and the staleness check.
            with django_assert_num_queries(7):
                result = client.get(reverse("awards:committee_year", args=[year.year]))
            assert (
                result.text.count('<a class="fw-semibold" href="/awards/committee/categories/')
                == size
            )
        # Session, user, groups, the years with their counts.
        with django_assert_num_queries(4):
            result = client.get(reverse("awards:committee"))
        for year in (small, large):
            assert reverse("awards:committee_year", args=[year.year]) in result.text

    def test_the_excluded_page_runs_a_fixed_number_of_queries(
        self, client, departments, committee_member, django_assert_num_queries
    ):
        eligible = departments(1, award_group="service")
        policy = departments(12, award_group="policy")
        year = scored_year(YEAR, {eligible[0]: Figures(overall="90")} | dict.fromkeys(policy))
        category = top_category(year, winners=1, runners_up=0)
        shortlists_generate(year_id=year.pk)
        client.force_login(committee_member)
        url = reverse("awards:excluded", args=[category.pk])
        # Session, user, groups, the category, the current shortlist, the count, the page.
        with django_assert_num_queries(7):
            result = client.get(url)
        assert result.text.count("<tr><td>") == 12


def test_a_conflicted_chair_cannot_decide_on_that_candidate(
    chair, category, candidates, quorum_reached
):
    """The votes decide it: the chair's tick (or its absence) does not count on that candidate."""
    approved, second, rejected = candidates
    conflict_declare(year=category.year, member=chair, agency=approved.agency, reason="ex-staff")
    conflict_declare(year=category.year, member=chair, agency=rejected.agency, reason="advisor")

    category_finalise(category=category, chair=chair, winner_ids=[rejected.pk, second.pk])

    winners = dict(
        Candidate.objects.filter(shortlist__category=category).values_list("pk", "is_winner")
    )
    assert winners == {approved.pk: True, second.pk: True, rejected.pk: False}


def test_winner_ids_that_are_not_numbers_are_refused(chair, category, quorum_reached):
    with translation.override("en"), pytest.raises(AwardError, match="Winners must be candidates"):
        category_finalise(category=category, chair=chair, winner_ids=["first"])
    category.refresh_from_db()
    assert category.status == AwardCategory.Status.OPEN
