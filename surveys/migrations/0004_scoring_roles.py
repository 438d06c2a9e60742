from django.db import migrations

from agencies import roles

# DGA staff read every run, score and aggregate, and start recomputes (add_scoringrun). The
# award committee gets nothing here: unpublished scores stay with DGA staff.
DGA_STAFF = [
    ("surveys", f"view_{model}")
    for model in ("scoringrun", "scoringchunk", "responsescore", "groupscore")
] + [("surveys", "add_scoringrun")]


def grant(apps, schema_editor):
    roles.grant_permissions(apps, roles.DGA_STAFF, DGA_STAFF)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_scoring")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
