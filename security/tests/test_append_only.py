"""The security event log is append-only in PostgreSQL: UPDATE, DELETE and TRUNCATE are refused
whoever asks, the table's owner included (the tests connect as the owner, a superuser even).
The one change let through is the SET_NULL of a deleted account, which changes nothing else."""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from agencies.tests.factories import UserFactory
from security.models import SecurityEvent
from security.services import event_record

TABLE = SecurityEvent._meta.db_table
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def event():
    user = UserFactory(email="alice@alpha.example")
    return event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, user=user, details={"failures": 1})


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET kind = 'login_succeeded'",
        f"UPDATE {TABLE} SET email = 'someone@else.example'",
        f"UPDATE {TABLE} SET user_id = NULL, ip_address = '203.0.113.1'",
        f"DELETE FROM {TABLE}",
    ],
)
def test_the_table_owner_cannot_change_or_delete_an_event(event, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert SecurityEvent.objects.get().email == "alice@alpha.example"


def test_nor_can_the_orm(event):
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        SecurityEvent.objects.update(details={})
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"), transaction.atomic():
        SecurityEvent.objects.all().delete()

    assert SecurityEvent.objects.get().details == {"failures": 1}


def test_truncate_is_refused_to_a_connection_as_production_makes_it(event):
    """Only the test settings' connections set dgaweb.allow_truncate, so that Django can empty
    the test database between tests; a connection without it, as in production, is refused."""
    params = connection.get_connection_params()
    params.pop("options", None)
    params = {
        k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}
    }
    with (
        psycopg.connect(**params) as production,
        pytest.raises(psycopg.errors.RaiseException, match="append-only: TRUNCATE refused"),
    ):
        production.execute(f"TRUNCATE {TABLE}")

    assert SecurityEvent.objects.count() == 1


def test_deleting_the_account_keeps_its_events_under_the_address(event):
    event.user.delete()

    event = SecurityEvent.objects.get()
    assert (event.user, event.email, event.details) == (
        None,
        "alice@alpha.example",
        {"failures": 1},
    )
