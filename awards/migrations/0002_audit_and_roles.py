from django.db import migrations

from agencies import roles

# DGA staff configure the categories, generate shortlists and publish (in the admin), and read
# everything else, the audit record included. The committee works in its own pages, not the admin.
DGA_STAFF = (
    [("awards", f"{action}_awardcategory") for action in ("view", "add", "change")]
    + [
        ("awards", f"view_{model}")
        for model in (
            "shortlist",
            "candidate",
            "exclusion",
            "vote",
            "conflictofinterest",
            "publication",
            "auditentry",
        )
    ]
    + [("awards", "add_publication")]
)

# The audit record is append-only: PostgreSQL refuses UPDATE and DELETE on it, whoever asks.
# (TRUNCATE, an owner's operation, stays possible: the test suite empties tables with it.)
APPEND_ONLY = """
CREATE FUNCTION awards_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the awards audit record is append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER awards_auditentry_append_only
    BEFORE UPDATE OR DELETE ON awards_auditentry
    FOR EACH ROW EXECUTE FUNCTION awards_auditentry_append_only();
"""
APPEND_ONLY_REVERSE = """
DROP TRIGGER awards_auditentry_append_only ON awards_auditentry;
DROP FUNCTION awards_auditentry_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def append_only_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_REVERSE)


def grant(apps, schema_editor):
    roles.grant_permissions(apps, roles.DGA_STAFF, DGA_STAFF)
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=roles.AWARD_CHAIR)


class Migration(migrations.Migration):
    dependencies = [("awards", "0001_initial")]

    operations = [
        migrations.RunPython(append_only, append_only_reverse),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
