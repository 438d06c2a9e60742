"""DGA staff in the admin: opening a year, the frozen questionnaire, copying, the response list
and rate, invitations, reminders, returns and deadline extensions."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.tests.factories import DepartmentFactory, MembershipFactory, ProvincialUnitFactory
from surveys.models import Question, Response, SurveyYear
from surveys.selectors import RateRow, response_rate
from surveys.services import answer_save

from .conftest import build_questionnaire
from .factories import ResponseFactory, SurveyYearFactory


@pytest.fixture
def staff_client(client, dga_staff):
    client.force_login(dga_staff)
    client.cookies["django_language"] = "en"
    return client


def run_action(client, url, action, objects, **data):
    return client.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data}, follow=True
    )


def page_messages(result) -> list[str]:
    return [str(message) for message in result.context["messages"]]


class TestOpeningAndFreezing:
    def test_a_year_whose_weights_do_not_add_up_to_100_does_not_open(self, staff_client):
        year = SurveyYearFactory(year=2570)
        questions = build_questionnaire(year)
        questions["CHOICE"].dimension.weight = Decimal("55.5")
        questions["CHOICE"].dimension.save()
        url = reverse("admin:surveys_surveyyear_changelist")
        result = run_action(staff_client, url, "open_years", [year])
        assert any("add up to 95.5, not 100" in m for m in page_messages(result))
        assert SurveyYear.objects.get(pk=year.pk).status == SurveyYear.Status.DRAFT

    def test_a_complete_year_opens(self, staff_client):
        year = SurveyYearFactory(year=2570)
        build_questionnaire(year)
        url = reverse("admin:surveys_surveyyear_changelist")
        result = run_action(staff_client, url, "open_years", [year])
        assert "2570 is open." in page_messages(result)
        assert SurveyYear.objects.get(pk=year.pk).status == SurveyYear.Status.OPEN

    def test_editing_a_question_of_an_open_year_is_refused_with_a_clear_message(
        self, staff_client, open_year, questions
    ):
        question = questions["CHOICE"]
        url = reverse("admin:surveys_question_change", args=[question.pk])
        form = {
            "year": open_year.pk, "dimension": question.dimension_id, "code": "CHOICE",
            "order": 1, "kind": "single_choice", "required": "on", "levels": ["department"],
            "text_th": "แก้ไข", "text_en": "Changed", "max_points": "10",
            "options-TOTAL_FORMS": 0, "options-INITIAL_FORMS": 0,
            "bands-TOTAL_FORMS": 0, "bands-INITIAL_FORMS": 0,
        }  # fmt: skip
        result = staff_client.post(url, form)
        assert result.status_code == 200
        assert "is frozen because the year is open" in result.text
        assert Question.objects.get(pk=question.pk).text_en != "Changed"

    def test_the_open_year_page_shows_its_questionnaire_read_only(self, staff_client, open_year):
        result = staff_client.get(reverse("admin:surveys_surveyyear_change", args=[open_year.pk]))
        assert result.status_code == 200
        assert "is frozen" in result.text
        assert 'name="dimensions-0-weight"' not in result.text

    def test_copy_into_a_new_draft_year(self, staff_client, open_year):
        url = reverse("admin:surveys_surveyyear_copy", args=[open_year.pk])
        result = staff_client.post(
            url,
            {
                "year": 2570,
                "title_th": "ปี 2570",
                "title_en": "2027",
                "opens_at": "2027-05-15 08:30",
                "closes_at": "2027-06-30 16:30",
            },
        )
        assert result.status_code == 302
        copy = SurveyYear.objects.get(year=2570)
        assert copy.status == SurveyYear.Status.DRAFT
        assert copy.questions.count() == open_year.questions.count()
        dependent = copy.questions.get(code="PLANKIND")
        assert dependent.show_if_question.year == copy
        assert dependent.show_if_question.code == "HASPLAN"
        assert copy.questions.get(code="CHOICE").options.count() == 3


class TestResponses:
    def test_list_filters_and_fixed_query_count(self, staff_client, open_year, agency):
        url = reverse("admin:surveys_response_changelist")

        def count(extra):
            for _ in range(extra):
                ResponseFactory(year=open_year, agency=ProvincialUnitFactory())
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(url, {"year__id__exact": open_year.pk}).status_code == 200
            return len(queries)

        ResponseFactory(year=open_year, agency=agency)
        assert count(3) == count(30)
        submitted = staff_client.get(url, {"status__exact": "submitted"})
        assert submitted.context["cl"].result_count == 0
        by_level = staff_client.get(url, {"agency__level__exact": "provincial_unit"})
        assert by_level.context["cl"].result_count == 33
        ministry = agency.ministry.code
        by_ministry = staff_client.get(url, {"ministry": ministry})
        assert by_ministry.context["cl"].result_count == 1

    def test_response_rate_matches_the_data(self, staff_client, open_year, questions):
        responses = [ResponseFactory(year=open_year) for _ in range(3)]
        answer_save(response=responses[0], question=questions["CHOICE"], raw=["full"],
                    base_version=0, user=None)  # fmt: skip
        Response.objects.filter(pk=responses[1].pk).update(
            status="submitted", submitted_at=timezone.now(), started_at=timezone.now()
        )
        rate = response_rate(open_year)
        overall = rate["overall"][0]
        assert (overall.invited, overall.started, overall.submitted) == (3, 2, 1)
        assert overall.percent == Decimal("33.33")
        assert sum(row.invited for row in rate["ministry"]) == 3
        page = staff_client.get(reverse("admin:surveys_surveyyear_rate", args=[open_year.pk]))
        assert "<strong>1</strong> of <strong>3</strong>" in page.text
        assert "33.33" in page.text

    def test_the_published_2564_figure(self):
        assert RateRow(label="", invited=1922, started=1900, submitted=1852).percent == Decimal(
            "96.36"
        )

    def test_reminders_go_to_agencies_that_have_not_submitted(
        self, staff_client, open_year, agency, respondent, other_agency, other_respondent
    ):
        pending = ResponseFactory(year=open_year, agency=agency)
        done = ResponseFactory(
            year=open_year, agency=other_agency, status="submitted", submitted_at=timezone.now()
        )
        url = reverse("admin:surveys_response_changelist")
        result = run_action(staff_client, url, "send_reminders", [pending, done])
        assert "1 e-mail sent." in page_messages(result)
        assert [message.to for message in mail.outbox] == [[respondent.email]]
        assert reverse("surveys:dashboard", args=[pending.pk]) in mail.outbox[0].body
        pending.refresh_from_db()
        done.refresh_from_db()
        assert pending.last_reminded_at is not None
        assert done.last_reminded_at is None

    def test_return_for_revision_with_a_reason_the_agency_sees(
        self, staff_client, client, open_year, agency, respondent
    ):
        response = ResponseFactory(
            year=open_year, agency=agency, status="submitted", submitted_at=timezone.now()
        )
        url = reverse("admin:surveys_response_changelist")
        form = run_action(staff_client, url, "return_for_revision", [response])
        assert "Reason, shown to the agency" in form.text
        reason = "กรุณาแนบหลักฐานแผนดิจิทัลฉบับลงนาม"
        run_action(staff_client, url, "return_for_revision", [response], reason=reason)
        response.refresh_from_db()
        assert response.status == Response.Status.RETURNED
        assert response.is_editable()
        client.force_login(respondent)
        dashboard = client.get(reverse("surveys:dashboard", args=[response.pk]))
        assert reason in dashboard.text

    def test_extend_the_deadline_of_one_agency(self, staff_client, open_year, agency):
        response = ResponseFactory(year=open_year, agency=agency)
        later = timezone.localtime(open_year.closes_at + timedelta(days=7)).replace(microsecond=0)
        url = reverse("admin:surveys_response_change", args=[response.pk])
        result = staff_client.post(
            url,
            {
                "deadline_extended_to_0": later.strftime("%Y-%m-%d"),
                "deadline_extended_to_1": later.strftime("%H:%M:%S"),
            },
        )
        assert result.status_code == 302
        response.refresh_from_db()
        assert response.deadline == later


class TestInvitations:
    def test_invite_agencies_from_the_agency_list_with_a_one_time_link(
        self, staff_client, client, open_year
    ):
        invited = DepartmentFactory(code="INV")
        person = MembershipFactory(agency=invited, user__email="cio@inv.example").user
        person.set_unusable_password()
        person.save()
        url = reverse("admin:agencies_agency_changelist")
        result = run_action(
            staff_client, url, "invite_agencies", [invited], year=open_year.pk, send_emails="on"
        )
        assert "1 agencies invited to 2569 (0 were already invited)." in page_messages(result)
        response = Response.objects.get(year=open_year, agency=invited)
        (message,) = mail.outbox
        assert message.to == ["cio@inv.example"]
        assert "2569" in message.subject
        link = re.search(r"http://\S+/accounts/set-password/\S+/", message.body).group(0)
        path = link.split("8000", 1)[1]

        form = client.get(path, follow=True)
        assert form.status_code == 200
        set_url = form.redirect_chain[-1][0]
        done = client.post(
            set_url, {"new_password1": "ข้าวมันไก่-2569", "new_password2": "ข้าวมันไก่-2569"}
        )
        assert done.status_code == 302
        assert client.get(reverse("surveys:responses"))["Location"] == reverse(
            "surveys:dashboard", args=[response.pk]
        )
        client.logout()
        assert client.login(username="cio@inv.example", password="ข้าวมันไก่-2569")
        client.logout()
        reused = client.get(path, follow=True)
        assert reused.context["validlink"] is False

    def test_inviting_twice_keeps_one_response(self, open_year, agency):
        from surveys.invitations import invitations_create

        invitations_create(year=open_year, agencies=[agency])
        summary = invitations_create(year=open_year, agencies=[agency])
        assert summary.created == 0
        assert Response.objects.filter(year=open_year, agency=agency).count() == 1

    def test_password_reset_by_email(self, client, respondent):
        result = client.post(reverse("password_reset"), {"email": respondent.email})
        assert result.status_code == 302
        (message,) = mail.outbox
        assert "/accounts/password-reset/" in message.body


class TestAdminAccess:
    def test_respondents_and_visitors_are_kept_out_of_the_admin(
        self, client, respondent, open_year
    ):
        urls = [
            reverse("admin:surveys_response_changelist"),
            reverse("admin:surveys_surveyyear_rate", args=[open_year.pk]),
            reverse("admin:surveys_surveyyear_copy", args=[open_year.pk]),
        ]
        for url in urls:
            assert client.get(url)["Location"].startswith(reverse("admin:login"))
        client.force_login(respondent)
        for url in urls:
            assert client.get(url)["Location"].startswith(reverse("admin:login"))


class TestInviteFromAList:
    def _upload(self, client, year, content):
        from django.core.files.uploadedfile import SimpleUploadedFile

        url = reverse("admin:surveys_surveyyear_invite", args=[year.pk])
        return client.post(url, {"file": SimpleUploadedFile("list.csv", content.encode())})

    def test_every_listed_agency_is_invited_once(self, staff_client, open_year, agency):
        DepartmentFactory(code="SECOND")
        result = self._upload(staff_client, open_year, "code,name\nALPHA,x\nSECOND,y\nALPHA,z\n")
        assert result.status_code == 302
        invited = Response.objects.filter(year=open_year).values_list("agency__code", flat=True)
        assert sorted(invited) == ["ALPHA", "SECOND"]

    def test_a_list_with_bad_rows_invites_nobody_and_names_every_bad_row(
        self, staff_client, open_year, agency
    ):
        result = self._upload(staff_client, open_year, "code,name\nALPHA,a\nNOPE,b\n,c\nGONE,d\n")
        assert result.status_code == 200
        assert "row 2, column code: unknown agency code “NOPE”" in result.text
        assert "row 3, column code: the agency code is missing" in result.text
        assert "row 4, column code: unknown agency code “GONE”" in result.text
        assert not Response.objects.exists()
