"""Decisions that survive a challenge: votes voided by a conflict declared after them, declarations
withdrawn rather than deleted, the members who could vote on a candidate and a province's counted
units kept with the candidate, and "published" as one fact on the survey year.

`Publication` goes: the year's `published_at` / `published_by` (surveys 0006) say when and by whom
it was published. Surveys 0006 gave a year published before it the time of that migration; here
the real time and publisher are copied from its Publication row before the row goes. Publishing
becomes the permission `awards.publish_results`, given to the groups that could add a Publication.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def publication_to_year(apps, schema_editor):
    Publication = apps.get_model("awards", "Publication")
    SurveyYear = apps.get_model("surveys", "SurveyYear")
    for publication in Publication.objects.filter(year__status="published"):
        SurveyYear.objects.filter(pk=publication.year_id).update(
            published_at=publication.published_at, published_by_id=publication.published_by_id
        )


def publish_permission(apps, schema_editor):
    """`awards.publish_results` for every group that held `awards.add_publication`; the
    Publication model's permissions go with it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    category_type, _ = ContentType.objects.get_or_create(app_label="awards", model="awardcategory")
    publish, _ = Permission.objects.get_or_create(
        content_type=category_type,
        codename="publish_results",
        defaults={"name": "Can publish a year's award results"},
    )
    old = Permission.objects.filter(
        content_type__app_label="awards",
        content_type__model="publication",
        codename="add_publication",
    ).first()
    if old is not None:
        for group in old.group_set.all():
            group.permissions.add(publish)
        for user in old.user_set.all():
            user.user_permissions.add(publish)
    ContentType.objects.filter(app_label="awards", model="publication").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0003_decision_reason"),
        ("surveys", "0006_year_lifecycle"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="awardcategory",
            options={
                "ordering": ["year", "order", "code"],
                "permissions": [("publish_results", "Can publish a year's award results")],
                "verbose_name": "award category",
                "verbose_name_plural": "award categories",
            },
        ),
        migrations.AddField(
            model_name="candidate",
            name="units_counted",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="units counted"),
        ),
        migrations.AddField(
            model_name="candidate",
            name="units_total",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="units invited"),
        ),
        migrations.AddField(
            model_name="candidate",
            name="eligible_voters",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="members who could vote"
            ),
        ),
        migrations.AddField(
            model_name="conflictofinterest",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="withdrawn at"),
        ),
        migrations.RemoveConstraint(
            model_name="conflictofinterest",
            name="one_declaration_per_agency",
        ),
        migrations.AddConstraint(
            model_name="conflictofinterest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=("year", "member", "agency"),
                name="one_declaration_per_agency",
            ),
        ),
        migrations.AddField(
            model_name="vote",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="voided at"),
        ),
        migrations.AddField(
            model_name="vote",
            name="voided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="voided_votes",
                to="awards.conflictofinterest",
                verbose_name="voided by the declaration",
            ),
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.CheckConstraint(
                condition=models.Q(("voided_at__isnull", True), ("voided_by__isnull", True))
                | models.Q(("voided_at__isnull", False), ("voided_by__isnull", False)),
                name="vote_voided_by_a_declaration",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("generated", "Shortlist generated"),
                    ("nominated", "Nominee added"),
                    ("vote_cast", "Vote cast"),
                    ("vote_changed", "Vote changed"),
                    ("vote_voided", "Vote voided"),
                    ("conflict", "Conflict of interest declared"),
                    ("withdrawn", "Conflict of interest withdrawn"),
                    ("finalised", "Category finalised"),
                    ("published", "Results published"),
                ],
                max_length=15,
                verbose_name="action",
            ),
        ),
        migrations.RunPython(publication_to_year, migrations.RunPython.noop),
        migrations.RunPython(publish_permission, migrations.RunPython.noop),
        migrations.DeleteModel(name="Publication"),
    ]
