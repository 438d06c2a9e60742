"""The history page in Chromium, in Thai on a phone: versions saved through the real autosave,
status changes, names and Buddhist Era dates, nothing wider than the screen."""

import pghistory
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.tests.factories import MembershipFactory
from surveys.models import Response

from .test_browser import log_in, saved

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_history_page_in_thai_on_a_phone(page, live_server, open_year, agency, dga_staff):
    user = MembershipFactory(
        agency=agency, user__email="somchai@alpha.example", user__first_name="สมชาย",
        user__last_name="ใจดี",
    ).user  # fmt: skip
    response = Response.objects.create(year=open_year, agency=agency)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/survey/{response.pk}/dimensions/FIRST/")
    page.check("#q-CHOICE-partial")
    saved(page, "CHOICE")
    page.check("#q-CHOICE-full")
    expect(page.locator("#version-CHOICE")).to_have_value("2")  # the second save answered
    # DGA staff give it back for revision after a submission, as the admin would (with the
    # user in the history context); an .update() is recorded like any save.
    with pghistory.context(user=user.pk):
        Response.objects.filter(pk=response.pk).update(
            status="submitted", submitted_at=timezone.now()
        )
    with pghistory.context(user=dga_staff.pk):
        Response.objects.filter(pk=response.pk).update(
            status="returned", returned_reason="กรุณาแนบแผนฉบับลงนาม"
        )

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/survey/{response.pk}/dimensions/FIRST/")
    page.locator("#q-CHOICE a.history-link").click()
    expect(page.locator("h1")).to_have_text("ประวัติ")
    versions = page.locator("#h-CHOICE li")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("ระดับ full")
    expect(versions.first).to_contain_text("ปัจจุบัน")
    expect(versions.last).to_contain_text("ระดับ partial")
    expect(versions.first).to_contain_text(f"{timezone.localdate().year + 543}")
    expect(versions.first).to_contain_text("สมชาย ใจดี")
    changes = page.locator("#status-history-heading + ol li")
    expect(changes).to_have_count(2)
    expect(changes.first).to_contain_text("ส่งกลับ")
    expect(changes.first).to_contain_text(str(dga_staff))
    # A function, not a bare expression: Playwright would eval that, which the CSP refuses.
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390", timeout=5000)
