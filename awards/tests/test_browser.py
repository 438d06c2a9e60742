"""The awards from end to end in Chromium: a committee member votes on a shortlist, the chair votes
and finalises, DGA staff publish the year in the admin, and a visitor reads the winner and opens
the certificate; the chair approves every proposed winner in one step and decides; a member
finds an agency by part of its Thai name, declares a conflict of interest with it and withdraws
it, or sees the vote it voids struck through for the others. Each person has a browser context of
their own and logs in through the real login page; the pages are found by ids, hrefs and data,
which do not depend on the translations. The committee's pages are photographed at a laptop's
and a phone's width (.artifacts/screenshots/awards-committee-*), and must fit the phone."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import Agency, User
from agencies.tests.factories import DepartmentFactory
from awards import services
from awards.models import AuditEntry, AwardCategory, Candidate, ConflictOfInterest, Vote
from awards.shortlists import shortlists_generate
from dgaweb.tests.mfa import pass_mfa_in_browser, recovery_code_for
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
        code = recovery_code_for(User.objects.get(email=email))
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        pass_mfa_in_browser(page, code)
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
    code = recovery_code_for(dga_staff)
    staff.fill("#id_username", dga_staff.email)
    staff.fill("#id_password", PASSWORD)
    staff.locator("#login-form [type=submit]").click()
    pass_mfa_in_browser(staff, code)  # the admin's login asks for the second step too
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


# The committee's decisions: approving every proposed winner, the chair's decision, conflicts ----

PHONE, LAPTOP = 390, 1366
# Five departments by their real names, in order of score: the first two are the proposed winners,
# the next two the runners-up, the last is off the shortlist. Two share "กรมการ", so that a search
# for it finds both.
DEPARTMENTS = (
    ("DLT", "กรมการขนส่งทางบก", "Department of Land Transport", "93.40"),
    ("RD", "กรมสรรพากร", "The Revenue Department", "91.15"),
    ("DOPA", "กรมการปกครอง", "Department of Provincial Administration", "88.70"),
    (
        "DDPM",
        "กรมป้องกันและบรรเทาสาธารณภัย",
        "Department of Disaster Prevention and Mitigation",
        "86.05",
    ),
    ("DDC", "กรมควบคุมโรค", "Department of Disease Control", "79.90"),
)


def snap_widths(page, name, *, part=None):
    """Screenshots of the page (or of `part`, a locator) at a laptop's and a phone's width, for a
    human look; at the phone's width nothing may be wider than the screen. The page is left at
    the laptop's width."""
    for width, height in ((LAPTOP, 900), (PHONE, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), (
            f"{name} is wider than {width} px"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"awards-committee-{name}-{width}.png"
        if part is None:
            page.screenshot(path=path, full_page=True)
        else:
            part.screenshot(path=path)
    page.set_viewport_size({"width": LAPTOP, "height": 900})


@pytest.fixture
def committee(committee_member, other_member, chair):
    """The whole committee: two members and the chair, a quorum of three."""
    return committee_member, other_member, chair


@pytest.fixture
def top_two():
    """Top overall score among the five departments: two places and two runners-up, a quorum of
    three votes; the shortlist is generated, in the order of DEPARTMENTS."""
    year = scored_year(
        YEAR,
        {
            DepartmentFactory(code=code, name_th=name_th, name_en=name_en): Figures(overall)
            for code, name_th, name_en, overall in DEPARTMENTS
        },
    )
    category = AwardCategory.objects.create(
        year=year,
        code="TOP",
        order=1,
        name_th="คะแนนรวมสูงสุด ระดับกรม",
        name_en="Top overall score, department level",
        rule_th="สองหน่วยงานที่ได้คะแนนรวมสูงสุดในกลุ่มกรม",
        rule_en="The two highest overall scores among departments",
        kind=AwardCategory.Kind.TOP_OVERALL,
        level="department",
        winners=2,
        runners_up=2,
        quorum=3,
    )
    shortlists_generate(year_id=year.pk)
    return category


def shortlisted(category):
    """The current shortlist's candidates by agency code."""
    candidates = Candidate.objects.filter(
        shortlist__category=category, shortlist__is_current=True
    ).select_related("agency")
    return {candidate.agency.code: candidate for candidate in candidates}


def test_the_chair_approves_every_proposed_winner_and_finalises_with_them(
    person, live_server, top_two, committee
):
    committee_member, other_member, chair = committee
    category = top_two
    candidates = shortlisted(category)
    assert {code: c.standing for code, c in candidates.items()} == {
        "DLT": "proposed",
        "RD": "proposed",
        "DOPA": "runner_up",
        "DDPM": "runner_up",
    }
    dlt, rd, dopa, ddpm = (candidates[code] for code in ("DLT", "RD", "DOPA", "DDPM"))
    # The two members approve both proposed winners; they split on the first runner-up and
    # abstain on the second, so the committee approves no runner-up.
    for member, on_dopa in ((committee_member, "approve"), (other_member, "reject")):
        for candidate, choice in ((dlt, "approve"), (rd, "approve"), (dopa, on_dopa)):
            services.vote_cast(candidate=candidate, member=member, choice=choice)
        services.vote_cast(candidate=ddpm, member=member, choice="abstain")
    shortlist_url = f"{live_server.url}{reverse('awards:shortlist', args=[category.pk])}"
    approve_url = f"{live_server.url}{reverse('awards:approve_proposed', args=[category.pk])}"
    finalise_url = f"{live_server.url}{reverse('awards:finalise', args=[category.pk])}"

    # The chair, in Thai, approves every proposed winner in one step.
    chair_page = person(chair.email)
    chair_page.goto(shortlist_url)
    expect(chair_page.locator("html")).to_have_attribute("lang", "th")
    chair_page.locator("#approve-proposed").click()
    chair_page.wait_for_url(approve_url)
    expect(chair_page.locator("#approve-list > li")).to_have_count(2)
    expect(chair_page.locator("#approve-list > li").nth(0)).to_contain_text(dlt.agency.name_th)
    expect(chair_page.locator("#approve-list > li").nth(1)).to_contain_text(rd.agency.name_th)
    expect(chair_page.locator("#abstain-list > li")).to_have_count(2)
    expect(chair_page.locator("#abstain-list > li").nth(0)).to_contain_text(dopa.agency.name_th)
    expect(chair_page.locator("#abstain-list > li").nth(1)).to_contain_text(ddpm.agency.name_th)
    expect(chair_page.locator("#abstain-others")).not_to_be_checked()
    snap_widths(chair_page, "approve-all")
    chair_page.locator("#abstain-others").check()
    chair_page.locator("#confirm-approve").click()

    chair_page.wait_for_url(shortlist_url)
    expect(chair_page.locator("main .alert-success[role=status]")).to_have_count(1)
    assert dict(
        Vote.objects.filter(member=chair).values_list("candidate__agency__code", "choice")
    ) == {"DLT": "approve", "RD": "approve", "DOPA": "abstain", "DDPM": "abstain"}

    # The decision form ticks exactly the two proposed winners.
    decision = chair_page.locator("section[aria-labelledby=finalise-heading]")
    expect(decision.get_by_role("status")).to_have_count(0)  # every candidate has the quorum
    expect(decision.locator("input[name=winners]")).to_have_count(4)
    expect(decision.locator("input[name=winners]:checked")).to_have_count(2)
    expect(decision.locator(f"#winner-{dlt.pk}")).to_be_checked()
    expect(decision.locator(f"#winner-{rd.pk}")).to_be_checked()
    snap_widths(chair_page, "decision", part=decision)

    # One winner for two places, and no reason: refused, and the chair's ticks stay; on a phone,
    # the page opens at the refusal.
    chair_page.set_viewport_size({"width": PHONE, "height": 844})
    decision.locator(f"#winner-{rd.pk}").uncheck()
    with chair_page.expect_response(
        lambda response: response.url == finalise_url and response.request.method == "POST"
    ) as refusal:
        decision.locator("button[type=submit]").click()
    assert refusal.value.status == 422
    decision = chair_page.locator("section[aria-labelledby=finalise-heading]")
    expect(decision.locator("#decision-error")).to_be_focused()
    expect(decision.locator("#decision-error")).to_be_in_viewport()
    expect(decision.locator("input[name=winners]:checked")).to_have_count(1)
    expect(decision.locator(f"#winner-{dlt.pk}")).to_be_checked()
    snap_widths(chair_page, "decision-refused", part=decision)
    category.refresh_from_db()
    assert category.status == AwardCategory.Status.OPEN

    # Ticked again, the decision is taken.
    decision.locator(f"#winner-{rd.pk}").check()
    decision.locator("button[type=submit]").click()
    chair_page.wait_for_url(shortlist_url)
    expect(chair_page.locator("#finalise-heading")).to_have_count(0)
    category.refresh_from_db()
    assert category.status == AwardCategory.Status.FINALISED
    assert category.finalised_by == chair
    assert sorted(
        Candidate.objects.filter(shortlist__category=category, is_winner=True).values_list(
            "agency__code", flat=True
        )
    ) == ["DLT", "RD"]


def beside(page, control_id):
    """Whether a radio button or checkbox sits left of its label, on the label's first line."""
    control = page.locator(f"#{control_id}").bounding_box()
    label = page.locator(f"label[for={control_id}]").bounding_box()
    middle = control["y"] + control["height"] / 2
    return control["x"] < label["x"] and label["y"] <= middle <= label["y"] + label["height"]


def declare(page, *, search, agency, reason):
    """On the conflicts page: search (htmx, as one types), choose the agency, give the reason."""
    page.locator("#agency-search").fill(search)
    page.locator(f"#agency-results #agency-{agency.pk}").check()
    page.locator("#id_reason").fill(reason)
    page.locator("section[aria-labelledby=declare-heading] form[method=post] [type=submit]").click()


def test_a_member_finds_an_agency_by_part_of_its_thai_name_declares_and_withdraws(
    person, live_server, top_two, committee_member
):
    year = top_two.year
    dlt, dopa = (Agency.objects.get(code=code) for code in ("DLT", "DOPA"))
    conflicts_url = f"{live_server.url}{reverse('awards:conflicts', args=[YEAR])}"
    member = person(committee_member.email)
    member.goto(conflicts_url)
    expect(member.locator("table")).to_have_count(0)  # nothing declared yet
    member.evaluate("window.stillTheSamePage = true")  # gone if the page loads again

    # Part of a Thai name finds the two departments whose names hold it, as the member types.
    with member.expect_request(
        lambda request: request.headers.get("hx-request") == "true" and "q=" in request.url
    ):
        member.locator("#agency-search").fill("กรมการ")
    results = member.locator("#agency-results input[type=radio][name=agency]")
    expect(results).to_have_count(2)
    expect(member.locator(f"label[for=agency-{dlt.pk}]")).to_contain_text(dlt.name_th)
    expect(member.locator(f"label[for=agency-{dopa.pk}]")).to_contain_text(dopa.name_th)
    assert member.evaluate("window.stillTheSamePage") is True
    assert member.url == conflicts_url
    for agency in (dlt, dopa):
        assert beside(member, f"agency-{agency.pk}")
    snap_widths(member, "conflicts-search")

    # Chosen without a reason: refused, with the search and the choice kept; on a phone, the
    # page opens at the reason.
    member.set_viewport_size({"width": PHONE, "height": 844})
    member.locator(f"#agency-{dopa.pk}").check()
    with member.expect_response(
        lambda response: response.url == conflicts_url and response.request.method == "POST"
    ) as refusal:
        member.locator(
            "section[aria-labelledby=declare-heading] form[method=post] [type=submit]"
        ).click()
    assert refusal.value.status == 422
    expect(member.locator("#id_reason")).to_have_class(re.compile("is-invalid"))
    expect(member.locator("#id_reason")).to_be_focused()
    expect(member.locator("#id_reason")).to_be_in_viewport()
    expect(member.locator("#agency-search")).to_have_value("กรมการ")
    expect(results).to_have_count(2)
    expect(member.locator(f"#agency-{dopa.pk}")).to_be_checked()
    assert not ConflictOfInterest.objects.exists()

    member.locator("#id_reason").fill("คู่สมรสเป็นผู้บริหารเทคโนโลยีสารสนเทศระดับสูงของกรม")
    member.locator(
        "section[aria-labelledby=declare-heading] form[method=post] [type=submit]"
    ).click()
    member.wait_for_url(conflicts_url)
    expect(member.locator("table tbody tr")).to_have_count(1)
    expect(member.locator("table tbody tr")).to_contain_text(dopa.name_th)
    declaration = ConflictOfInterest.objects.get(member=committee_member)
    assert (declaration.agency, declaration.year, declaration.withdrawn_at) == (dopa, year, None)
    withdraw = member.locator(
        f"form[action='{reverse('awards:conflict_withdraw', args=[YEAR, declaration.pk])}'] button"
    )
    expect(withdraw).to_be_visible()
    snap_widths(member, "conflicts-withdraw")

    # Declared in error, before it voided any vote: withdrawn, with its audit entry.
    withdraw.click()
    member.wait_for_url(conflicts_url)
    expect(member.locator("table")).to_have_count(0)
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is not None
    assert list(
        AuditEntry.objects.filter(action=AuditEntry.Action.CONFLICT_WITHDRAWN).values_list(
            "actor", "year", "data__declaration"
        )
    ) == [(committee_member.pk, year.pk, declaration.pk)]


def test_a_vote_cast_before_a_declared_conflict_is_voided_and_struck_through_for_the_others(
    person, live_server, top_two, committee
):
    committee_member, other_member, chair = committee
    category = top_two
    dlt = shortlisted(category)["DLT"]
    shortlist_url = f"{live_server.url}{reverse('awards:shortlist', args=[category.pk])}"
    conflicts_url = f"{live_server.url}{reverse('awards:conflicts', args=[YEAR])}"
    services.vote_cast(candidate=dlt, member=other_member, choice="approve", comment="ครบถ้วน")

    # A member approves the Department of Land Transport, then declares a link to it.
    member = person(committee_member.email)
    member.goto(shortlist_url)
    vote(member, dlt, "approve", "บริการออนไลน์ครบทุกงาน")
    member.goto(conflicts_url)
    declare(member, search="ขนส่ง", agency=dlt.agency, reason="เคยเป็นที่ปรึกษาของกรมในปีนี้")
    member.wait_for_url(conflicts_url)
    expect(member.locator("main .alert-success[role=status]")).to_have_count(1)
    # The flash message says the vote was voided.
    expect(member.locator("main .alert-warning[role=status]")).to_have_count(1)
    declaration = ConflictOfInterest.objects.get(member=committee_member)
    voided = Vote.objects.get(member=committee_member, candidate=dlt)
    assert (voided.voided_by, voided.voided_at is not None) == (declaration, True)
    # It voided a vote, so it stands: no withdraw button.
    expect(member.locator("table tbody tr")).to_have_count(1)
    expect(member.locator("form[action*='/withdraw/']")).to_have_count(0)
    snap_widths(member, "conflicts-declared")

    # The member no longer sees the votes on it, nor votes on it.
    member.goto(shortlist_url)
    block = member.locator(f"#candidate-{dlt.pk}")
    expect(block.locator("[role=note]")).to_be_visible()
    expect(block.locator("form")).to_have_count(0)
    expect(block.locator("ul li")).to_have_count(0)

    # The chair sees the vote struck through, and that two members may vote on it (quorum 3).
    chair_page = person(chair.email)
    chair_page.goto(shortlist_url)
    block = chair_page.locator(f"#candidate-{dlt.pk}")
    expect(block.locator("ul > li")).to_have_count(2)
    struck = block.locator("ul > li", has_text=committee_member.email)
    expect(struck.locator("s")).to_contain_text(committee_member.email)
    expect(struck.locator("s q")).to_have_text("บริการออนไลน์ครบทุกงาน")
    counted = block.locator("ul > li", has_text=other_member.email)
    expect(counted.locator("s")).to_have_count(0)
    expect(chair_page.locator("#below-quorum li")).to_have_count(1)
    expect(chair_page.locator("#below-quorum li")).to_contain_text(dlt.agency.name_th)
    snap_widths(chair_page, "shortlist")
