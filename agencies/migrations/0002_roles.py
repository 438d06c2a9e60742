"""Once created the role groups; agencies.roles.sync_roles now does it after every migrate,
from the one table of roles (agencies.roles.GROUP_PERMISSIONS). Kept, empty, for the migrations
that depend on it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
