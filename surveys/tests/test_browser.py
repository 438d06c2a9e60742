"""A respondent completes and submits the questionnaire in Chromium; two people editing the same
question see the conflict; a failed save is kept, shown and sent again."""

import re

import pytest
from playwright.sync_api import expect

from agencies.tests.factories import MembershipFactory
from surveys.models import Answer, Evidence, Response

from .conftest import PDF

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery"


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/")


def saved(page, code):
    expect(page.locator(f"#status-{code} .text-success")).to_be_visible()


def test_a_respondent_completes_and_submits_the_questionnaire(
    page, live_server, open_year, agency, tmp_path
):
    user = MembershipFactory(agency=agency, user__email="cio@alpha.example").user
    response = Response.objects.create(year=open_year, agency=agency)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/survey/")
    expect(page.locator("h1")).to_contain_text(open_year.title_th)
    page.locator(".btn-primary", has_text=re.compile("เริ่ม|Start")).first.click()

    progress = page.locator("#progress progress").first
    expect(progress).to_have_attribute("value", "0")
    page.check("#q-CHOICE-full")
    saved(page, "CHOICE")
    expect(progress).not_to_have_attribute("value", "0")

    expect(page.locator("#q-PLANKIND")).to_be_hidden()
    page.check("#q-HASPLAN-yes")
    saved(page, "HASPLAN")
    expect(page.locator("#q-PLANKIND")).to_be_visible()
    page.check("#q-PLANKIND-national")
    saved(page, "PLANKIND")
    page.check("#q-CHANNELS-web")
    page.check("#q-CHANNELS-line")
    saved(page, "CHANNELS")
    evidence = tmp_path / "แผนดิจิทัล.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("#file-HASPLAN", str(evidence))
    expect(page.locator("#evidence-HASPLAN a", has_text="แผนดิจิทัล.pdf")).to_be_visible()

    page.locator("a.btn-primary", has_text=re.compile("ส่วนถัดไป|Next part")).click()
    page.fill("#q-STAFF-input", "12")
    saved(page, "STAFF")
    page.fill("#q-DIGITAL-input", "75.5")
    saved(page, "DIGITAL")
    page.fill("#q-NOTES-input", "กำลังย้ายระบบขึ้นคลาวด์ภาครัฐ")
    saved(page, "NOTES")

    page.goto(f"{live_server.url}/survey/{response.pk}/dimensions/FIRST/")
    expect(page.locator("#q-CHOICE-full")).to_be_checked()
    expect(page.locator("#q-PLANKIND-national")).to_be_checked()
    expect(page.locator("#q-CHANNELS-line")).to_be_checked()
    page.goto(f"{live_server.url}/survey/{response.pk}/dimensions/SECOND/")
    expect(page.locator("#q-DIGITAL-input")).to_have_value("75.5")
    expect(page.locator("#q-NOTES-input")).to_have_value("กำลังย้ายระบบขึ้นคลาวด์ภาครัฐ")

    page.goto(f"{live_server.url}/survey/{response.pk}/review/")
    page.check("#confirm")
    page.locator("form[action$='/submit/'] button").click()
    expect(page.locator(".status-badge")).to_have_class(re.compile("status-submitted"))
    page.goto(f"{live_server.url}/survey/{response.pk}/dimensions/FIRST/")
    expect(page.locator("#q-CHOICE-full")).to_be_disabled()
    expect(page.locator("form.evidence-upload")).to_have_count(0)

    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_by == user
    assert Answer.objects.get(response=response, question__code="NOTES").value == (
        "กำลังย้ายระบบขึ้นคลาวด์ภาครัฐ"
    )
    assert Evidence.objects.get(response=response).original_name == "แผนดิจิทัล.pdf"


def test_two_people_on_the_same_question_get_the_conflict_message(
    browser, live_server, open_year, agency
):
    first = MembershipFactory(agency=agency, user__email="first@alpha.example").user
    second = MembershipFactory(agency=agency, user__email="second@alpha.example").user
    response = Response.objects.create(year=open_year, agency=agency)
    url = f"{live_server.url}/survey/{response.pk}/dimensions/FIRST/"
    pages = []
    for user in (first, second):
        context = browser.new_context()
        page = context.new_page()
        log_in(page, live_server, user.email)
        page.goto(url)
        pages.append(page)
    mine, theirs = pages

    mine.check("#q-CHOICE-full")
    saved(mine, "CHOICE")
    theirs.check("#q-CHOICE-none")
    conflict = theirs.locator("#status-CHOICE .alert-warning")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".current-value")).to_have_text("ระดับ full")
    expect(conflict).to_contain_text("first@alpha.example")
    assert Answer.objects.get(response=response, question__code="CHOICE").value == "full"

    # Choosing to replace it, knowingly, goes through.
    conflict.locator("button.btn-primary").click()
    saved(theirs, "CHOICE")
    assert Answer.objects.get(response=response, question__code="CHOICE").value == "none"
    theirs.screenshot(path=".artifacts/screenshots/conflict.png", full_page=True)
    for page in pages:
        page.context.close()


def test_a_failed_save_is_kept_shown_and_sent_again(page, live_server, open_year, agency):
    user = MembershipFactory(agency=agency, user__email="cio@alpha.example").user
    response = Response.objects.create(year=open_year, agency=agency)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/survey/{response.pk}/dimensions/FIRST/")
    failures = []

    def drop_first(route):
        if not failures:
            failures.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r".*/questions/CHOICE/answer/$"), drop_first)
    page.check("#q-CHOICE-partial")
    expect(page.locator("#status-CHOICE")).to_have_class(re.compile("text-danger"))
    expect(page.locator("#q-CHOICE-partial")).to_be_checked()
    saved(page, "CHOICE")
    assert len(failures) == 1
    assert Answer.objects.get(response=response, question__code="CHOICE").value == "partial"
