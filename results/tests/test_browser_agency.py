"""An agency's results page in Chromium: its staff log in through the login page, open their
results from /results/, and find the comparison chart and the history line drawn with the
dimensions and years of the scoring run."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from results.models import Recommendation
from surveys.models import Dimension

from .conftest import PASSWORD, PREVIOUS, YEAR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOT = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"


def chart_labels(page, name):
    return page.evaluate(
        "name => Chart.getChart(document.querySelector(`canvas[data-chart='chart-${name}']`))"
        ".data.labels",
        name,
    )


def test_agency_staff_see_their_results_drawn(browser, live_server, published, member_of):
    a = published.a
    Recommendation.objects.create(
        year=published.year,
        scope="award_group",
        key="service",
        text_th="ควรเพิ่มช่องทางบริการดิจิทัลให้ประชาชนเข้าถึงได้ง่าย",
        text_en="Offer more of the services online, and make them easy to find.",
    )
    user = member_of(a)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        page.locator(".language-switcher button[value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

        page.goto(f"{live_server.url}{reverse('results:index')}")
        page.locator(f"a[href='{reverse('results:agency', args=[YEAR, a.code])}']").click()

        comparison = page.locator("canvas[data-chart='chart-comparison']")
        expect(comparison).to_have_attribute("data-chart-drawn", "true")
        dimensions = list(
            Dimension.objects.filter(year=published.year)
            .order_by("order", "code")
            .values_list("name_en", flat=True)
        )
        assert chart_labels(page, "comparison") == ["Overall score", *dimensions]
        datasets = page.evaluate(
            '() => Chart.getChart(document.querySelector("canvas[data-chart=chart-comparison]"))'
            ".data.datasets.map(d => [d.label, d.data])"
        )
        assert datasets[0] == [a.code, [80, 70, 90]]
        assert [label for label, _data in datasets[1:]] == [
            "All agencies",
            published.m1.name_en,
            "Service-providing",
        ]
        expect(page.locator("canvas[data-chart='chart-history']")).to_have_attribute(
            "data-chart-drawn", "true"
        )
        assert chart_labels(page, "history") == [str(PREVIOUS - 543), str(YEAR - 543)]
        expect(page.locator("#overall-score")).to_have_text("80.00")
        expect(page.locator("#download-report")).to_be_visible()
        expect(page.get_by_text("Offer more of the services online")).to_be_visible()

        SCREENSHOT.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(600)  # the bars' animation
        page.screenshot(path=SCREENSHOT / "results-agency.png", full_page=True)
    finally:
        context.close()
