"""Answer and response history, written by PostgreSQL triggers (django-pghistory): every version
of an answer and every status change, with who made it, whatever wrote the row; and the history
page, for the agency's own people only."""

from datetime import timedelta

import pghistory
import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, AnswerVersion, Response, ResponseStatusChange
from surveys.services import answer_save

from .factories import ResponseFactory, SurveyYearFactory
from .test_admin import run_action
from .test_respondent import answer_everything, autosave, upload


def versions_of(response, code):
    return list(
        AnswerVersion.objects.filter(pgh_obj__response=response, pgh_obj__question__code=code)
        .order_by("pgh_id")
        .values_list("value", "version", "pgh_context__user", "pgh_context__url")
    )


def status_changes_of(response):
    return list(
        ResponseStatusChange.objects.filter(pgh_obj=response)
        .order_by("pgh_id")
        .values_list("from_status", "status", "pgh_context__user")
    )


def test_two_autosaves_give_two_versions_with_the_user(client, response, respondent):
    client.force_login(respondent)
    assert autosave(client, response, "CHOICE", "partial").status_code == 200
    assert autosave(client, response, "CHOICE", "full", version=1).status_code == 200
    url = reverse("surveys:autosave", args=[response.pk, "CHOICE"])
    assert versions_of(response, "CHOICE") == [
        ("partial", 1, respondent.pk, url),
        ("full", 2, respondent.pk, url),
    ]


def test_a_save_of_the_same_value_is_no_new_version(client, response, respondent):
    client.force_login(respondent)
    autosave(client, response, "STAFF", "12")
    Answer.objects.filter(response=response).update(updated_at=timezone.now())
    assert len(versions_of(response, "STAFF")) == 1


def test_a_raw_update_is_recorded_too(response, questions, respondent):
    answer_save(
        response=response, question=questions["CHOICE"], raw=["none"], base_version=0,
        user=respondent,
    )  # fmt: skip
    # Outside any request, as a shell or a script would: recorded, but naming nobody.
    Answer.objects.filter(response=response).update(value="partial")
    assert versions_of(response, "CHOICE") == [("none", 1, None, None), ("partial", 1, None, None)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_command_names_itself_even_in_autocommit(response, questions, respondent):
    """A statement outside any transaction (autocommit) still carries the context: it is given a
    transaction of its own, so the settings read by the trigger reach it."""
    answer_save(
        response=response, question=questions["CHOICE"], raw=["none"], base_version=0,
        user=respondent,
    )  # fmt: skip
    assert connection.get_autocommit()
    with pghistory.context(command="fix_answers", user=respondent.pk):
        Answer.objects.filter(response=response).update(value="full")
    rows = AnswerVersion.objects.filter(pgh_obj__response=response).order_by("pgh_id")
    assert [(row.value, row.pgh_context) for row in rows] == [
        ("none", None),
        ("full", {"command": "fix_answers", "user": respondent.pk}),
    ]


def test_submit_and_return_for_revision_are_recorded_with_the_user(
    client, response, questions, respondent, dga_staff
):
    answer_everything(response, questions, respondent)
    client.force_login(respondent)
    assert upload(client, response, "HASPLAN").status_code == 200
    client.post(reverse("surveys:submit", args=[response.pk]), {"confirm": "yes"})
    assert Response.objects.get(pk=response.pk).status == Response.Status.SUBMITTED
    client.force_login(dga_staff)
    url = reverse("admin:surveys_response_changelist")
    run_action(client, url, "return_for_revision", [response], reason="แนบแผนฉบับลงนาม")
    assert Response.objects.get(pk=response.pk).status == Response.Status.RETURNED
    assert status_changes_of(response) == [
        ("in_progress", "submitted", respondent.pk),
        ("submitted", "returned", dga_staff.pk),
    ]


def test_the_history_cannot_be_changed_or_deleted(client, response, respondent):
    client.force_login(respondent)
    autosave(client, response, "CHOICE", "full")
    version = AnswerVersion.objects.get()
    for change in (
        lambda: AnswerVersion.objects.filter(pk=version.pk).update(value="none"),
        lambda: AnswerVersion.objects.filter(pk=version.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
            change()
    assert AnswerVersion.objects.get().value == "full"


def test_a_connection_defines_pgtrigger_ignore_list(db):
    """Without it each history trigger raises and catches an error per row, and a statement that
    writes many rows (seed_demo, the benchmarks) becomes many times slower (common/history.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        assert cursor.fetchone() == ("{}",)


# The history page ------------------------------------------------------------------------------


def test_the_page_lists_versions_with_name_and_buddhist_era_date(
    client, response, questions, respondent
):
    respondent.first_name, respondent.last_name = "อลิส", "ใจดี"
    respondent.save()
    client.force_login(respondent)
    autosave(client, response, "CHOICE", "partial")
    autosave(client, response, "CHOICE", "full", version=1)
    autosave(client, response, "STAFF", "1250")
    page = client.get(reverse("surveys:history", args=[response.pk]))
    assert page.status_code == 200
    choice = page.text.split('id="h-CHOICE"')[1].split("</article>")[0]
    # Newest first, each value as the questionnaire shows it.
    assert choice.index("ระดับ full") < choice.index("ระดับ partial")
    today = timezone.localdate()
    assert f"{today.day} " in choice
    assert f" {today.year + 543} " in choice  # Buddhist Era
    assert choice.count("อลิส ใจดี") == 2
    assert "1,250" in page.text


def test_the_other_agencys_respondent_gets_404(client, response, other_respondent):
    client.force_login(other_respondent)
    assert client.get(reverse("surveys:history", args=[response.pk])).status_code == 404


def _count_history_page(client, respondent, agency, year_number, extra_questions):
    from .conftest import build_questionnaire

    now = timezone.now()
    year = SurveyYearFactory(
        year=year_number, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1)
    )
    questions = build_questionnaire(year, extra_questions=extra_questions)
    year.status = "open"
    year.save()
    target = ResponseFactory(year=year, agency=agency)
    extra = [q for code, q in questions.items() if code.startswith("EXTRA")]
    # As a script would: its context names the respondent, so the page names someone.
    with pghistory.context(user=respondent.pk, command="test"):
        for question in extra:
            for version, value in enumerate(["yes", "no", "yes"]):
                answer_save(
                    response=target, question=question, raw=[value], base_version=version,
                    user=respondent,
                )  # fmt: skip
    url = reverse("surveys:history", args=[target.pk])
    client.get(url)  # the questionnaire of an open year is then cached, as in production
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    return len(page)


def test_the_history_page_query_count_does_not_grow(client, respondent, agency):
    client.force_login(respondent)
    small = _count_history_page(client, respondent, agency, 2571, 2)
    large = _count_history_page(client, respondent, agency, 2572, 40)
    # Session and user (2), the response (1), the user's agency (1, which surveys.change_answer
    # compares with the response's), the status changes (1), the answer versions (1) and the
    # people named (1): 7 at 6 versions as at 120 (the year's questionnaire is cached).
    assert small == large == 7


def test_the_admin_shows_the_history_to_dga_staff(client, response, respondent, dga_staff):
    client.force_login(respondent)
    autosave(client, response, "CHOICE", "full")
    with pghistory.context(user=dga_staff.pk):
        response.status, response.returned_reason = "returned", "แนบแผนฉบับลงนาม"
        response.save()
    client.force_login(dga_staff)
    client.cookies["django_language"] = "en"
    change = client.get(reverse("admin:surveys_response_change", args=[response.pk]))
    # The status change on the response's page, from → to and who; nothing there to edit.
    row = change.text.split("<td>In progress</td>")[1].split("</tr>")[0]
    assert "<td>Returned for revision</td>" in row
    assert "staff@dga.example" in row
    history_url = reverse("admin:surveys_response_answer_history", args=[response.pk])
    assert history_url in change.text
    page = client.get(history_url)
    assert page.status_code == 200
    assert "alice@alpha.example" in page.text
    assert "Level full" in page.text


def test_the_autosave_sends_the_context_once(client, response, respondent):
    """The history costs the autosave one statement (the context for the trigger), sent in its
    transaction and counted with its queries."""
    client.force_login(respondent)
    with CaptureQueriesContext(connection) as save:
        assert autosave(client, response, "CHOICE", "full").status_code == 200
    statements = [query["sql"] for query in save.captured_queries]
    contexts = [i for i, sql in enumerate(statements) if "set_config('pghistory." in sql]
    # The first save of the response: the answer's INSERT and the response's started_at.
    assert [statements[i + 1].split()[0] for i in contexts] == ["INSERT", "UPDATE"]


SQLITE_SCRIPT = """
from datetime import timedelta
from django.test import Client
from django.utils import timezone
from agencies.tests.factories import DepartmentFactory, MembershipFactory
from surveys.models import AnswerVersion, Response
from surveys.tests.conftest import build_questionnaire
from surveys.tests.factories import SurveyYearFactory

now = timezone.now()
year = SurveyYearFactory(
    year=2569, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9)
)
build_questionnaire(year)
year.status = "open"
year.save()
agency = DepartmentFactory(code="ALPHA")
user = MembershipFactory(agency=agency).user
response = Response.objects.create(year=year, agency=agency)
client = Client()
client.force_login(user)
url = f"/survey/{response.pk}/questions/CHOICE/answer/"
saved = client.post(url, {"value": "full", "version": 0})
page = client.get(f"/survey/{response.pk}/history/")
versions = AnswerVersion.objects.count()
print("autosave", saved.status_code, "history", page.status_code, "versions", versions)
print("notice", "PostgreSQL" in page.content.decode())
"""


def test_the_sqlite_demo_migrates_saves_and_says_history_is_kept_on_postgresql(tmp_path):
    """`make run` uses SQLite, where pgtrigger installs no trigger: migrating, saving an answer
    (the history middleware on) and the history page all work, and the page says why it is
    empty."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dgaweb.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": "",
    }
    manage = [sys.executable, "manage.py"]
    run = {"env": env, "cwd": settings.BASE_DIR, "timeout": 300}
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, **run)
    result = subprocess.run(
        [*manage, "shell", "--command", SQLITE_SCRIPT], capture_output=True, text=True, **run
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "autosave 200 history 200 versions 0" in result.stdout
    assert "notice True" in result.stdout
