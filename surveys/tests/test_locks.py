"""No lock a save takes can be held by anything but the response it saves: an autosave or an
evidence upload never waits on the survey year, a question or a dimension, rows that every agency
in the country shares (and that scoring and the admin lock). Each test holds those rows in a
transaction of its own, on a connection of its own, and saves with a lock timeout: a save that
waited on one of them would fail instead of finishing."""

from contextlib import contextmanager

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from surveys.models import Answer, Evidence
from surveys.services import answer_save, evidence_add

from .conftest import PDF

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def shared_rows_locked(question):
    """The question's year, dimension and the question itself locked by another transaction
    until the block ends, as an UPDATE of them (the admin) or scoring locks them: FOR NO KEY
    UPDATE, which the foreign-key checks of a save (FOR KEY SHARE) do not wait on, and which any
    FOR UPDATE of the rows would."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    ) as other:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM surveys_surveyyear WHERE id = %s FOR NO KEY UPDATE",
                [question.year_id],
            )
            cursor.execute(
                "SELECT 1 FROM surveys_dimension WHERE id = %s FOR NO KEY UPDATE",
                [question.dimension_id],
            )
            cursor.execute(
                "SELECT 1 FROM surveys_question WHERE id = %s FOR NO KEY UPDATE", [question.pk]
            )
            yield
        other.rollback()


@contextmanager
def lock_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


def test_an_autosave_waits_on_no_shared_row(response, questions, respondent):
    question = questions["CHOICE"]
    with shared_rows_locked(question), lock_timeout():
        answer_save(
            response=response, question=question, raw=["full"], base_version=0, user=respondent
        )
        answer_save(
            response=response, question=question, raw=["partial"], base_version=1,
            user=respondent,
        )  # fmt: skip

    assert Answer.objects.get(response=response, question=question).version == 2


def test_an_evidence_upload_waits_on_no_shared_row(response, questions, respondent):
    question = questions["REPORT"]
    with shared_rows_locked(question), lock_timeout():
        evidence_add(
            response=response,
            question=question,
            upload=SimpleUploadedFile("report.pdf", PDF),
            user=respondent,
        )

    assert Evidence.objects.filter(response=response, question=question).count() == 1
