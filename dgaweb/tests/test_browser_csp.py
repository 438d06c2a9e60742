"""Every kind of page works in Chromium under the Content-Security-Policy, and breaks none of it.

Each page is opened in a tab that reports every `securitypolicyviolation` event (and Chromium's
console line for one, which also covers what a worker is refused) and every request that leaves
the site; each test then does what the page is for: the autosave saves, the evidence uploads, the
charts are drawn, htmx swaps the committee's vote and search in, the admin's forms work, ReDoc
draws the API and searches it, Swagger UI lists and opens the endpoints. A test fails on any
violation, and on any request to another site (the API documentation must not reach a CDN).

The headers themselves, on every URL pattern: dgaweb/tests/test_headers.py. Screenshots in Thai
at a laptop's (1366) and a phone's (390) width: .artifacts/screenshots/csp-*.png.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies import roles
from agencies.tests.factories import (
    DepartmentFactory,
    ProvinceFactory,
    ProvincialUnitFactory,
    UserFactory,
    user_with_role,
)
from awards.models import AwardCategory, Candidate
from awards.shortlists import shortlists_generate
from awards.tests.test_publication import award_year
from surveys.models import ScoringRun, SurveyYear
from surveys.tests.conftest import PDF, build_questionnaire
from surveys.tests.factories import ResponseFactory, SurveyYearFactory
from surveys.tests.scored import Figures, scored_year

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
PUBLISHED, VOTING, OPEN = 2567, 2568, 2569

# Runs before any script of the page: each violation goes to the test through a binding.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


@pytest.fixture
def site(agency, other_agency, respondent, committee_member, dga_staff):
    """Alpha (the respondent's agency), Bravo and the Statistics Office in three years: 2567
    published with its awards, 2568 scored with the committee voting on its top category, 2569
    open with Alpha's response."""
    chair = user_with_role(roles.AWARD_COMMITTEE, email="chair@dga.example")
    chair.groups.add(Group.objects.get(name=roles.AWARD_CHAIR))
    office = DepartmentFactory(
        code="NSO", name_th="สำนักงานสถิติแห่งชาติ", name_en="National Statistical Office"
    )
    nan = ProvincialUnitFactory(code="NSO-NAN", province=ProvinceFactory(code="TH-55"))
    award_year(
        PUBLISHED,
        {office: "92.50", agency: "88.125", other_agency: "80"},
        winners=2,
        nominee_agency=nan,
        chair=chair,
        member=committee_member,
        staff=dga_staff,
    )
    voting = scored_year(
        VOTING, {office: Figures("92.50"), agency: Figures("88"), other_agency: Figures("80")}
    )
    category = AwardCategory.objects.create(
        year=voting,
        code="TOP",
        order=1,
        name_th="คะแนนรวมสูงสุด ระดับกรม",
        name_en="Top overall score, department level",
        rule_th="หน่วยงานที่ได้คะแนนรวมสูงสุดในกลุ่ม",
        rule_en="The highest overall scores in the group",
        kind=AwardCategory.Kind.TOP_OVERALL,
        level="department",
        winners=1,
        runners_up=1,
        quorum=2,
    )
    shortlists_generate(year_id=voting.pk)
    now = timezone.now()
    open_year = SurveyYearFactory(
        year=OPEN, opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=10)
    )
    build_questionnaire(open_year)
    open_year.status = SurveyYear.Status.OPEN
    open_year.save()
    return {
        "response": ResponseFactory(year=open_year, agency=agency),
        "category": category,
        "candidate": Candidate.objects.filter(shortlist__category=category).order_by("order")[0],
        "voting": voting,
        "open": open_year,
        "superuser": UserFactory(email="root@dga.example", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def tab(browser, live_server):
    """tab(user) opens a Thai browser tab logged in as `user` (None: a visitor); the test reads
    tab.violations and tab.outside (requests to other sites). The session comes from the test
    client's login (which has passed the second step, see conftest.py)."""
    contexts = []

    def open_tab(user, *, width=1366, height=900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="th-TH", reduced_motion="reduce"
        )
        contexts.append(context)
        violations, outside = [], []
        context.expose_binding("reportCspViolation", lambda source, text: violations.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "request",
            lambda request: (
                outside.append(request.url)
                if not request.url.startswith((live_server.url, "data:", "blob:"))
                else None
            ),
        )
        page.violations, page.outside = violations, outside
        return page

    yield open_tab
    for context in contexts:
        context.close()


def visit(page, live_server, url: str):
    page.goto(f"{live_server.url}{url}")
    expect(page.locator("body")).to_be_visible()


def snap(page, name: str):
    """A Thai screenshot at the tab's width and at a phone's, for a human look."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENSHOTS / f"csp-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / f"csp-{name}-390.png", full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def obeyed(page):
    """Nothing was refused and nothing was fetched from another site."""
    assert page.violations == []
    assert page.outside == []


def charts_drawn(page) -> int:
    """Every chart canvas of the page has a Chart.js chart with data; how many there are."""
    canvases = page.locator("canvas[data-chart]")
    expect(canvases.first).to_have_attribute("data-chart-drawn", "true")
    expect(page.locator("canvas[data-chart]:not([data-chart-drawn])")).to_have_count(0)
    drawn = canvases.evaluate_all(
        "canvases => canvases.map(c => Chart.getChart(c).data.datasets[0].data.length)"
    )
    assert all(points > 0 for points in drawn)
    return len(drawn)


def test_public_pages_work_under_the_policy(site, tab, live_server):
    page = tab(None)

    visit(page, live_server, reverse("home"))
    expect(page.locator("html")).to_have_attribute("lang", "th")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Sarabun")
    snap(page, "home")
    visit(page, live_server, reverse("login"))
    expect(page.locator("input[name=username]")).to_be_visible()
    visit(page, live_server, reverse("awards:index"))
    visit(page, live_server, reverse("awards:results", args=[PUBLISHED]))
    expect(page.get_by_text("สำนักงานสถิติแห่งชาติ").first).to_be_visible()
    snap(page, "awards")
    visit(page, live_server, reverse("results:open_data"))
    expect(page.locator(f"a[href='{reverse('api:docs')}']")).to_be_visible()
    snap(page, "open-data")
    visit(page, live_server, reverse("results:dictionary"))

    obeyed(page)


def test_the_api_documentation_works_under_the_policy_without_a_cdn(site, tab, live_server):
    page = tab(None)

    # ReDoc draws the API, and its search (a worker from a blob: URL) finds an endpoint.
    visit(page, live_server, reverse("api:docs"))
    expect(page.locator("h1")).to_contain_text("dgaweb open data API")
    expect(page.get_by_text("/api/v1/years/{year}/winners/").first).to_be_attached()
    page.locator("input[placeholder='Search...']").fill("winners")
    expect(page.locator("[data-role='search:results']")).to_contain_text("winners")
    expect(page.locator("img[alt='redocly logo']")).to_have_count(0)
    snap(page, "redoc")
    # Swagger UI lists every endpoint and opens one.
    visit(page, live_server, reverse("api:swagger"))
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 7
    page.locator(".opblock-summary-path", has_text="/api/v1/years/").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    snap(page, "swagger")

    obeyed(page)


def test_the_respondents_pages_work_under_the_policy(site, tab, live_server, respondent, tmp_path):
    response = site["response"]
    page = tab(respondent)

    visit(page, live_server, reverse("home"))
    visit(page, live_server, reverse("surveys:dashboard", args=[response.pk]))
    expect(page.locator("#progress progress").first).to_have_attribute("value", "0")
    visit(page, live_server, reverse("surveys:dimension", args=[response.pk, "FIRST"]))
    page.check("#q-CHOICE-full")  # the autosave (htmx)
    expect(page.locator("#status-CHOICE .text-success")).to_be_visible()
    expect(page.locator("#q-PLANKIND")).to_be_hidden()
    page.check("#q-HASPLAN-yes")  # a show-if question appears
    expect(page.locator("#status-HASPLAN .text-success")).to_be_visible()
    expect(page.locator("#q-PLANKIND")).to_be_visible()
    snap(page, "dimension")
    visit(page, live_server, reverse("surveys:dimension", args=[response.pk, "SECOND"]))
    page.fill("#q-STAFF-input", "12")
    expect(page.locator("#status-STAFF .text-success")).to_be_visible()
    evidence = tmp_path / "แผนดิจิทัล.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("#file-REPORT", str(evidence))  # the evidence upload (htmx)
    expect(page.locator("#evidence-REPORT a", has_text="แผนดิจิทัล.pdf")).to_be_visible()
    snap(page, "evidence")
    visit(page, live_server, reverse("surveys:review", args=[response.pk]))
    assert response.answers.count() == 3
    # The account pages: the authenticator's QR code is an inline <svg>, drawn without styles.
    visit(page, live_server, reverse("mfa_setup"))
    expect(page.locator(".mfa-qr-box svg")).to_be_visible()
    assert page.locator(".mfa-qr-box svg").bounding_box()["width"] > 100

    obeyed(page)


def test_dga_staffs_dashboards_draw_their_charts_under_the_policy(
    site, tab, live_server, dga_staff, agency
):
    page = tab(dga_staff)

    visit(page, live_server, reverse("results:dashboards"))
    visit(page, live_server, reverse("results:fieldwork", args=[OPEN]))
    assert charts_drawn(page) >= 1
    visit(page, live_server, reverse("results:dashboard", args=[VOTING]))
    assert charts_drawn(page) >= 3
    snap(page, "results-dashboard")
    visit(page, live_server, reverse("results:agency", args=[PUBLISHED, agency.code]))
    assert charts_drawn(page) >= 1
    snap(page, "agency-results")

    obeyed(page)


def test_the_committees_pages_work_under_the_policy(site, tab, live_server, committee_member):
    candidate = site["candidate"]
    page = tab(committee_member)

    visit(page, live_server, reverse("awards:committee"))
    visit(page, live_server, reverse("awards:committee_year", args=[VOTING]))
    visit(page, live_server, reverse("awards:shortlist", args=[site["category"].pk]))
    block = page.locator(f"#candidate-{candidate.pk}")
    block.locator(f"#vote-{candidate.pk}-approve").check()
    block.locator(f"form[action='{reverse('awards:vote', args=[candidate.pk])}'] button").click()
    expect(block.locator("p[role=status]")).to_be_visible()  # the vote, swapped in by htmx
    assert candidate.votes.get().choice == "approve"
    snap(page, "shortlist")
    visit(page, live_server, reverse("awards:conflicts", args=[VOTING]))
    page.fill("#agency-search", "บราโว")  # the search, swapped in by htmx
    expect(page.locator("#agency-results")).to_contain_text("กรมบราโว")

    obeyed(page)


def test_the_admin_works_under_the_policy(site, tab, live_server):
    page = tab(site["superuser"])
    year = site["open"]

    visit(page, live_server, reverse("admin:index"))
    visit(page, live_server, reverse("admin:surveys_surveyyear_changelist"))
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    visit(page, live_server, reverse("admin:agencies_agency_changelist"))
    page.locator("#searchbar").fill("อัลฟา")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody input.action-select").check()  # the admin's actions script
    expect(page.locator(".action-counter")).to_contain_text("1")
    snap(page, "admin-changelist")
    # A change form, with its inlines and the admin's own scripts (collapse, date pickers).
    visit(page, live_server, reverse("admin:surveys_surveyyear_change", args=[year.pk]))
    expect(page.locator("#surveyyear_form")).to_be_visible()
    visit(
        page,
        live_server,
        reverse("admin:agencies_agency_change", args=[site["response"].agency_id]),
    )
    page.locator("input[name=name_en]").fill("Alpha Department of Digital Affairs")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    # Custom admin pages: the response rate, and scoring results (htmx in the admin).
    visit(page, live_server, reverse("admin:surveys_surveyyear_rate", args=[year.pk]))
    run = ScoringRun.objects.get(year=site["voting"])
    visit(page, live_server, reverse("admin:surveys_scoringrun_results", args=[run.pk]))
    assert page.evaluate("typeof htmx") == "object"
    # import-export's export page: its "select all" box still clears every field's box.
    visit(page, live_server, reverse("admin:agencies_ministry_export"))
    fields = page.locator(".selectable-field-export-row input[type=checkbox]")
    expect(fields.first).to_be_checked()
    page.locator("input.select-toggle").uncheck()
    assert fields.evaluate_all("boxes => boxes.filter(box => box.checked).length") == 0
    snap(page, "admin-export")

    obeyed(page)
