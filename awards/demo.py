"""The demo awards that `manage.py seed_demo` builds on final scores, through the same services
the committee and DGA staff use:

- `demo_awards_load` (last year): the 2564 set of categories, their shortlists, nominees for the
  two nomination categories, and the votes of two of the three demo committee members, so that
  the chair (committee@dgaweb.example) can cast the third vote, finalise and hand over to DGA
  staff for publication;
- `demo_awards_publish` (the year before): the same, then the chair's flow the README describes
  in every category (approve every proposed winner and abstain on the rest, then finalise the
  decision as it opens, pre-ticked), and publication by DGA staff (admin@dgaweb.example), agency
  scores included.

The members approve the proposed winners (and any block tied at the cut-off) and abstain on the
runners-up; on the nominees they vote as `NOMINEES` says, so that the votes put exactly as many
nominees in a category's places as it has: the chair's one-step approval then fills every
category, 33 awards in the 2564 set.

A year with no scored year before it has nothing to compare: its most-improved categories are
left out, as DGA staff would remove them. A year that already has award categories is left
exactly as it is.
"""

from dataclasses import dataclass

from django.db import transaction

from agencies.models import Agency, User
from surveys.models import ScoringRun, SurveyYear

from . import selectors, services
from .models import AwardCategory, Candidate, Shortlist
from .presets import awards_2564_create
from .shortlists import AwardError, final_run_of, shortlists_generate

VOTERS = ("member2@dgaweb.example", "member3@dgaweb.example")
CHAIR = "committee@dgaweb.example"
DGA_ADMIN = "admin@dgaweb.example"
# Each nominee: name, agency code (or none), citation, and the votes of the members in VOTERS
# order. They favour one leader (2 approvals to 1) and three of the four local governments, the
# places of the two categories; the chair decides with the third vote.
NOMINEES = {
    "LEADER": [
        ("นายสมชาย ใจดี อธิบดีกรมทางหลวงชนบท", "DRR", "ผลักดันระบบขออนุญาตออนไลน์ครบวงจร",
         ("approve", "approve")),
        ("นางสาวมาลี รักงาน ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล", "DGA", "ขับเคลื่อนแพลตฟอร์มกลางภาครัฐ",
         ("approve", "abstain")),
    ],
    "DIGITAL-LOCAL": [
        ("เทศบาลนครภูเก็ต", "", "บริการรับชำระภาษีและขออนุญาตก่อสร้างออนไลน์",
         ("approve", "approve")),
        ("เทศบาลนครนนทบุรี", "", "แอปพลิเคชันแจ้งเหตุและติดตามเรื่องร้องเรียน",
         ("approve", "approve")),
        ("เทศบาลเมืองแสนสุข", "", "ระบบนัดหมายบริการสาธารณสุขออนไลน์",
         ("approve", "approve")),
        ("องค์การบริหารส่วนตำบลท่าข้าม", "", "ศูนย์บริการประชาชนแบบเบ็ดเสร็จดิจิทัล",
         ("abstain", "abstain")),
    ],
}  # fmt: skip


@dataclass(frozen=True)
class DemoAwardsSummary:
    year: int | None
    created: bool
    categories: int = 0
    candidates: int = 0
    winners: int = 0
    published: bool = False
    note: str = ""


def demo_awards_load(*, year_be: int) -> DemoAwardsSummary:
    year = SurveyYear.objects.filter(year=year_be).first()
    if year is None:
        return DemoAwardsSummary(None, False, note="no such year")
    if AwardCategory.objects.filter(year=year).exists():
        return DemoAwardsSummary(year.year, False)
    try:
        final_run_of(year)
    except AwardError as reason:
        # With a broker the scores may still be with the workers: DGA staff generate later.
        return DemoAwardsSummary(year.year, False, note=str(reason))
    admin = User.objects.filter(email=DGA_ADMIN).first()
    voters = list(User.objects.filter(email__in=VOTERS).order_by("email"))
    with transaction.atomic():
        categories = awards_2564_create(year=year)
        if not _has_previous_scores(year):
            AwardCategory.objects.filter(
                pk__in=[c.pk for c in categories if c.kind == AwardCategory.Kind.MOST_IMPROVED]
            ).delete()
            categories = [c for c in categories if c.kind != AwardCategory.Kind.MOST_IMPROVED]
        shortlists_generate(year_id=year.pk, user_id=admin.pk if admin else None)
        nominee_votes = {}
        for category in categories:
            for name, agency_code, citation, votes in NOMINEES.get(category.code, []):
                nominee = services.nominee_add(
                    category=category,
                    member=voters[0],
                    nominee=name,
                    agency=Agency.objects.filter(code=agency_code).first(),
                    citation=citation,
                )
                nominee_votes[nominee.pk] = votes
        candidates = list(
            Candidate.objects.filter(
                shortlist__in=Shortlist.objects.filter(category__year=year, is_current=True)
            ).select_related("shortlist", "agency", "province")
        )
        for candidate in candidates:
            choices = nominee_votes.get(candidate.pk) or [_demo_choice(candidate)] * len(voters)
            for voter, choice in zip(voters, choices, strict=True):
                services.vote_cast(candidate=candidate, member=voter, choice=choice, comment="")
    return DemoAwardsSummary(
        year.year, True, categories=len(categories), candidates=len(candidates)
    )


def demo_awards_publish(*, year_be: int) -> DemoAwardsSummary:
    """The year's awards all the way to publication: what `demo_awards_load` builds, then, in
    every category, the chair approves every proposed winner and abstains on the other
    candidates in one step, and finalises with the winners the decision form ticks as it opens
    (`selectors.shortlist_page`); DGA staff publish, with every agency's scores. Raises
    AwardError, as the chair would see it, if those winners do not fill a category's places. A
    published year, or one whose award categories were there already, is left as it is."""
    year = SurveyYear.objects.filter(year=year_be).first()
    if year is not None and year.status == SurveyYear.Status.PUBLISHED:
        return DemoAwardsSummary(year.year, False)
    loaded = demo_awards_load(year_be=year_be)
    if not loaded.created:
        return loaded
    chair = User.objects.get(email=CHAIR)
    admin = User.objects.get(email=DGA_ADMIN)
    winners = 0
    with transaction.atomic():
        for category in AwardCategory.objects.filter(year=year).order_by("order"):
            services.proposed_approve_all(category=category, member=chair, abstain_others=True)
            page = selectors.shortlist_page(category, chair)
            ticked = [row.candidate.pk for row in page.rows if row.ticked]
            services.category_finalise(category=category, chair=chair, winner_ids=ticked)
            winners += len(ticked)
        services.results_publish(year=year, user=admin)
        SurveyYear.objects.filter(pk=year.pk).update(publish_agency_scores=True)
    return DemoAwardsSummary(
        year.year,
        True,
        categories=loaded.categories,
        candidates=loaded.candidates,
        winners=winners,
        published=True,
    )


def _has_previous_scores(year: SurveyYear) -> bool:
    return ScoringRun.objects.filter(year__year=year.year - 1, is_current=True).exists()


def _demo_choice(candidate: Candidate) -> str:
    """A member's vote on a ranked candidate (nominees: `NOMINEES`)."""
    if candidate.standing in (Candidate.Standing.PROPOSED, Candidate.Standing.TIED):
        return "approve"
    return "abstain"
