"""Once granted DGA staff the scoring permissions; agencies.roles.sync_roles now does it after
every migrate, from the one table of roles. Kept, empty, for the migrations that depend on it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_scoring")]

    operations = []
