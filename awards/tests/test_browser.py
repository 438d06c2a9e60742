"""The awards from end to end in Chromium: a committee member votes on a shortlist, the chair votes
and finalises, DGA staff publish the year in the admin, and a visitor reads the winner and opens
the certificate. Each person has a browser context of their own and logs in through the real
login page; the pages are found by ids, hrefs and data, which do not depend on the translations."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.tests.factories import DepartmentFactory
from awards.models import AwardCategory, Candidate, Vote
from awards.shortlists import shortlists_generate
from surveys.models import SurveyYear
from surveys.tests.scored import Figures, scored_year

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct horse battery"
YEAR = 2568  # 2025
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"


def snap(page, name):
    """Keep a screenshot of a step for a human look, next to the page fixture's."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"awards-flow-{name}.png", full_page=True)


@pytest.fixture
def person(browser, live_server):
    """A browser context of one's own, logged in through the site's login page unless `email` is
    None; closed at the end of the test, also when it fails (the live server's connections then
    go, and the test database can be dropped)."""
    contexts = []

    def open_page(email):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        if email is None:
            return page
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def in_english(page):
    page.locator(".language-switcher button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def vote(page, candidate, choice, comment=""):
    """Vote in the candidate's block (htmx) and wait for the block that says it is saved."""
    block = page.locator(f"#candidate-{candidate.pk}")
    block.locator(f"#vote-{candidate.pk}-{choice}").check()
    if comment:
        block.locator(f"#vote-{candidate.pk}-comment").fill(comment)
    block.locator(f"form[action='{reverse('awards:vote', args=[candidate.pk])}'] button").click()
    expect(block.locator("p[role=status]")).to_be_visible()
    expect(block.locator(f"#vote-{candidate.pk}-{choice}")).to_be_checked()
    return block


@pytest.fixture
def top_category(agency, other_agency):
    """NSO first (92.50) and the proposed winner, Alpha second (88) and the runner-up, Bravo
    third (80) and off the shortlist; one winner, one runner-up, a quorum of two votes."""
    statistics_office = DepartmentFactory(
        code="NSO", name_th="สำนักงานสถิติแห่งชาติ", name_en="National Statistical Office"
    )
    year = scored_year(
        YEAR,
        {statistics_office: Figures("92.50"), agency: Figures("88"), other_agency: Figures("80")},
    )
    category = AwardCategory.objects.create(
        year=year,
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
    shortlists_generate(year_id=year.pk)
    return category


def test_a_member_votes_the_chair_finalises_dga_publishes_and_the_public_sees_the_winner(
    page, person, live_server, top_category, committee_member, chair, dga_staff
):
    category = top_category
    year = category.year
    proposed, runner_up = Candidate.objects.filter(
        shortlist__category=category, shortlist__is_current=True
    ).order_by("order")
    assert (proposed.standing, runner_up.standing) == ("proposed", "runner_up")
    assert proposed.agency.code == "NSO"
    shortlist_url = f"{live_server.url}{reverse('awards:shortlist', args=[category.pk])}"

    # 1. A committee member, in Thai, goes from the home page to the shortlist and votes.
    member = person(committee_member.email)
    expect(member.locator("html")).to_have_attribute("lang", "th")
    member.locator(f"main a[href='{reverse('awards:committee')}']").click()
    member.locator(f"main a[href='{reverse('awards:committee_year', args=[YEAR])}']").click()
    member.get_by_role("link", name=category.name_th).click()
    member.wait_for_url(shortlist_url)
    expect(member.locator("h1")).to_have_text(category.name_th)
    expect(member.locator(f"#candidate-{proposed.pk}-name")).to_have_text(proposed.agency.name_th)
    expect(member.locator("main article")).to_have_count(2)  # Bravo is off the shortlist
    expect(member.locator("#finalise-heading")).to_have_count(0)  # only the chair finalises

    block = vote(member, proposed, "approve", "ข้อมูลครบถ้วน คะแนนสูงสุดของกลุ่ม")
    expect(block.locator("ul q")).to_have_text("ข้อมูลครบถ้วน คะแนนสูงสุดของกลุ่ม")
    expect(block.locator("ul .badge.text-bg-success")).to_have_count(1)
    vote(member, runner_up, "abstain")
    snap(member, "1-member-voted")
    assert sorted(
        Vote.objects.filter(member=committee_member).values_list(
            "candidate_id", "choice", "comment"
        )
    ) == sorted(
        [
            (proposed.pk, "approve", "ข้อมูลครบถ้วน คะแนนสูงสุดของกลุ่ม"),
            (runner_up.pk, "abstain", ""),
        ]
    )
    # The member sees the votes recorded, after a reload too.
    member.reload()
    expect(member.locator(f"#vote-{proposed.pk}-approve")).to_be_checked()
    expect(member.locator(f"#vote-{proposed.pk}-comment")).to_have_value(
        "ข้อมูลครบถ้วน คะแนนสูงสุดของกลุ่ม"
    )

    # 2. The chair, in English, votes to reach the quorum and finalises with the proposed winner.
    chair_page = person(chair.email)
    in_english(chair_page)
    chair_page.get_by_role("link", name="Open the shortlists").click()
    chair_page.get_by_role("link", name=re.compile("Digital Government Awards 2025")).click()
    chair_page.get_by_role("link", name=category.name_en).click()
    chair_page.wait_for_url(shortlist_url)
    finalise = chair_page.locator("section[aria-labelledby=finalise-heading]")
    expect(finalise.get_by_role("status")).to_contain_text("quorum of 2 votes")
    vote(chair_page, proposed, "approve")
    block = vote(chair_page, runner_up, "reject", "Second place is not an award this year.")
    expect(block).to_contain_text("0 approve · 1 reject · 1 abstain")
    expect(block.get_by_text("Quorum met")).to_be_visible()

    chair_page.reload()  # the decision form counts the votes as the page was loaded
    expect(finalise.get_by_role("status")).to_have_count(0)
    expect(finalise.locator("tbody tr")).to_have_count(2)
    expect(finalise.get_by_label(proposed.agency.name_en)).to_be_checked()
    expect(finalise.get_by_label(runner_up.agency.name_en)).not_to_be_checked()
    snap(chair_page, "2-chair-before-finalising")
    finalise.get_by_role("button", name="Finalise the category").click()

    chair_page.wait_for_url(shortlist_url)
    expect(chair_page.locator(".alert-success[role=status]").first).to_contain_text(
        f"“{category.name_en}” is finalised."
    )
    expect(
        chair_page.get_by_text(re.compile("Finalised on .* by chair@dga.example"))
    ).to_be_visible()
    expect(chair_page.locator("#finalise-heading")).to_have_count(0)
    expect(chair_page.locator("form[action*='/vote/']")).to_have_count(0)  # read-only now
    winner_block = chair_page.locator(f"#candidate-{proposed.pk}")
    expect(winner_block).to_have_class(re.compile("border-success"))
    expect(winner_block.locator(".badge.text-bg-success", has_text="Winner")).to_be_visible()
    expect(chair_page.locator(f"#candidate-{runner_up.pk}")).to_contain_text("Not chosen")
    snap(chair_page, "2-chair-finalised")
    category.refresh_from_db()
    assert category.status == AwardCategory.Status.FINALISED
    assert category.finalised_by == chair
    assert list(
        Candidate.objects.filter(shortlist__category=category).values_list("pk", "is_winner")
    ) == [(proposed.pk, True), (runner_up.pk, False)]

    # Not published yet: the public does not see the year.
    results_url = f"{live_server.url}{reverse('awards:results', args=[YEAR])}"
    assert page.goto(results_url).status == 404

    # 3. DGA staff publish the year from the category list in the admin (the only year: Django
    # shows no year filter, and the list offers that year's buttons).
    staff = person(None)
    staff.goto(f"{live_server.url}/")
    in_english(staff)
    staff.goto(f"{live_server.url}{reverse('admin:index')}")
    staff.fill("#id_username", dga_staff.email)
    staff.fill("#id_password", PASSWORD)
    staff.locator("#login-form [type=submit]").click()
    staff.locator(f"a[href='{reverse('admin:awards_awardcategory_changelist')}']").first.click()
    expect(staff.locator("#result_list tbody tr")).to_have_count(1)
    staff.get_by_role("link", name=f"Publish results of {YEAR}").click()
    publish_url = reverse("admin:awards_awardcategory_publish", args=[year.pk])
    staff.wait_for_url(f"{live_server.url}{publish_url}")
    expect(staff.locator("#content .errornote")).to_have_count(0)  # every category finalised
    expect(staff.locator("#content table")).to_contain_text(category.name_en)
    snap(staff, "3-staff-confirm")
    staff.get_by_role("button", name="Yes, publish").click()
    expect(staff.locator(".messagelist .success")).to_have_text(
        f"The awards of {YEAR} are published."
    )
    year.refresh_from_db()
    assert year.published_by == dga_staff
    assert year.status == SurveyYear.Status.PUBLISHED

    # 4. A visitor, in Thai, finds the year and reads the winner; the certificate is a PDF.
    page.goto(f"{live_server.url}/")
    page.locator(f"main a[href='{reverse('awards:index')}']").click()
    page.locator(f"main a[href='{reverse('awards:results', args=[YEAR])}']").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    section = page.locator(f"#category-{category.code}")
    expect(section.get_by_role("heading", level=2)).to_have_text(category.name_th)
    expect(section.get_by_role("rowheader")).to_have_count(1)
    expect(section.get_by_role("rowheader")).to_contain_text(proposed.agency.name_th)
    expect(page.locator("main")).not_to_contain_text(runner_up.agency.name_th)
    certificate = section.locator(f"a[href='{reverse('awards:certificate', args=[proposed.pk])}']")
    pdf = page.request.get(live_server.url + certificate.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    snap(page, "4-public-thai")

    in_english(page)
    expect(section.get_by_role("heading", level=2)).to_have_text(category.name_en)
    expect(section.get_by_role("rowheader")).to_contain_text(proposed.agency.name_en)
