from django.db import migrations

from agencies import roles


def create_roles(apps, schema_editor):
    roles.grant_permissions(apps, roles.DGA_STAFF, roles.DGA_STAFF_PERMISSIONS)
    roles.grant_permissions(apps, roles.AWARD_COMMITTEE, roles.AWARD_COMMITTEE_PERMISSIONS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[roles.DGA_STAFF, roles.AWARD_COMMITTEE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
