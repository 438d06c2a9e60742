"""The demo awards that `manage.py seed_demo` builds on last year's final scores: the 2564 set of
categories, their shortlists, nominees for the two nomination categories, and the votes of two of
the three demo committee members, so that the chair (committee@dgaweb.example) can cast the third
vote, finalise and hand over to DGA staff for publication.

A year that already has award categories is left exactly as it is.
"""

from dataclasses import dataclass

from django.db import transaction

from agencies.models import Agency, User
from surveys.models import SurveyYear

from . import services
from .models import AwardCategory, Candidate, Shortlist
from .presets import awards_2564_create
from .shortlists import AwardError, final_run_of, shortlists_generate

VOTERS = ("member2@dgaweb.example", "member3@dgaweb.example")
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


def _demo_choice(candidate: Candidate) -> str:
    if candidate.standing in (Candidate.Standing.PROPOSED, Candidate.Standing.TIED):
        return "approve"
    if candidate.standing == Candidate.Standing.NOMINEE:
        return "approve" if candidate.order <= 3 else "abstain"
    return "abstain"
