"""The application's database role reads and writes rows and can do nothing else.

On a fresh database and two new roles, made by docker compose's own init script
(deploy/postgres/), the real migrations run as the owner, as compose's migrate service does;
then, connected as the app role (web, worker and beat), rows can be written and read, and every
way to get rid of an audit trigger or its table is refused.
"""

import os
import secrets
import subprocess

import psycopg
import pytest
from django.conf import settings
from psycopg import errors

from dgaweb.tests.test_settings import PRODUCTION_ENV, manage

SUPERUSER = settings.DATABASES["default"]
HOST = SUPERUSER["HOST"] or "127.0.0.1"
PORT = str(SUPERUSER["PORT"] or 5432)


def connect(dbname: str, user: str, password: str = "") -> psycopg.Connection:
    return psycopg.connect(
        host=HOST, port=PORT, dbname=dbname, user=user, password=password, autocommit=True
    )


@pytest.fixture(scope="module")
def migrated_database():
    """A new database with its owner and app roles (names of their own, so that runs side by
    side do not meet), migrated as the owner; dropped with its roles afterwards."""
    suffix = secrets.token_hex(4)
    roles = {
        "db": f"dgaweb_roles_{suffix}",
        "owner": f"dgaweb_owner_{suffix}",
        "owner_password": secrets.token_hex(16),
        "app": f"dgaweb_app_{suffix}",
        "app_password": secrets.token_hex(16),
    }
    with connect("postgres", SUPERUSER["USER"], SUPERUSER["PASSWORD"]) as admin:
        admin.execute(f'CREATE DATABASE "{roles["db"]}"')
    try:
        init = subprocess.run(
            ["bash", str(settings.BASE_DIR / "deploy/postgres/10-dgaweb-roles.sh")],
            env={
                **os.environ,
                "PGHOST": HOST,
                "PGPORT": PORT,
                "PGPASSWORD": SUPERUSER["PASSWORD"] or "",
                "POSTGRES_USER": SUPERUSER["USER"],
                "POSTGRES_DB": roles["db"],
                "POSTGRES_OWNER_USER": roles["owner"],
                "POSTGRES_OWNER_PASSWORD": roles["owner_password"],
                "POSTGRES_APP_USER": roles["app"],
                "POSTGRES_APP_PASSWORD": roles["app_password"],
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert init.returncode == 0, init.stderr
        owner_url = (
            f"postgres://{roles['owner']}:{roles['owner_password']}@{HOST}:{PORT}/{roles['db']}"
        )
        migrate = manage("migrate", "--no-input", **{**PRODUCTION_ENV, "DATABASE_URL": owner_url})
        assert migrate.returncode == 0, migrate.stderr
        yield roles
    finally:
        with connect("postgres", SUPERUSER["USER"], SUPERUSER["PASSWORD"]) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{roles["db"]}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{roles["app"]}"')
            admin.execute(f'DROP ROLE IF EXISTS "{roles["owner"]}"')


@pytest.fixture
def as_app(migrated_database):
    roles = migrated_database
    with connect(roles["db"], roles["app"], roles["app_password"]) as connection:
        yield connection


def test_the_owner_owns_every_table_and_the_app_none(migrated_database):
    roles = migrated_database
    with connect(roles["db"], SUPERUSER["USER"], SUPERUSER["PASSWORD"]) as admin:
        owners = admin.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        audit_tables = admin.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'awards_auditentry'"
        ).fetchone()

    assert owners == [(roles["owner"],)]
    assert audit_tables == (1,)


def test_the_app_reads_and_writes_rows(as_app):
    [(group_id,)] = as_app.execute(
        "INSERT INTO auth_group (name) VALUES ('Auditors') RETURNING id"
    ).fetchall()
    as_app.execute("UPDATE auth_group SET name = 'Auditors 2569' WHERE id = %s", [group_id])
    read = as_app.execute("SELECT name FROM auth_group WHERE id = %s", [group_id]).fetchall()
    as_app.execute("DELETE FROM auth_group WHERE id = %s", [group_id])
    gone = as_app.execute("SELECT count(*) FROM auth_group WHERE id = %s", [group_id]).fetchone()

    assert read == [("Auditors 2569",)]
    assert gone == (0,)


def test_django_writes_through_the_app_role(migrated_database):
    roles = migrated_database
    app_url = f"postgres://{roles['app']}:{roles['app_password']}@{HOST}:{PORT}/{roles['db']}"
    env = {**PRODUCTION_ENV, "DATABASE_URL": app_url}

    created = manage(
        "createsuperuser",
        "--no-input",
        **env,
        DJANGO_SUPERUSER_EMAIL="root@dga.example",
        DJANGO_SUPERUSER_PASSWORD="a long and unguessable password",
    )
    pending = manage("migrate", "--check", **env)

    assert created.returncode == 0, created.stderr
    assert pending.returncode == 0, pending.stdout + pending.stderr
    with connect(roles["db"], roles["app"], roles["app_password"]) as connection:
        superusers = connection.execute(
            "SELECT email FROM agencies_user WHERE is_superuser"
        ).fetchall()
    assert superusers == [("root@dga.example",)]


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE awards_auditentry DISABLE TRIGGER awards_auditentry_append_only",
        "ALTER TABLE awards_auditentry DISABLE TRIGGER ALL",
        "DROP TRIGGER awards_auditentry_append_only ON awards_auditentry",
        "DROP FUNCTION awards_auditentry_append_only() CASCADE",
        "TRUNCATE awards_auditentry",
        "DROP TABLE awards_auditentry",
        "ALTER TABLE awards_auditentry OWNER TO CURRENT_USER",
        "CREATE TABLE awards_shadow (id integer)",
        "SELECT setval('awards_auditentry_id_seq', 1)",
    ],
    ids=[
        "disable the trigger",
        "disable all triggers",
        "drop the trigger",
        "drop its function",
        "truncate",
        "drop the table",
        "take the table",
        "create a table",
        "rewind a sequence",
    ],
)
def test_the_app_cannot_undo_the_audit_trigger_or_change_the_schema(as_app, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute(statement)
