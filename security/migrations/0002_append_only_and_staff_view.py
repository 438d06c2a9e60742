from django.db import migrations

# The security event log is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE on it,
# whoever asks, the table's owner included. Two exceptions:
# - Deleting an account sets its events' user to NULL (on_delete=SET_NULL) and changes nothing
#   else; the e-mail address recorded beside it still names the account.
# - TRUNCATE in a session that sets dgaweb.allow_truncate = on: only the test settings do, since
#   Django empties the test database with TRUNCATE after each transactional test. Production
#   never sets it, so `manage.py flush` cannot empty the log there.
APPEND_ONLY = """
CREATE FUNCTION security_securityevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
       AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('dgaweb.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the security event log is append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER security_securityevent_append_only
    BEFORE UPDATE OR DELETE ON security_securityevent
    FOR EACH ROW EXECUTE FUNCTION security_securityevent_append_only();
CREATE TRIGGER security_securityevent_no_truncate
    BEFORE TRUNCATE ON security_securityevent
    FOR EACH STATEMENT EXECUTE FUNCTION security_securityevent_append_only();
"""
APPEND_ONLY_REVERSE = """
DROP TRIGGER security_securityevent_no_truncate ON security_securityevent;
DROP TRIGGER security_securityevent_append_only ON security_securityevent;
DROP FUNCTION security_securityevent_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def append_only_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_REVERSE)


class Migration(migrations.Migration):
    # DGA staff's right to read the log (security.view_securityevent) is in agencies.roles'
    # table of roles, given after every migrate; this migration once granted it too.
    dependencies = [("security", "0001_initial")]

    operations = [
        migrations.RunPython(append_only, append_only_reverse),
    ]
