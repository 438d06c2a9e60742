"""The home page in real Chromium: Thai first, the Thai webfont, logging in, fine on a phone."""

import pytest

from agencies.tests.factories import MembershipFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url)
    page.get_by_role("link", name="เข้าสู่ระบบ").first.click()
    page.get_by_label("อีเมล").fill(email)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


def test_respondent_logs_in_and_sees_their_agency_in_thai(page, live_server, agency):
    MembershipFactory(agency=agency, user__email="somchai@alpha.example")

    log_in(page, live_server, "somchai@alpha.example", "correct horse battery")

    assert page.locator("html").get_attribute("lang") == "th"
    assert page.get_by_role("heading", name="หน่วยงานของคุณ").is_visible()
    assert page.get_by_text("กรมอัลฟา").is_visible()


def test_pages_are_set_in_the_sarabun_webfont(page, live_server, db):
    page.goto(live_server.url)
    page.evaluate("document.fonts.ready.then(() => true)")

    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any("Sarabun" in family for family in loaded)
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Sarabun")


def test_language_switcher_turns_the_page_into_english(page, live_server, db):
    page.goto(live_server.url)

    page.get_by_role("button", name="English").click()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Log in").first.is_visible()


def test_home_page_fits_a_phone_screen(browser, live_server, db):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(live_server.url)

    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    context.close()
    assert overflow <= 0
