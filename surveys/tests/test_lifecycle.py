"""The survey year's lifecycle: one function moves a year on, refuses what the table does not
allow, records who did it and when in an append-only history, and keeps "published" one fact."""

from datetime import UTC, datetime

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from agencies.tests.factories import UserFactory
from surveys import services
from surveys.lifecycle import TRANSITIONS, YearTransitionRefused, year_transition
from surveys.models import SurveyYear, YearTransition

from .conftest import build_questionnaire
from .factories import SurveyYearFactory

Status = SurveyYear.Status
NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


def test_transitions_table_is_the_one_way_path_of_a_year():
    assert dict(TRANSITIONS) == {
        Status.DRAFT: {Status.OPEN},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.SCORED},
        Status.SCORED: {Status.PUBLISHED},
        Status.PUBLISHED: set(),
    }


def test_year_transition_writes_the_status_and_records_who_and_when(db):
    year = SurveyYearFactory(year=2570)
    user = UserFactory()

    moved = year_transition(year=year, to=Status.OPEN, user=user, now=NOW, details={"why": "x"})

    year.refresh_from_db()
    assert (moved.status, year.status) == (Status.OPEN, Status.OPEN)
    entry = YearTransition.objects.get(year=year)
    assert (entry.from_status, entry.to_status, entry.at, entry.by, entry.details) == (
        Status.DRAFT,
        Status.OPEN,
        NOW,
        user,
        {"why": "x"},
    )


def test_year_transition_without_a_user_is_recorded_as_the_system(db):
    year = SurveyYearFactory(year=2570, status=Status.CLOSED)

    year_transition(year=year, to=Status.SCORED)

    assert YearTransition.objects.get(year=year).by is None


def test_year_transition_refuses_a_move_the_table_does_not_allow_naming_both_statuses(db):
    year = SurveyYearFactory(year=2570, status=Status.OPEN)

    with translation.override("en"), pytest.raises(YearTransitionRefused) as refused:
        year_transition(year=year, to=Status.PUBLISHED, user=UserFactory())

    assert str(refused.value) == "2570 cannot go from open to published."
    assert isinstance(refused.value, services.SurveyError)
    year.refresh_from_db()
    assert (year.status, year.published_at) == (Status.OPEN, None)
    assert not YearTransition.objects.exists()


def test_year_transition_reads_the_status_from_the_database_not_the_callers_copy(db):
    year = SurveyYearFactory(year=2570)
    stale = SurveyYear.objects.get(pk=year.pk)
    year_transition(year=year, to=Status.OPEN)

    with pytest.raises(YearTransitionRefused):
        year_transition(year=stale, to=Status.OPEN)  # the copy still says draft

    assert YearTransition.objects.count() == 1


def test_publishing_sets_when_and_by_whom_in_one_fact(db):
    year = SurveyYearFactory(year=2570, status=Status.SCORED)
    staff = UserFactory()

    with transaction.atomic():  # as awards' results_publish calls it, inside its own transaction
        year_transition(year=year, to=Status.PUBLISHED, user=staff, now=NOW)

    year.refresh_from_db()
    assert (year.status, year.published_at, year.published_by) == (Status.PUBLISHED, NOW, staff)


def test_a_refused_transition_inside_an_outer_transaction_leaves_it_usable(db):
    year = SurveyYearFactory(year=2570, status=Status.SCORED)

    with transaction.atomic():
        with pytest.raises(YearTransitionRefused):
            year_transition(year=year, to=Status.OPEN)
        year_transition(year=year, to=Status.PUBLISHED)

    assert SurveyYear.objects.get(pk=year.pk).status == Status.PUBLISHED


def test_the_database_refuses_published_without_a_time_and_a_time_without_published(db):
    year = SurveyYearFactory(year=2570, status=Status.SCORED)

    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyYear.objects.filter(pk=year.pk).update(status=Status.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyYear.objects.filter(pk=year.pk).update(published_at=NOW)


def test_the_history_is_append_only_in_postgresql(db):
    year = SurveyYearFactory(year=2570)
    year_transition(year=year, to=Status.OPEN)
    entry = YearTransition.objects.get()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        YearTransition.objects.filter(pk=entry.pk).update(to_status=Status.CLOSED)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()

    assert YearTransition.objects.get().to_status == Status.OPEN


def test_opening_and_closing_record_the_acting_user(db):
    year = SurveyYearFactory(year=2570)
    build_questionnaire(year)
    staff = UserFactory()

    services.survey_year_open(year=year, user=staff)
    services.survey_year_close(year=year, user=staff)

    assert list(
        YearTransition.objects.filter(year=year)
        .order_by("pk")
        .values_list("from_status", "to_status", "by")
    ) == [(Status.DRAFT, Status.OPEN, staff.pk), (Status.OPEN, Status.CLOSED, staff.pk)]


def test_the_admin_opens_a_year_as_the_logged_in_user(client, dga_staff):
    year = SurveyYearFactory(year=2570)
    build_questionnaire(year)
    client.force_login(dga_staff)
    client.cookies["django_language"] = "en"

    client.post(
        reverse("admin:surveys_surveyyear_changelist"),
        {"action": "open_years", "_selected_action": [year.pk]},
    )

    assert YearTransition.objects.get(year=year).by == dga_staff


def test_the_history_is_view_only_in_the_admin(db):
    admin = site._registry[YearTransition]
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)

    assert (
        admin.has_add_permission(request),
        admin.has_change_permission(request),
        admin.has_delete_permission(request),
        admin.has_view_permission(request),
    ) == (False, False, False, True)
