"""The survey year's lifecycle (surveys.lifecycle): its append-only history, "published" as one
fact (a time and a person beside the status, bound to it by a constraint), and a questionnaire
version that PostgreSQL raises on every change to a year's questionnaire, for the scoring
method's cache.

This migration depends on no awards migration: awards moves its own publication rows onto the
year's `published_at` / `published_by` in a migration of its own. Here a year already
published gets the time of this migration, so that the constraint holds.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

STATUSES = [
    ("draft", "Draft"),
    ("open", "Open"),
    ("closed", "Closed"),
    ("scored", "Scored"),
    ("published", "Published"),
]

# The history is append-only: PostgreSQL refuses UPDATE and DELETE on it, whoever asks.
# (TRUNCATE, an owner's operation, stays possible: the test suite empties tables with it.)
APPEND_ONLY = """
CREATE FUNCTION surveys_yeartransition_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the survey year history is append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER surveys_yeartransition_append_only
    BEFORE UPDATE OR DELETE ON surveys_yeartransition
    FOR EACH ROW EXECUTE FUNCTION surveys_yeartransition_append_only();
"""
APPEND_ONLY_REVERSE = """
DROP TRIGGER surveys_yeartransition_append_only ON surveys_yeartransition;
DROP FUNCTION surveys_yeartransition_append_only();
"""

# Any insert, update or delete of a dimension, question, option or scoring band raises its
# year's questionnaire version, however it is made (admin, import, shell, SQL); a save of the
# year from a stale copy never lowers it.
QUESTIONNAIRE_VERSION = """
CREATE FUNCTION surveys_questionnaire_changed_by_year() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE surveys_surveyyear SET questionnaire_version = questionnaire_version + 1
            WHERE id = OLD.year_id;
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND NEW.year_id <> OLD.year_id THEN
        UPDATE surveys_surveyyear SET questionnaire_version = questionnaire_version + 1
            WHERE id = NEW.year_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION surveys_questionnaire_changed_by_question() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE surveys_surveyyear SET questionnaire_version = questionnaire_version + 1
            WHERE id = (SELECT year_id FROM surveys_question WHERE id = OLD.question_id);
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND NEW.question_id <> OLD.question_id THEN
        UPDATE surveys_surveyyear SET questionnaire_version = questionnaire_version + 1
            WHERE id = (SELECT year_id FROM surveys_question WHERE id = NEW.question_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER surveys_dimension_questionnaire_changed
    AFTER INSERT OR UPDATE OR DELETE ON surveys_dimension
    FOR EACH ROW EXECUTE FUNCTION surveys_questionnaire_changed_by_year();
CREATE TRIGGER surveys_question_questionnaire_changed
    AFTER INSERT OR UPDATE OR DELETE ON surveys_question
    FOR EACH ROW EXECUTE FUNCTION surveys_questionnaire_changed_by_year();
CREATE TRIGGER surveys_option_questionnaire_changed
    AFTER INSERT OR UPDATE OR DELETE ON surveys_option
    FOR EACH ROW EXECUTE FUNCTION surveys_questionnaire_changed_by_question();
CREATE TRIGGER surveys_scoringband_questionnaire_changed
    AFTER INSERT OR UPDATE OR DELETE ON surveys_scoringband
    FOR EACH ROW EXECUTE FUNCTION surveys_questionnaire_changed_by_question();

CREATE FUNCTION surveys_questionnaire_version_kept() RETURNS trigger AS $$
BEGIN
    NEW.questionnaire_version := GREATEST(NEW.questionnaire_version, OLD.questionnaire_version);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER surveys_surveyyear_questionnaire_version_kept
    BEFORE UPDATE OF questionnaire_version ON surveys_surveyyear
    FOR EACH ROW EXECUTE FUNCTION surveys_questionnaire_version_kept();
"""
QUESTIONNAIRE_VERSION_REVERSE = """
DROP TRIGGER surveys_surveyyear_questionnaire_version_kept ON surveys_surveyyear;
DROP FUNCTION surveys_questionnaire_version_kept();
DROP TRIGGER surveys_scoringband_questionnaire_changed ON surveys_scoringband;
DROP TRIGGER surveys_option_questionnaire_changed ON surveys_option;
DROP TRIGGER surveys_question_questionnaire_changed ON surveys_question;
DROP TRIGGER surveys_dimension_questionnaire_changed ON surveys_dimension;
DROP FUNCTION surveys_questionnaire_changed_by_question();
DROP FUNCTION surveys_questionnaire_changed_by_year();
"""


def triggers(apps, schema_editor):
    # SQLite (`make run`) has neither: the history is append-only by convention there, and the
    # scoring method is not cached (surveys.scores.scoring_method_of).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)
        schema_editor.execute(QUESTIONNAIRE_VERSION)


def triggers_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(QUESTIONNAIRE_VERSION_REVERSE)
        schema_editor.execute(APPEND_ONLY_REVERSE)


def published_at_backfill(apps, schema_editor):
    """A year published before this migration gets its time (now), so that the constraint
    holds; awards' own migration then copies the real time and person from its publication."""
    SurveyYear = apps.get_model("surveys", "SurveyYear")
    SurveyYear.objects.filter(status="published", published_at__isnull=True).update(
        published_at=django.utils.timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_roles"),
        ("surveys", "0005_year_publish_agency_scores"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="YearTransition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "year",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transitions",
                        to="surveys.surveyyear",
                        verbose_name="year",
                    ),
                ),
                (
                    "from_status",
                    models.CharField(choices=STATUSES, max_length=10, verbose_name="from"),
                ),
                ("to_status", models.CharField(choices=STATUSES, max_length=10, verbose_name="to")),
                (
                    "at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, verbose_name="when"
                    ),
                ),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="who",
                    ),
                ),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
            ],
            options={
                "verbose_name": "year status change",
                "verbose_name_plural": "year status changes",
                "ordering": ["year", "at", "pk"],
            },
        ),
        migrations.AddField(
            model_name="surveyyear",
            name="published_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="published at"
            ),
        ),
        migrations.AddField(
            model_name="surveyyear",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="published by",
            ),
        ),
        migrations.AddField(
            model_name="surveyyear",
            name="questionnaire_version",
            field=models.PositiveIntegerField(
                default=1, editable=False, verbose_name="questionnaire version"
            ),
        ),
        # Before the constraint: a year already published must have its time.
        migrations.RunPython(published_at_backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="surveyyear",
            constraint=models.CheckConstraint(
                condition=models.Q(status="published", published_at__isnull=False)
                | ~models.Q(status="published") & models.Q(published_at__isnull=True),
                name="survey_year_published_has_time",
                violation_error_message="A year is published exactly when it has a publication time.",
            ),
        ),
        migrations.RunPython(triggers, triggers_reverse),
    ]
