"""In Chromium: a file over the size limit is refused on the page before it is sent, and a file
within it is uploaded as before."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.tests.factories import MembershipFactory
from surveys.models import Evidence, Response

from .conftest import PDF
from .test_browser import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
MB = 1024 * 1024


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    page, live_server, open_year, agency, settings
):
    settings.EVIDENCE_MAX_MB = 1
    user = MembershipFactory(agency=agency, user__email="cio@alpha.example").user
    response = Response.objects.create(year=open_year, agency=agency)
    log_in(page, live_server, user.email)
    uploads = []
    upload_url = reverse("surveys:upload", args=[response.pk, "REPORT"])
    page.on("request", lambda request: request.url.endswith(upload_url) and uploads.append(1))
    page.goto(live_server.url + reverse("surveys:dimension", args=[response.pk, "SECOND"]))

    big = {"name": "big.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * (2 * MB)}
    page.set_input_files("#file-REPORT", big)
    notice = page.locator("#too-large-REPORT")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(
        "ไฟล์นี้ใหญ่กว่า 1 MB ซึ่งเป็นขนาดสูงสุดของหนึ่งไฟล์ กรุณาเลือกไฟล์ที่เล็กลง หรือแบ่งเป็นหลายไฟล์"
    )
    assert uploads == []

    small = {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#file-REPORT", small)
    expect(page.locator("#evidence-REPORT a", has_text="plan.pdf")).to_be_visible()
    assert len(uploads) == 1
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["plan.pdf"]
