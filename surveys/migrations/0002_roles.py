from django.db import migrations

from agencies import roles

DGA_STAFF = [
    ("surveys", f"{action}_{model}")
    for model in ("surveyyear", "dimension", "question", "option", "scoringband", "response")
    for action in ("view", "add", "change")
] + [
    ("surveys", "delete_dimension"),
    ("surveys", "delete_question"),
    ("surveys", "delete_option"),
    ("surveys", "delete_scoringband"),
    ("surveys", "view_answer"),
    ("surveys", "view_evidence"),
]
AWARD_COMMITTEE = [("surveys", "view_surveyyear")]


def grant(apps, schema_editor):
    roles.grant_permissions(apps, roles.DGA_STAFF, DGA_STAFF)
    roles.grant_permissions(apps, roles.AWARD_COMMITTEE, AWARD_COMMITTEE)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("agencies", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
