"""Once granted the roles' survey permissions; agencies.roles.sync_roles now does it after every
migrate, from the one table of roles. Kept, empty, for the migrations that depend on it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("agencies", "0002_roles"),
    ]

    operations = []
