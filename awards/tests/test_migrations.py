"""Migration 0004 makes "published" one fact on the survey year: a year published before it keeps
the real time and publisher of its `Publication` row, and the groups that could publish still
can, through the new `awards.publish_results` permission."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("awards", "0003_decision_reason")]
AFTER = [("awards", "0004_defensible_decisions")]


def migrate(targets):
    """Migrate to `targets`, the other apps staying at their latest; their models as then."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    apps_named = {app for app, _name in targets}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in apps_named]
    return executor.loader.project_state([*targets, *others]).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publication_moves_to_its_year_with_its_real_time_and_publisher():
    apps = migrate(BEFORE)
    try:
        SurveyYear = apps.get_model("surveys", "SurveyYear")
        Publication = apps.get_model("awards", "Publication")
        User = apps.get_model("agencies", "User")
        publisher = User.objects.create(email="publisher@dga.example", password="!")
        when = datetime(2025, 12, 2, 9, 30, tzinfo=UTC)
        # As surveys 0006 left a year published before it: the time of that migration.
        year = SurveyYear.objects.create(
            year=2567,
            title_th="ปี 2567",
            title_en="2024",
            opens_at=when - timedelta(days=200),
            closes_at=when - timedelta(days=100),
            status="published",
            published_at=datetime(2026, 12, 1, tzinfo=UTC),
        )
        Publication.objects.create(year=year, published_at=when, published_by=publisher)

        apps = migrate(AFTER)

        year = apps.get_model("surveys", "SurveyYear").objects.get(pk=year.pk)
        assert (year.published_at, year.published_by_id) == (when, publisher.pk)
        staff = apps.get_model("auth", "Group").objects.get(name="DGA staff")
        assert staff.permissions.filter(
            content_type__app_label="awards", codename="publish_results"
        ).exists()
        assert (
            not apps.get_model("contenttypes", "ContentType")
            .objects.filter(app_label="awards", model="publication")
            .exists()
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
