"""DGA staff's dashboards in Chromium: the charts are drawn with the labels and numbers of the
scoring engine's aggregates, and the fieldwork figures refresh through htmx after 30 seconds
without reloading the page. Screenshots of both are kept for a human look."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from agencies.models import Agency
from agencies.tests.factories import (
    DepartmentFactory,
    MinistryFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    ProvincialUnitTypeFactory,
)
from dgaweb.tests.mfa import pass_mfa_in_browser, recovery_code_for
from results.dashboards import BIN_LABELS
from surveys.models import GroupDimensionScore, GroupScore, Response, SurveyYear
from surveys.tests.factories import SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

from .conftest import PASSWORD, PREVIOUS, YEAR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
LEVELS = ["department", "provincial_unit"]
PROVINCES = ["เชียงใหม่", "ลำพูน", "ระนอง", "เพชรบูรณ์", "อุตรดิตถ์", "ร้อยเอ็ด"]


@pytest.fixture
def staff_page(browser, live_server, dga_staff):
    """DGA staff logged in through the login page, in a context that prefers reduced motion (the
    charts are drawn at once, without animation)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="th-TH", reduced_motion="reduce"
    )
    page = context.new_page()
    code = recovery_code_for(dga_staff)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", dga_staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    pass_mfa_in_browser(page, code)
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


@pytest.fixture
def scored_years(db):
    """2567 and 2568 of 12 departments in 3 ministries and 18 provincial units in 6 provinces,
    2568 scored but not published."""
    ministries = [MinistryFactory() for _ in range(3)]
    departments = [
        DepartmentFactory(ministry=ministries[i % 3], award_group="service" if i % 4 else "policy")
        for i in range(12)
    ]
    unit_types = [ProvincialUnitTypeFactory(parent_department=departments[t]) for t in range(3)]
    provinces = [ProvinceFactory(name_th=f"จังหวัด{name}") for name in PROVINCES]
    units = [
        ProvincialUnitFactory(province=province, unit_type=unit_type)
        for province in provinces
        for unit_type in unit_types
    ]
    agencies = departments + units
    previous = {a: Figures(str(30 + (i * 7) % 55)) for i, a in enumerate(agencies)}
    # Overall 35 to 89; SERVICE up to 10 points either side of it (POLICY the other way).
    current = {
        a: Figures(
            str(35 + (i * 11) % 55),
            previous=previous[a].overall,
            service=str(35 + (i * 11) % 55 + (i * 13) % 21 - 10),
        )
        for i, a in enumerate(agencies)
    }
    scored_year(PREVIOUS, previous, status=SurveyYear.Status.PUBLISHED)
    return scored_year(YEAR, current)


def drawn(page, name: str) -> dict:
    """The labels and first dataset Chart.js drew on the canvas `name`."""
    canvas = page.locator(f'canvas[data-chart="chart-{name}"]')
    expect(canvas).to_have_attribute("data-chart-drawn", "true")
    return canvas.evaluate(
        "canvas => { const chart = Chart.getChart(canvas);"
        " return {labels: chart.data.labels, data: chart.data.datasets[0].data,"
        " type: chart.config.type, axis: chart.options.indexAxis}; }"
    )


def groups(scope: str) -> list[GroupScore]:
    return list(
        GroupScore.objects.filter(run__year__year=YEAR, run__is_current=True, scope=scope)
        .prefetch_related("dimensions__dimension")
        .order_by("rank", "key")
    )


def test_results_dashboard_draws_its_charts(staff_page, live_server, scored_years):
    page = staff_page
    page.goto(f"{live_server.url}{reverse('results:dashboard', args=[YEAR])}")

    expect(page.locator("#not-published")).to_be_visible()
    provinces = groups("province")
    province_chart = drawn(page, "provinces")
    assert province_chart["labels"] == [g.name_th for g in provinces]
    assert province_chart["data"] == [float(round(g.overall_mean, 2)) for g in provinces]
    assert province_chart["axis"] == "y"
    assert len(provinces) == 6

    (national,) = groups("national")
    means = GroupDimensionScore.objects.filter(group=national).order_by("rank")
    dimension_chart = drawn(page, "dimensions-national-all")
    assert dimension_chart["labels"] == [m.dimension.name_th for m in means]
    assert dimension_chart["data"] == sorted(dimension_chart["data"], reverse=True)

    for level in groups("level"):
        histogram = drawn(page, f"histogram-{level.key}")
        assert histogram["labels"] == BIN_LABELS
        assert sum(histogram["data"]) == level.agencies

    changes = drawn(page, "changes")
    assert changes["labels"][0] == national.name_th
    assert changes["data"][0] == float(round(national.overall_mean - national.previous_mean, 2))
    expect(page.locator("canvas[data-chart]:not([data-chart-drawn])")).to_have_count(0)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "results-dashboard.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the page still fits
    # The charts follow the new width once their resize observers run.
    # A function, not a bare expression: Playwright would eval that, which the CSP refuses.
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390", timeout=5000)
    page.screenshot(path=SCREENSHOTS / "results-dashboard-phone.png", full_page=True)


def test_fieldwork_dashboard_draws_its_charts_and_refreshes_without_reloading(
    staff_page, live_server, db
):
    year = SurveyYearFactory(year=2569, status=SurveyYear.Status.OPEN)
    ministry = MinistryFactory()
    departments = [DepartmentFactory(ministry=ministry) for _ in range(6)]
    units = [
        ProvincialUnitFactory(province=ProvinceFactory(name_th=f"จังหวัด{name}"))
        for name in PROVINCES
    ]
    now = timezone.now()
    for position, agency in enumerate(departments + units):
        Response.objects.create(
            year=year,
            agency=agency,
            started_at=now if position % 3 else None,
            status="submitted" if position % 4 == 1 else "in_progress",
            submitted_at=now if position % 4 == 1 else None,
        )
    page = staff_page
    page.clock.install()  # htmx's "every 30s" runs on the page's clock, which the test moves
    page.goto(f"{live_server.url}{reverse('results:fieldwork', args=[2569])}")

    expect(page.locator("#figure-invited")).to_have_text("12")
    expect(page.locator("#figure-submitted")).to_have_text("3")
    levels = drawn(page, "levels")
    with translation.override("th"):
        assert levels["labels"] == [str(Agency.Level(key).label) for key in LEVELS]
    assert levels["data"] == [6, 6]  # invited per level
    assert sorted(drawn(page, "provinces")["labels"]) == sorted(
        f"{agency.province.code} จังหวัด{name}" for agency, name in zip(units, PROVINCES, strict=True)
    )
    expect(page.locator("#chase-table tbody tr")).to_have_count(9)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "fieldwork-dashboard.png", full_page=True)

    # An agency submits; 30 seconds later the figures, chart and list follow, in the same page.
    page.evaluate("window.notReloaded = true")
    chased = Response.objects.filter(year=year).exclude(status="submitted").first()
    chased.status, chased.submitted_at = "submitted", timezone.now()
    chased.save()
    page.clock.run_for(31_000)

    expect(page.locator("#figure-submitted")).to_have_text("4")
    expect(page.locator("#chase-table tbody tr")).to_have_count(8)
    assert drawn(page, "levels")["data"] == [6, 6]
    submitted = page.locator('canvas[data-chart="chart-levels"]').evaluate(
        "canvas => Chart.getChart(canvas).data.datasets[2].data"
    )
    assert sum(submitted) == 4
    assert page.evaluate("window.notReloaded") is True
