from django.db import migrations

# The roles' permissions are agencies.roles.sync_roles' (after every migrate), not this migration's.

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


class Migration(migrations.Migration):
    dependencies = [("awards", "0001_initial")]

    operations = [
        migrations.RunPython(append_only, append_only_reverse),
    ]
