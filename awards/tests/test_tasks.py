"""Shortlists generated in a real Celery worker on Redis: queued by `shortlists_request` (and the
admin's button) once the request commits, made by the worker from the year's current run, equal to
the award rules applied here to the same figures, and recorded with the person who asked."""

import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from awards import rules, shortlists, tasks
from awards.models import AuditEntry, AwardCategory, Candidate, Shortlist
from surveys.models import SurveyYear
from surveys.tests.scored import Figures, scored_year

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = Decimal
Kind = AwardCategory.Kind


def wait_for_shortlists(category_ids, *, timeout=30) -> dict[int, Shortlist]:
    """Category id → its current shortlist, once the worker has made all of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = {
            shortlist.category_id: shortlist
            for shortlist in Shortlist.objects.current().filter(category_id__in=category_ids)
        }
        if len(current) == len(category_ids):
            return current
        time.sleep(0.1)
    pytest.fail(f"The worker made no shortlist for categories {category_ids} in {timeout} s.")


@pytest.fixture
def agencies_and_figures(departments):
    """Five departments with a tie on the overall score that the service score breaks, a tie it
    does not break, gains over the previous year, and one department invited but not scored."""
    a, b, c, d, e, unscored = departments(6)
    return {
        a: Figures("92", previous="85", service="90"),
        b: Figures("88", previous="70", service="95"),
        c: Figures("88", previous="81", service="80"),
        d: Figures("81", previous="60", service="81"),
        e: Figures("81", previous="60", service="81"),
        unscored: None,
    }


@pytest.fixture
def year(agencies_and_figures):
    return scored_year(2568, agencies_and_figures)


def category_of(year, code, kind, *, winners, runners_up, order, minimum=None):
    return AwardCategory.objects.create(
        year=year, code=code, order=order, kind=kind, winners=winners, runners_up=runners_up,
        minimum_score=minimum, name_th=f"รางวัล {code}", name_en=f"Award {code}",
    )  # fmt: skip


def direct_result(category, agencies_and_figures) -> rules.RuleResult:
    """The award rule applied here, in-process, to the figures the year was built from."""
    entrants = []
    for agency, figures in agencies_and_figures.items():
        overall = D(figures.overall) if figures else None
        previous = D(figures.previous) if figures and figures.previous else None
        entrants.append(
            rules.Entrant(
                key=agency.pk,
                level=agency.level,
                award_group=agency.award_group,
                ministry_id=agency.ministry_id,
                province_id=agency.province_id,
                overall=overall,
                previous_overall=previous,
                change=overall - previous if previous is not None else None,
                tiebreak=D(figures.service or figures.overall) if figures else None,
            )
        )
    rule = rules.Rule(
        kind=category.kind,
        winners=category.winners,
        runners_up=category.runners_up,
        minimum=category.minimum_score,
    )
    return rules.rule_apply(rule, entrants)


# Candidates in place order; those sharing a place (a tie nothing breaks) in any order.
def by_place(row):
    return row[2], row[0]


def stored(shortlist) -> tuple[list, set]:
    candidates = [
        (candidate.agency_id, candidate.standing, candidate.place, candidate.score)
        for candidate in shortlist.candidates.order_by("order")
    ]
    assert [row[2] for row in candidates] == sorted(row[2] for row in candidates)
    exclusions = set(shortlist.exclusions.values_list("agency_id", "reason"))
    return sorted(candidates, key=by_place), exclusions


def expected(result: rules.RuleResult) -> tuple[list, set]:
    candidates = [
        (placed.entrant.key, placed.standing, placed.place, placed.score)
        for placed in result.placed
    ]
    exclusions = {(excluded.entrant.key, excluded.reason) for excluded in result.excluded}
    return sorted(candidates, key=by_place), exclusions


def test_a_requested_generation_is_done_by_the_worker_as_the_rules_say(
    celery_worker, year, agencies_and_figures, dga_staff
):
    top = category_of(year, "TOP", Kind.TOP_OVERALL, winners=1, runners_up=2, order=10)
    improved = category_of(
        year, "IMPROVED", Kind.MOST_IMPROVED, winners=1, runners_up=1, order=20, minimum=D(82)
    )

    tasks.shortlists_request(year=year, user=dga_staff)  # autocommit: queued at once

    shortlists = wait_for_shortlists([top.pk, improved.pk])
    for category in (top, improved):
        shortlist = shortlists[category.pk]
        result = direct_result(category, agencies_and_figures)
        assert stored(shortlist) == expected(result), category.code
        assert (shortlist.ranked, shortlist.generated_by) == (result.ranked, dga_staff)
        entry = AuditEntry.objects.get(
            category=category, action=AuditEntry.Action.SHORTLIST_GENERATED
        )
        assert entry.actor == dga_staff
        assert entry.data["shortlist"] == shortlist.pk
    # What the rules say, spelt out: 92 wins; the two 88s are ordered by their service score.
    a, b, c, *_others = agencies_and_figures
    assert [row[:3] for row in stored(shortlists[top.pk])[0]] == [
        (a.pk, "proposed", 1), (b.pk, "runner_up", 2), (c.pk, "runner_up", 3),
    ]  # fmt: skip
    # At least 82 this year: b gained 18, c 7, a 7 (a before c on the higher overall score).
    assert [row[:3] for row in stored(shortlists[improved.pk])[0]] == [
        (b.pk, "proposed", 1), (a.pk, "runner_up", 2),
    ]  # fmt: skip


def test_the_admin_button_has_the_worker_generate_the_years_open_categories(
    celery_worker, client, year, agencies_and_figures, dga_staff
):
    top = category_of(year, "TOP", Kind.TOP_OVERALL, winners=4, runners_up=0, order=10)
    client.force_login(dga_staff)

    response = client.post(reverse("admin:awards_awardcategory_generate", args=[year.pk]))

    assert response.status_code == 302
    shortlist = wait_for_shortlists([top.pk])[top.pk]
    assert stored(shortlist) == expected(direct_result(top, agencies_and_figures))
    # A tie at the cut-off is the committee's to break: d and e share the fourth place.
    _a, _b, _c, d, e, _unscored = agencies_and_figures
    tied = shortlist.candidates.filter(standing=Candidate.Standing.TIED)
    assert sorted(tied.values_list("agency_id", "place")) == sorted([(d.pk, 4), (e.pk, 4)])
    assert AuditEntry.objects.get(category=top).actor == dga_staff


def test_a_task_for_a_year_no_longer_scored_generates_nothing(celery_worker, year, dga_staff):
    top = category_of(year, "TOP", Kind.TOP_OVERALL, winners=1, runners_up=0, order=10)
    SurveyYear.objects.filter(pk=year.pk).update(status=SurveyYear.Status.CLOSED)

    result = tasks.generate_shortlists.delay(year_id=year.pk, user_id=dga_staff.pk)

    assert result.get(timeout=30) == []
    assert not Shortlist.objects.filter(category=top).exists()
    assert tasks.generate_shortlists.delay(year_id=0).get(timeout=30) == []


def test_an_up_to_date_shortlist_is_refused_when_asked_for_and_left_alone_by_the_worker(
    celery_worker, year, dga_staff
):
    top = category_of(year, "TOP", Kind.TOP_OVERALL, winners=1, runners_up=0, order=10)
    improved = category_of(year, "IMPROVED", Kind.MOST_IMPROVED, winners=1, runners_up=0, order=20)
    tasks.shortlists_request(year=year, user=dga_staff, category_ids=[top.pk])
    kept = wait_for_shortlists([top.pk])[top.pk]

    # Asked for by name, the up-to-date shortlist is refused at once, with the reason.
    with translation.override("en"), pytest.raises(shortlists.AwardError) as refusal:
        tasks.shortlists_request(year=year, user=dga_staff, category_ids=[top.pk, improved.pk])
    assert str(refusal.value).startswith("The shortlist of Award TOP is up to date with the scores")
    # The year's request generates what needs it and leaves the rest as it is.
    plan = tasks.shortlists_request(year=year, user=dga_staff)
    assert (plan.due, plan.up_to_date) == ([improved], [top])
    wait_for_shortlists([top.pk, improved.pk])
    assert list(Shortlist.objects.filter(category=top)) == [kept]
    # A task queued before the shortlist was made, taken after it, refuses in the worker.
    assert tasks.generate_shortlists.delay(year_id=year.pk, category_ids=[top.pk]).get(30) == []
    assert list(Shortlist.objects.filter(category=top)) == [kept]
