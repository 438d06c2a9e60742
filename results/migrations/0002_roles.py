from django.db import migrations

from agencies import roles

# DGA staff write the recommendations in the admin.
DGA_STAFF = [
    ("results", f"{action}_recommendation") for action in ("view", "add", "change", "delete")
]


def grant(apps, schema_editor):
    roles.grant_permissions(apps, roles.DGA_STAFF, DGA_STAFF)


class Migration(migrations.Migration):
    dependencies = [("results", "0001_initial"), ("agencies", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
