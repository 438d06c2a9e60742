"""`seed_demo` loads the real-scale registry deterministically; a second run changes nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from agencies.models import Agency, AgencyMembership, Ministry, Province, ProvincialUnitType, User
from awards import selectors, services
from awards.models import AuditEntry, AwardCategory, Candidate, Shortlist, Vote
from awards.presets import AWARDS_2564
from dgaweb.celery import app
from results.models import Recommendation
from security.models import SecurityEvent
from surveys.models import (
    Answer,
    Evidence,
    GroupScore,
    Response,
    ResponseScore,
    ScoringRun,
    SurveyYear,
    YearTransition,
)

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every stored value the demo data touches, to compare two runs exactly."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Province, Ministry, ProvincialUnitType, Agency, AgencyMembership, User,
            SurveyYear, Response, AwardCategory, Candidate, Vote, Recommendation,
        )
    } | {"answers": Answer.objects.count(), "evidence": Evidence.objects.count()}  # fmt: skip


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (it imports 1,848 agencies); the tests only read.

    Celery runs in-process here, as under `make run` without a broker, so the demo years are
    scored before the tests read them.
    """
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_db_blocker.unblock():
            call_command("seed_demo", stdout=io.StringIO())
    finally:
        app.conf.task_always_eager = eager
    with django_db_blocker.unblock():
        yield
        # Committed outside any test's transaction, so removed by hand, children first. The
        # audit record refuses DELETE, so the awards tables are emptied the owner's way.
        with connection.cursor() as cursor:
            tables = [model._meta.db_table for model in apps.get_app_config("awards").get_models()]
            tables.append(YearTransition._meta.db_table)  # append-only too
            tables.append(SecurityEvent._meta.db_table)  # so is the log of the demo's logins
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        Recommendation.objects.all().delete()
        ScoringRun.objects.all().delete()
        Evidence.objects.all().delete()
        Answer.objects.all().delete()
        Response.objects.all().delete()
        SurveyYear.objects.all().delete()
        AgencyMembership.objects.all().delete()
        User.objects.all().delete()
        Agency.objects.provincial_units().delete()
        ProvincialUnitType.objects.all().delete()
        Agency.objects.all().delete()
        Ministry.objects.all().delete()
        Province.objects.all().delete()


def test_registry_holds_every_province_and_at_least_1840_agencies(seeded):
    assert Province.objects.count() == 77
    assert Agency.objects.count() >= 1840


def test_each_of_the_20_unit_types_sits_in_each_province_outside_bangkok(seeded):
    units = Agency.objects.provincial_units()
    assert ProvincialUnitType.objects.count() == 20
    assert units.count() == 20 * 76
    assert not units.filter(province__code="TH-10").exists()
    assert units.values("province").distinct().count() == 76


def test_departments_fall_in_both_award_groups_and_keep_their_real_names(seeded):
    departments = Agency.objects.departments()
    assert 300 <= departments.count() <= 340
    assert departments.filter(award_group="service").exists()
    assert departments.filter(award_group="policy").exists()
    assert departments.get(code="DRR").name_th == "กรมทางหลวงชนบท"


def test_bangkok_and_pattaya_are_special_local_government(seeded):
    special = Agency.objects.filter(level=Agency.Level.SPECIAL_LOCAL)
    assert sorted(special.values_list("name_en", flat=True)) == [
        "Bangkok Metropolitan Administration",
        "Pattaya City",
    ]


def test_demo_accounts_cover_every_role(seeded):
    memberships = AgencyMembership.objects.select_related("agency")
    assert len({membership.agency.code for membership in memberships}) == 2
    assert User.objects.filter(groups__name="DGA staff", is_staff=True).exists()
    assert User.objects.filter(groups__name="Award committee").count() == 3
    assert User.objects.filter(groups__name="Award committee chair").count() == 1


def test_running_seed_demo_again_changes_nothing(seeded, capsys):
    before = snapshot()

    call_command("seed_demo")

    assert snapshot() == before
    output = capsys.readouterr().out
    assert "0 created      0 updated   1520 unchanged" in output
    assert "already there, left as it was" in output


def test_the_two_years_before_are_published_and_scored_with_every_agency_submitted(seeded):
    *earlier, _current = SurveyYear.objects.order_by("year")
    assert [year.status for year in earlier] == [
        SurveyYear.Status.PUBLISHED,
        SurveyYear.Status.SCORED,
    ]
    for last in earlier:
        assert last.responses.count() == Agency.objects.active().count()
        assert last.responses.submitted().count() == last.responses.count()
        assert not last.responses.filter(started_at__isnull=True).exists()


def test_this_year_is_open_with_a_spread_of_progress(seeded):
    current = SurveyYear.objects.order_by("year").last()
    responses = current.responses
    not_started = responses.filter(started_at__isnull=True).count()
    submitted = responses.submitted().count()
    part_way = responses.count() - not_started - submitted
    assert current.status == SurveyYear.Status.OPEN
    assert current.opens_at < timezone.now() < current.closes_at
    for share in (not_started, submitted, part_way):
        assert 0.1 * responses.count() < share < 0.6 * responses.count()


def test_the_demo_questionnaire_has_six_weighted_dimensions_and_60_questions(seeded):
    current = SurveyYear.objects.order_by("year").last()
    weights = dict(current.dimensions.values_list("code", "weight"))
    assert weights == {
        "POLICY": 20, "CAPABILITY": 20, "SERVICE": 30, "BACKOFFICE": 10, "INFRA": 15, "TECH": 5,
    }  # fmt: skip
    assert current.questions.count() >= 60
    assert current.questions.exclude(text_en="").exclude(text_th="").count() >= 60
    assert current.questions.filter(show_if_question__isnull=False).exists()
    everyone = {"department", "provincial_unit", "special_local"}
    variants = [q.code for q in current.questions.all() if not everyone <= set(q.levels)]
    assert len(variants) >= 4


def test_every_demo_year_is_scored_and_compared(seeded):
    first, last, current = SurveyYear.objects.order_by("year")
    for year in (first, last, current):
        run = ScoringRun.objects.get(year=year, is_current=True)
        assert run.status == ScoringRun.Status.COMPLETE
        assert run.scores.count() == year.responses.submitted().count()
        assert run.groups.filter(scope="province").count() == 76
    this_year = ScoringRun.objects.get(year=current, is_current=True).scores
    # Every agency that submitted this year also did last year, so each has a change.
    assert not this_year.filter(change__isnull=True).exists()
    assert not ScoringRun.objects.get(year=last, is_current=True).scores.filter(change=None)


def test_last_year_has_a_shortlist_with_reasons_for_every_2564_category(seeded):
    _first, last, _current = SurveyYear.objects.order_by("year")
    categories = AwardCategory.objects.filter(year=last)
    assert sorted(categories.values_list("code", flat=True)) == sorted(p.code for p in AWARDS_2564)
    assert sum(categories.values_list("winners", flat=True)) == 33
    for category in categories:
        shortlist = Shortlist.objects.get(category=category, is_current=True)
        candidates = list(shortlist.candidates.all())
        assert len(candidates) >= category.winners, category.code
        assert all(candidate.reason_th and candidate.reason_en for candidate in candidates)
    improved = Shortlist.objects.get(category__year=last, category__code="IMPROVED-SERVICE")
    first = improved.candidates.get(order=1)
    assert first.overall >= 80
    assert first.change > 0
    assert f"over {last.year_ce - 1}" in first.reason_en
    # Two of the three members have voted on every candidate: the chair's vote makes the quorum.
    candidates = Candidate.objects.filter(shortlist__category__year=last)
    assert Vote.objects.filter(candidate__in=candidates).count() == 2 * candidates.count()
    assert AuditEntry.objects.filter(year=last, action="generated").count() == 9
    assert not AwardCategory.objects.filter(year=last, status="finalised").exists()


def test_the_oldest_year_is_published_with_a_winner_in_every_category(seeded):
    first, _last, _current = SurveyYear.objects.order_by("year")
    assert first.publish_agency_scores
    assert first.is_published
    assert first.published_by.email == "admin@dgaweb.example"
    categories = AwardCategory.objects.filter(year=first)
    # No year before the first to compare with: its most-improved awards are left out.
    assert sorted(categories.values_list("code", flat=True)) == sorted(
        preset.code for preset in AWARDS_2564 if preset.kind != "most_improved"
    )
    assert set(categories.values_list("status", flat=True)) == {"finalised"}
    assert set(categories.values_list("finalised_by__email", flat=True)) == {
        "committee@dgaweb.example"
    }
    candidates = Candidate.objects.filter(shortlist__category__year=first)
    # All three members voted on every candidate; the winners are the proposed ones and, in
    # the nomination categories, the nominees the votes put in the places, as many as the
    # category gives: no decision needed a reason.
    assert Vote.objects.filter(candidate__in=candidates).count() == 3 * candidates.count()
    for category in categories:
        winners = candidates.filter(shortlist__category=category, is_winner=True)
        assert winners.count() == category.winners, category.code
        assert category.decision_reason == "", category.code
    assert candidates.filter(is_winner=True).count() == 28


def test_the_demo_respondent_has_a_score_in_the_published_year(seeded):
    first = SurveyYear.objects.order_by("year").first()
    score = ResponseScore.objects.get(
        run__year=first, run__is_current=True, response__agency__code="TH-50-01"
    )
    assert score.problems == []
    assert score.overall > 0


def test_both_scored_years_have_recommendations_that_quote_their_own_groups(seeded):
    first, last, current = SurveyYear.objects.order_by("year")
    groups = [
        ("national", "all"), ("level", "department"), ("level", "provincial_unit"),
        ("award_group", "service"), ("award_group", "policy"), ("unit_type", "PO"),
    ]  # fmt: skip
    for year in (first, last):
        recommendations = Recommendation.objects.filter(year=year).order_by("order")
        assert [(r.scope, r.key) for r in recommendations] == groups
        for recommendation in recommendations:
            recommendation.full_clean()
            group = GroupScore.objects.get(
                run__year=year,
                run__is_current=True,
                scope=recommendation.scope,
                key=recommendation.key,
            )
            mean = f"{group.overall_mean:.2f}"
            assert mean in recommendation.text_th
            assert mean in recommendation.text_en
            weakest = group.dimensions.order_by("mean").first()
            assert weakest.dimension.name_en in recommendation.text_en
    assert not Recommendation.objects.filter(year=current).exists()
    first_text = Recommendation.objects.get(year=first, scope="national").text_en
    last_text = Recommendation.objects.get(year=last, scope="national").text_en
    assert f"points on {first.year_ce}" in last_text
    assert "points on" not in first_text


def test_the_chair_s_committee_flow_ends_with_last_year_s_33_awards_published(seeded):
    """The README's flow, through the services the pages call: in each category the chair
    approves every proposed winner and abstains on the rest in one confirmed step, then
    finalises with the decision form as it opens, pre-ticked; DGA staff publish. No vote one by
    one, no reason to record. (Inside the test's transaction: the seeded data stays as it was.)"""
    _first, last, _current = SurveyYear.objects.order_by("year")
    chair = User.objects.get(email="committee@dgaweb.example")
    admin = User.objects.get(email="admin@dgaweb.example")
    categories = list(AwardCategory.objects.filter(year=last).order_by("order"))
    # A block tied at a cut-off is the chair's to decide, one by one and with a reason: the
    # demo's scores have none, so the flow below needs neither.
    assert not Candidate.objects.filter(
        shortlist__category__year=last, standing=Candidate.Standing.TIED
    ).exists()

    for category in categories:
        # "Approve every proposed winner…": the confirmation lists proposed winners to approve
        # (as many as the places: the votes so far agree) and the others, ticked to abstain.
        sheet = services.vote_sheet(category, chair)
        assert len(sheet.approve) == category.winners, category.code
        services.proposed_approve_all(category=category, member=chair, abstain_others=True)
        page = selectors.shortlist_page(category, chair)
        assert page.quorum_met, category.code
        ticked = [row.candidate.pk for row in page.rows if row.ticked]
        services.category_finalise(category=category, chair=chair, winner_ids=ticked)
    services.results_publish(year=last, user=admin)

    winners = Candidate.objects.filter(
        shortlist__category__year=last, shortlist__is_current=True, is_winner=True
    )
    for category in AwardCategory.objects.filter(year=last):
        assert category.status == AwardCategory.Status.FINALISED, category.code
        assert category.decision_reason == "", category.code
        assert winners.filter(shortlist__category=category).count() == category.winners
    assert winners.count() == 33
    # The members favoured the Director-General of Rural Roads, 2 approvals to 1.
    assert winners.get(shortlist__category__code="LEADER").agency.code == "DRR"
    last.refresh_from_db()
    assert last.is_published
