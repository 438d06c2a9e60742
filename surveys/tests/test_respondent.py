"""The respondent's pages: access, autosave, conflicts, evidence, review, submit, deadline."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Evidence, Response
from surveys.services import answer_save, evidence_add

from .conftest import PDF, PNG

HTMX = {"HTTP_HX_REQUEST": "true"}


def autosave(client, response, code, *values, version=0):
    url = reverse("surveys:autosave", args=[response.pk, code])
    return client.post(url, {"value": list(values), "version": version}, **HTMX)


def upload(client, response, code, content=PDF, name="แผนงาน.pdf"):
    url = reverse("surveys:upload", args=[response.pk, code])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, **HTMX)


def answered(response, code):
    answer = Answer.objects.filter(response=response, question__code=code).first()
    return answer.value if answer else None


def respondent_urls(response, evidence):
    """Every respondent URL, as (method, url, data)."""
    pk = response.pk
    return [
        ("get", reverse("surveys:dashboard", args=[pk]), {}),
        ("get", reverse("surveys:dimension", args=[pk, "FIRST"]), {}),
        ("get", reverse("surveys:question", args=[pk, "CHOICE"]), {}),
        ("post", reverse("surveys:autosave", args=[pk, "CHOICE"]), {"value": "full"}),
        ("post", reverse("surveys:upload", args=[pk, "REPORT"]), {}),
        ("get", reverse("surveys:review", args=[pk]), {}),
        ("post", reverse("surveys:submit", args=[pk]), {"confirm": "yes"}),
        ("get", reverse("surveys:evidence", args=[evidence.pk]), {}),
        ("post", reverse("surveys:evidence_remove", args=[evidence.pk]), {}),
    ]


@pytest.fixture
def evidence(response, questions, respondent):
    return evidence_add(
        response=response,
        question=questions["REPORT"],
        upload=SimpleUploadedFile("report.pdf", PDF),
        user=respondent,
    )


class TestAccess:
    def test_another_agency_gets_404_everywhere(self, client, response, evidence, other_respondent):
        client.force_login(other_respondent)
        for method, url, data in respondent_urls(response, evidence):
            result = getattr(client, method)(url, data)
            assert result.status_code == 404, (method, url, result.status_code)
        assert Evidence.objects.filter(pk=evidence.pk).exists()
        assert not Answer.objects.exists()
        assert Response.objects.get(pk=response.pk).status == Response.Status.IN_PROGRESS

    def test_anonymous_is_sent_to_log_in(self, client, response, evidence):
        for method, url, data in respondent_urls(response, evidence):
            result = getattr(client, method)(url, data)
            assert result.status_code == 302, url
            assert result["Location"].startswith(reverse("login")), url

    def test_anonymous_htmx_request_sends_the_page_to_log_in(self, client, response):
        result = autosave(client, response, "CHOICE", "full")
        assert result.status_code == 200
        assert result["HX-Redirect"].startswith(reverse("login"))

    def test_dga_staff_can_download_evidence_but_not_answer(
        self, client, response, evidence, dga_staff
    ):
        client.force_login(dga_staff)
        download = client.get(reverse("surveys:evidence", args=[evidence.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert autosave(client, response, "CHOICE", "full").status_code == 404

    def test_the_committee_reads_no_evidence_of_an_open_years_unsubmitted_response(
        self, client, response, evidence, committee_member
    ):
        # What the committee may read is in awards/tests/test_evidence_access.py.
        client.force_login(committee_member)
        assert client.get(reverse("surveys:evidence", args=[evidence.pk])).status_code == 404
        assert autosave(client, response, "CHOICE", "full").status_code == 404

    def test_list_of_responses_goes_straight_to_the_only_one(self, client, response, respondent):
        client.force_login(respondent)
        result = client.get(reverse("surveys:responses"))
        assert result.status_code == 302
        assert result["Location"] == reverse("surveys:dashboard", args=[response.pk])


class TestAutosave:
    def test_saves_one_answer_and_says_when(self, client, response, respondent):
        client.force_login(respondent)
        result = autosave(client, response, "CHOICE", "partial")
        assert result.status_code == 200
        assert "Saved at" in result.text or "บันทึกแล้วเมื่อ" in result.text
        assert 'id="version-CHOICE" hx-swap-oob="true"' in result.text
        answer = Answer.objects.get(response=response, question__code="CHOICE")
        assert (answer.value, answer.version, answer.updated_by) == ("partial", 1, respondent)
        response.refresh_from_db()
        assert response.started_at is not None

    def test_every_kind_is_stored_in_its_own_form(self, client, response, respondent):
        client.force_login(respondent)
        assert autosave(client, response, "CHANNELS", "web", "line", "").status_code == 200
        assert autosave(client, response, "STAFF", "1,250").status_code == 200
        assert autosave(client, response, "DIGITAL", "62.5").status_code == 200
        assert autosave(client, response, "NOTES", "  ระบบใหม่  ").status_code == 200
        assert answered(response, "CHANNELS") == ["line", "web"]
        assert answered(response, "STAFF") == "1250"
        assert answered(response, "DIGITAL") == "62.5"
        assert answered(response, "NOTES") == "ระบบใหม่"

    @pytest.mark.parametrize(
        ("code", "value", "message"),
        [
            ("CHOICE", "excellent", "excellent"),
            ("DIGITAL", "120", "100"),
            ("STAFF", "-3", "negative"),
            ("STAFF", "twelve", "number"),
            ("STAFF", "1.255", "two decimal"),
        ],
    )
    def test_a_bad_answer_is_refused_at_the_question(
        self, client, response, respondent, code, value, message
    ):
        client.force_login(respondent)
        client.cookies["django_language"] = "en"
        url = reverse("surveys:autosave", args=[response.pk, code])
        result = client.post(url, {"value": value, "version": 0}, **HTMX)
        assert result.status_code == 422
        assert f'id="status-{code}"' in result.text
        assert message in result.text
        assert not Answer.objects.exists()

    def test_two_people_on_different_questions_keep_both_answers(
        self, client, response, respondent, questions
    ):
        from agencies.tests.factories import MembershipFactory

        colleague = MembershipFactory(agency=response.agency).user
        client.force_login(respondent)
        assert autosave(client, response, "CHOICE", "full").status_code == 200
        client.force_login(colleague)
        assert autosave(client, response, "HASPLAN", "no").status_code == 200
        assert answered(response, "CHOICE") == "full"
        assert answered(response, "HASPLAN") == "no"

    def test_a_save_based_on_a_stale_value_is_refused_and_shows_the_current_one(
        self, client, response, respondent, questions
    ):
        from agencies.tests.factories import MembershipFactory

        colleague = MembershipFactory(agency=response.agency, user__email="carol@alpha.example")
        answer_save(
            response=response, question=questions["CHOICE"], raw=["full"], base_version=0,
            user=colleague.user,
        )  # fmt: skip
        client.force_login(respondent)
        client.cookies["django_language"] = "en"
        result = autosave(client, response, "CHOICE", "none", version=0)
        assert result.status_code == 409
        assert "carol@alpha.example" in result.text
        assert "Level full" in result.text
        assert answered(response, "CHOICE") == "full"
        # Replacing it on purpose, from the version now shown, is allowed.
        assert autosave(client, response, "CHOICE", "none", version=1).status_code == 200
        assert answered(response, "CHOICE") == "none"

    def test_answering_yes_reveals_the_dependent_question(self, client, response, respondent):
        client.force_login(respondent)
        page = client.get(reverse("surveys:dimension", args=[response.pk, "FIRST"]))
        assert '<div id="q-PLANKIND" class="question-placeholder" hidden>' in page.text
        result = autosave(client, response, "HASPLAN", "yes")
        assert '<section id="q-PLANKIND"' in result.text
        assert 'hx-swap-oob="true"' in result.text
        # The dependent question cannot be answered while it is hidden.
        autosave(client, response, "HASPLAN", "no", version=1)
        assert autosave(client, response, "PLANKIND", "own").status_code == 404

    def test_a_question_of_another_level_cannot_be_answered(self, client, response, respondent):
        client.force_login(respondent)
        assert autosave(client, response, "PROVINCE", "yes").status_code == 404


class TestDeadline:
    def test_after_the_closing_time_every_write_is_refused(
        self, client, response, respondent, evidence, open_year
    ):
        # Logged in just before the deadline (a session from days before would have ended).
        with time_machine.travel(open_year.closes_at - timedelta(minutes=5)):
            client.force_login(respondent)
        with time_machine.travel(open_year.closes_at + timedelta(seconds=1)):
            saved = autosave(client, response, "CHOICE", "full")
            uploaded = upload(client, response, "REPORT")
            removed = client.post(reverse("surveys:evidence_remove", args=[evidence.pk]), **HTMX)
            submitted = client.post(
                reverse("surveys:submit", args=[response.pk]), {"confirm": "yes"}
            )
            page = client.get(reverse("surveys:dimension", args=[response.pk, "FIRST"]))
        assert saved.status_code == 403
        assert "deadline has passed" in saved.text or "หมดเวลา" in saved.text
        assert uploaded.status_code == 422
        assert removed.status_code == 422
        assert submitted.status_code == 302
        assert not Answer.objects.exists()
        assert Evidence.objects.filter(response=response).count() == 1
        assert Response.objects.get(pk=response.pk).status == Response.Status.IN_PROGRESS
        assert "disabled" in page.text
        assert "evidence-upload" not in page.text

    def test_an_extended_deadline_lets_one_agency_go_on(
        self, client, response, other_response, respondent, other_respondent, open_year
    ):
        response.deadline_extended_to = open_year.closes_at + timedelta(days=3)
        response.save()
        with time_machine.travel(open_year.closes_at + timedelta(days=1)):
            client.force_login(respondent)
            assert autosave(client, response, "CHOICE", "full").status_code == 200
            client.force_login(other_respondent)
            assert autosave(client, other_response, "CHOICE", "full").status_code == 403


class TestEvidence:
    def test_upload_is_kept_under_a_server_name_with_its_sniffed_type(
        self, client, response, respondent
    ):
        client.force_login(respondent)
        result = upload(client, response, "REPORT", PNG, name="../../etc/passwd.pdf")
        assert result.status_code == 200
        evidence = Evidence.objects.get(response=response)
        assert evidence.content_type == "image/png"
        assert evidence.original_name == "passwd.pdf"
        assert evidence.file.name.startswith(f"evidence/2569/{response.agency.code}/")
        assert evidence.file.name.endswith(".png")
        assert "passwd" not in evidence.file.name
        assert "passwd.pdf" in result.text

    def test_a_file_that_only_pretends_to_be_a_pdf_is_refused(self, client, response, respondent):
        client.force_login(respondent)
        result = upload(client, response, "REPORT", b"#!/bin/sh\nrm -rf /\n", name="plan.pdf")
        assert result.status_code == 422
        assert "plan.pdf" in result.text
        assert not Evidence.objects.exists()

    def test_size_limit_is_configurable(self, client, response, respondent, settings):
        settings.EVIDENCE_MAX_BYTES = 1024 * 1024
        client.force_login(respondent)
        result = upload(client, response, "REPORT", PDF + b"0" * (1024 * 1024), name="big.pdf")
        assert result.status_code == 422
        assert "big.pdf" in result.text
        assert "1 MB" in result.text
        assert not Evidence.objects.exists()

    def test_download_keeps_the_original_name(self, client, response, respondent, evidence):
        client.force_login(respondent)
        result = client.get(reverse("surveys:evidence", args=[evidence.pk]))
        assert result.status_code == 200
        assert "report.pdf" in result["Content-Disposition"]
        assert result["Content-Type"] == "application/pdf"
        result.close()

    def test_remove(self, client, response, respondent, evidence):
        client.force_login(respondent)
        result = client.post(reverse("surveys:evidence_remove", args=[evidence.pk]), **HTMX)
        assert result.status_code == 200
        assert not Evidence.objects.exists()


def answer_everything(response, questions, user):
    values = {
        "CHOICE": ["full"], "HASPLAN": ["yes"], "PLANKIND": ["national"],
        "CHANNELS": ["web", "app"], "STAFF": ["12"], "DIGITAL": ["75"],
    }  # fmt: skip
    for code, raw in values.items():
        answer_save(response=response, question=questions[code], raw=raw, base_version=0, user=user)


class TestSubmit:
    def test_review_lists_unanswered_required_questions_with_links(
        self, client, response, respondent
    ):
        client.force_login(respondent)
        result = client.get(reverse("surveys:review", args=[response.pk]))
        dimension = reverse("surveys:dimension", args=[response.pk, "FIRST"])
        assert f'href="{dimension}#q-CHOICE"' in result.text
        assert "#q-NOTES" not in result.text  # optional
        assert "#q-PLANKIND" not in result.text  # hidden by its show-if
        assert "#q-PROVINCE" not in result.text  # for provincial units only

    def test_an_incomplete_response_is_not_submitted(self, client, response, respondent):
        client.force_login(respondent)
        result = client.post(reverse("surveys:submit", args=[response.pk]), {"confirm": "yes"})
        assert result["Location"] == reverse("surveys:review", args=[response.pk])
        assert Response.objects.get(pk=response.pk).status == Response.Status.IN_PROGRESS

    def test_yes_needs_evidence_before_submitting(self, client, response, respondent, questions):
        answer_everything(response, questions, respondent)
        client.force_login(respondent)
        review = client.get(reverse("surveys:review", args=[response.pk]))
        assert "#q-HASPLAN" in review.text
        client.post(reverse("surveys:submit", args=[response.pk]), {"confirm": "yes"})
        assert Response.objects.get(pk=response.pk).status == Response.Status.IN_PROGRESS

    def test_submit_makes_the_response_read_only(self, client, response, respondent, questions):
        answer_everything(response, questions, respondent)
        client.force_login(respondent)
        assert upload(client, response, "HASPLAN").status_code == 200
        unconfirmed = client.post(reverse("surveys:submit", args=[response.pk]))
        assert unconfirmed["Location"] == reverse("surveys:review", args=[response.pk])
        result = client.post(reverse("surveys:submit", args=[response.pk]), {"confirm": "yes"})
        assert result["Location"] == reverse("surveys:dashboard", args=[response.pk])
        response.refresh_from_db()
        assert response.status == Response.Status.SUBMITTED
        assert response.submitted_by == respondent
        assert timezone.now() - response.submitted_at < timedelta(minutes=1)
        assert autosave(client, response, "CHOICE", "none", version=1).status_code == 403
        assert upload(client, response, "REPORT").status_code == 422
        assert answered(response, "CHOICE") == "full"
        dashboard = client.get(reverse("surveys:dashboard", args=[response.pk]))
        assert respondent.email in dashboard.text


class TestQueryCounts:
    """The questionnaire page and the autosave request cost the same whatever the size."""

    def _count(self, django_assert_max_num_queries, client, response, respondent, extra):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from surveys.tests.conftest import build_questionnaire

        from .factories import SurveyYearFactory

        year = SurveyYearFactory(
            year=2570 + extra,
            opens_at=timezone.now() - timedelta(days=1),
            closes_at=timezone.now() + timedelta(days=1),
        )
        build_questionnaire(year, extra_questions=extra)
        year.status = "open"
        year.save()
        target = Response.objects.create(year=year, agency=response.agency)
        client.force_login(respondent)
        for number in range(extra):
            autosave(client, target, f"EXTRA-{number:03d}", "no")
        with CaptureQueriesContext(connection) as page:
            page_url = reverse("surveys:dimension", args=[target.pk, "SECOND"])
            assert client.get(page_url).status_code == 200
        with CaptureQueriesContext(connection) as save:
            assert autosave(client, target, "CHOICE", "full").status_code == 200
        return len(page), len(save)

    def test_pinned_at_two_sizes(self, client, response, respondent, django_assert_max_num_queries):
        small = self._count(django_assert_max_num_queries, client, response, respondent, 2)
        large = self._count(django_assert_max_num_queries, client, response, respondent, 40)
        assert small == large
        # Frozen questionnaires are cached per process, so only the response's own rows are read.
        # The autosave's 14 include the history's context before its one write (common/history.py).
        # Both include the user's agency, which surveys.change_answer compares with the response's.
        assert small == (6, 14)
