"""Two-step verification in real Chromium, in Thai, at a phone's width (390 px): DGA staff log in,
set up an authenticator by typing the key the page shows (as someone whose phone cannot scan),
keep their recovery codes, log out, and log in again with the app's next code. The codes are
computed from the key at the real time, as the app would. Screenshots in
.artifacts/screenshots/mfa-*.png are for a human look."""

import base64
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.real_mfa,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"


def app_code(secret: str, *, after_step: int | None = None) -> tuple[str, int]:
    """The six digits an authenticator app shows now for the key; if the code of `after_step`
    was used already, the next one, waiting (at most 30 s) for it to come, as a person would."""
    key = base64.b32decode(secret.replace(" ", ""))
    totp = TOTP(key)
    totp.time = time.time()
    if after_step is not None and totp.t() <= after_step:
        time.sleep((after_step + 1) * 30 - time.time() + 0.5)
        totp.time = time.time()
    return f"{totp.token():06d}", totp.t()


def snap(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"mfa-{name}.png", full_page=True)


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("อีเมล").fill(email)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_staff_set_up_an_authenticator_and_log_in_with_its_code_on_a_phone(
    browser, live_server, dga_staff
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    try:
        dashboards = reverse("results:dashboards")
        page.goto(f"{live_server.url}{dashboards}")  # not logged in: the login page first
        log_in(page, live_server, dga_staff.email)
        page.goto(f"{live_server.url}{dashboards}")

        # No authenticator yet: the set-up page, in Thai, fitting the phone.
        expect(page.locator("h1")).to_have_text("ตั้งค่าการยืนยันตัวตนสองขั้นตอน")
        expect(page.locator("svg.mfa-qr")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        snap(page, "1-setup-phone")
        secret = page.locator("#mfa-secret").inner_text()

        # A wrong code is refused, in Thai; nothing is confirmed.
        right_now = int(app_code(secret)[0])
        page.get_by_label("รหัสจากแอป").fill(f"{(right_now + 500_000) % 1_000_000:06d}")
        page.get_by_role("button", name="ยืนยัน").click()
        expect(page.locator(".invalid-feedback")).to_contain_text("รหัสไม่ถูกต้อง")
        assert not TOTPDevice.objects.filter(user=dga_staff, confirmed=True).exists()
        # django-otp's throttle makes the next try wait a second after a wrong code.
        time.sleep(1.1)

        code, used_step = app_code(secret)
        page.get_by_label("รหัสจากแอป").fill(code)
        page.get_by_role("button", name="ยืนยัน").click()

        # The recovery codes, once; then on to the page first asked for.
        expect(page.locator("h1")).to_have_text("รหัสกู้คืนของท่าน")
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        snap(page, "2-recovery-codes-phone")
        page.get_by_role("link", name="เก็บรหัสไว้แล้ว ดำเนินการต่อ").click()
        page.wait_for_url(f"{live_server.url}{dashboards}")
        assert TOTPDevice.objects.get(user=dga_staff).confirmed

        # Log out, and in again: after the password, the app's code.
        page.locator("header form[action='/accounts/logout/'] button").click()
        log_in(page, live_server, dga_staff.email)
        expect(page.locator("h1")).to_have_text("การยืนยันตัวตนสองขั้นตอน")
        snap(page, "3-verify-phone")
        code, _step = app_code(secret, after_step=used_step)
        page.get_by_label("รหัส", exact=True).fill(code)
        page.get_by_role("button", name="ยืนยัน").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}{dashboards}")
        expect(page).to_have_url(f"{live_server.url}{dashboards}")
        snap(page, "4-dashboards-phone")
    finally:
        context.close()
