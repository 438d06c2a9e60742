"""docker-compose.yml holds together: there is no Docker engine here to run it, so the suite reads
it. Its web health check is run against a real gunicorn in test_health.py, its database init
script against a real PostgreSQL in test_database_roles.py."""

import os
import re
import subprocess

import pytest
import yaml
from django.conf import settings

BASE_DIR = settings.BASE_DIR
INIT_SCRIPT = BASE_DIR / "deploy/postgres/10-dgaweb-roles.sh"
PASSWORDS = ("POSTGRES_PASSWORD", "POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD")
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose_text() -> str:
    return (BASE_DIR / "docker-compose.yml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text) -> dict:
    return yaml.safe_load(compose_text)


def env_example() -> dict[str, str]:
    lines = (BASE_DIR / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_services_and_what_each_waits_for(compose):
    services = compose["services"]

    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["migrate"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in APP_SERVICES:
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    for name in ("db", "redis", "web", "worker"):
        assert set(services[name]["healthcheck"]) >= {"test", "interval", "timeout", "retries"}
    assert "/health/" in services["web"]["healthcheck"]["test"][-1]


def test_every_password_comes_from_env_and_compose_refuses_to_start_without_it(compose_text):
    references = dict(re.findall(r"\$\{(\w+)(:\?[^}]*)?\}", compose_text))

    assert set(references) == set(PASSWORDS)
    for name, how in references.items():
        assert how == f":?set {name} in .env", name
        assert env_example()[name] == "", f"{name} has a value in .env.example"


def test_no_default_password_is_left_anywhere(compose_text):
    for path in (".env.example", "docker-compose.yml", "deploy/postgres/dgaweb-roles.psql"):
        text = (BASE_DIR / path).read_text()
        assert "dgaweb:dgaweb@" not in text, path
        assert not re.search(r"PASSWORD\s*[:=]\s*['\"]?dgaweb", text), path


def test_the_app_connects_as_the_app_role_and_only_migrate_as_the_owner(compose):
    services = compose["services"]
    app_url = "postgres://dgaweb_app:${POSTGRES_APP_PASSWORD:?set POSTGRES_APP_PASSWORD in .env}"
    owner_url = (
        "postgres://dgaweb_owner:${POSTGRES_OWNER_PASSWORD:?set POSTGRES_OWNER_PASSWORD in .env}"
    )

    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"] == f"{app_url}@db:5432/dgaweb", name
        # .env (their env_file) holds every password: the owner's and the superuser's are blanked.
        assert services[name]["env_file"] == ".env"
        assert {environment[password] for password in PASSWORDS} == {""}, name
    assert services["migrate"]["environment"]["DATABASE_URL"] == f"{owner_url}@db:5432/dgaweb"
    assert services["migrate"]["command"] == "python manage.py migrate --no-input"


def test_the_database_is_set_up_by_the_roles_script(compose):
    db = compose["services"]["db"]
    script = INIT_SCRIPT.read_text()

    assert "./deploy/postgres:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    assert db["environment"]["POSTGRES_USER"] == "postgres"
    assert db["environment"]["POSTGRES_DB"] == "dgaweb"
    assert {name: db["environment"][name] for name in PASSWORDS} == {
        name: f"${{{name}:?set {name} in .env}}" for name in PASSWORDS
    }
    # The role names the script makes by default are those the services connect as.
    assert "${POSTGRES_OWNER_USER:-dgaweb_owner}" in script
    assert "${POSTGRES_APP_USER:-dgaweb_app}" in script
    assert os.access(INIT_SCRIPT, os.X_OK)
    # The entrypoint runs *.sh and *.sql files: the SQL is a .psql, run by the script only.
    assert sorted(p.name for p in INIT_SCRIPT.parent.iterdir() if p.suffix in {".sh", ".sql"}) == [
        INIT_SCRIPT.name
    ]


@pytest.mark.parametrize("missing", ["POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD"])
def test_the_roles_script_refuses_to_run_without_a_password(missing):
    env = {
        **os.environ,
        "POSTGRES_OWNER_PASSWORD": "owner-secret",
        "POSTGRES_APP_PASSWORD": "app-secret",
        # psql is never reached; were it reached, this would fail to connect.
        "PGHOST": "127.0.0.1",
        "PGPORT": "1",
    }
    env[missing] = ""

    result = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert f"{missing}: set {missing} in .env" in result.stderr
