"""The demo awards that `manage.py seed_demo` builds on final scores, through the same services
the committee and DGA staff use:

- `demo_awards_load` (last year): the 2564 set of categories, their shortlists, nominees for the
  two nomination categories, and the votes of two of the three demo committee members, so that
  the chair (committee@dgaweb.example) can cast the third vote, finalise and hand over to DGA
  staff for publication;
- `demo_awards_publish` (the year before): the same, then the chair's vote on every candidate and
  decision in every category, and publication by DGA staff (admin@dgaweb.example), agency scores
  included.

A year with no scored year before it has nothing to compare: its most-improved categories are
left out, as DGA staff would remove them. A year that already has award categories is left
exactly as it is.
"""

from dataclasses import dataclass

from django.db import transaction

from agencies.models import Agency, User
from surveys.models import ScoringRun, SurveyYear

from . import services
from .models import AwardCategory, Candidate, Shortlist
from .presets import awards_2564_create
from .shortlists import AwardError, final_run_of, shortlists_generate

VOTERS = ("member2@dgaweb.example", "member3@dgaweb.example")
CHAIR = "committee@dgaweb.example"
DGA_ADMIN = "admin@dgaweb.example"
NOMINEES = {
    "LEADER": [
        ("นายสมชาย ใจดี อธิบดีกรมทางหลวงชนบท", "DRR", "ผลักดันระบบขออนุญาตออนไลน์ครบวงจร"),
        ("นางสาวมาลี รักงาน ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล", "DGA", "ขับเคลื่อนแพลตฟอร์มกลางภาครัฐ"),
    ],
    "DIGITAL-LOCAL": [
        ("เทศบาลนครภูเก็ต", "", "บริการรับชำระภาษีและขออนุญาตก่อสร้างออนไลน์"),
        ("เทศบาลนครนนทบุรี", "", "แอปพลิเคชันแจ้งเหตุและติดตามเรื่องร้องเรียน"),
        ("เทศบาลเมืองแสนสุข", "", "ระบบนัดหมายบริการสาธารณสุขออนไลน์"),
        ("องค์การบริหารส่วนตำบลท่าข้าม", "", "ศูนย์บริการประชาชนแบบเบ็ดเสร็จดิจิทัล"),
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
        for category in categories:
            for name, agency_code, citation in NOMINEES.get(category.code, []):
                services.nominee_add(
                    category=category,
                    member=voters[0],
                    nominee=name,
                    agency=Agency.objects.filter(code=agency_code).first(),
                    citation=citation,
                )
        candidates = list(
            Candidate.objects.filter(
                shortlist__in=Shortlist.objects.filter(category__year=year, is_current=True)
            ).select_related("shortlist", "agency", "province")
        )
        for candidate in candidates:
            for voter in voters:
                services.vote_cast(
                    candidate=candidate,
                    member=voter,
                    choice=_demo_choice(candidate),
                    comment="",
                )
    return DemoAwardsSummary(
        year.year, True, categories=len(categories), candidates=len(candidates)
    )


def demo_awards_publish(*, year_be: int) -> DemoAwardsSummary:
    """The year's awards all the way to publication: what `demo_awards_load` builds, then the
    chair votes on every candidate and finalises every category (the proposed winners, then
    tied candidates and nominees in shortlist order up to the category's number of winners),
    and DGA staff publish, with every agency's scores. A published year, or one whose award
    categories were there already, is left as it is."""
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
            candidates = list(
                Candidate.objects.filter(shortlist__category=category, shortlist__is_current=True)
                .select_related("shortlist", "agency", "province")
                .order_by("order")
            )
            chosen = _demo_winners(category, candidates)
            for candidate in candidates:
                services.vote_cast(
                    candidate=candidate,
                    member=chair,
                    choice="approve" if candidate in chosen else "abstain",
                    comment="",
                )
            services.category_finalise(
                category=category, chair=chair, winner_ids=[c.pk for c in chosen]
            )
            winners += len(chosen)
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


def _demo_winners(category: AwardCategory, candidates: list[Candidate]) -> list[Candidate]:
    proposed = [c for c in candidates if c.standing == Candidate.Standing.PROPOSED]
    open_places = max(0, category.winners - len(proposed))
    undecided = [
        c for c in candidates if c.standing in (Candidate.Standing.TIED, Candidate.Standing.NOMINEE)
    ]
    return proposed + undecided[:open_places]


def _demo_choice(candidate: Candidate) -> str:
    if candidate.standing in (Candidate.Standing.PROPOSED, Candidate.Standing.TIED):
        return "approve"
    if candidate.standing == Candidate.Standing.NOMINEE:
        return "approve" if candidate.order <= 3 else "abstain"
    return "abstain"
