"""The award categories of B.E. 2564 (2021), 33 awards in all (DOMAIN.md), as a starting point that
DGA staff create for a new year in one step and then edit."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency
from surveys.models import Dimension, Question, SurveyYear

from .models import DEFAULT_MOST_IMPROVED_MINIMUM, AwardCategory
from .shortlists import DEFAULT_TIEBREAK_CODE, AwardError

Kind = AwardCategory.Kind
DEPARTMENT = Agency.Level.DEPARTMENT
SERVICE, POLICY = Agency.AwardGroup.SERVICE, Agency.AwardGroup.POLICY


@dataclass(frozen=True)
class Preset:
    code: str
    kind: str
    winners: int
    name_th: str
    name_en: str
    rule_th: str
    rule_en: str
    level: str = ""
    award_group: str = ""
    minimum: Decimal | None = None
    focus_questions: tuple[str, ...] = field(default=())


AWARDS_2564 = (
    Preset(
        "LEADER", Kind.NOMINATION, 1,
        "ผู้บริหารดิจิทัลดีเด่น",
        "Outstanding digital leader",
        "คณะกรรมการพิจารณาคัดเลือกจากผู้ได้รับการเสนอชื่อ",
        "The committee's choice among the nominees.",
    ),
    Preset(
        "TOP-SERVICE", Kind.TOP_OVERALL, 8,
        "หน่วยงานที่มีคะแนนรวมสูงสุด ระดับกรม กลุ่มให้บริการเป็นหลัก",
        "Top overall score, department level, service-providing",
        "หน่วยงานที่มีคะแนนรวมสูงสุด 8 ลำดับแรกในกลุ่ม",
        "The 8 highest overall scores in the group.",
        level=DEPARTMENT, award_group=SERVICE,
    ),
    Preset(
        "TOP-POLICY", Kind.TOP_OVERALL, 1,
        "หน่วยงานที่มีคะแนนรวมสูงสุด ระดับกรม กลุ่มจัดทำนโยบาย ประสานงาน กำกับดูแล หรืออื่นๆ",
        "Top overall score, department level, policy / coordination / regulation / other",
        "หน่วยงานที่มีคะแนนรวมสูงสุดในกลุ่ม",
        "The highest overall score in the group.",
        level=DEPARTMENT, award_group=POLICY,
    ),
    Preset(
        "PROVINCE", Kind.PROVINCE, 5,
        "รางวัลระดับจังหวัด",
        "Provincial award",
        "5 จังหวัดที่มีคะแนนเฉลี่ยของหน่วยงานระดับจังหวัดสูงสุด",
        "The 5 provinces whose provincial units have the highest mean score.",
    ),
    Preset(
        "DATA-GOV", Kind.FOCUS, 5,
        "รางวัลพิเศษ ด้านธรรมาภิบาลข้อมูลภาครัฐ",
        "Special award: data governance",
        "หน่วยงานระดับกรม 5 ลำดับแรกที่มีคะแนนสูงสุดในข้อคำถามด้านธรรมาภิบาลข้อมูล",
        "The 5 department-level agencies scoring highest on the data-governance questions.",
        level=DEPARTMENT, focus_questions=("INFRA-06", "INFRA-07"),
    ),
    Preset(
        "OPEN-DATA", Kind.FOCUS, 5,
        "รางวัลพิเศษ ด้านการเปิดเผยข้อมูลเปิดภาครัฐบนศูนย์กลางข้อมูลเปิดภาครัฐ",
        "Special award: open data on the national open-data portal",
        "หน่วยงานระดับกรม 5 ลำดับแรกที่มีคะแนนสูงสุดในข้อคำถามด้านข้อมูลเปิดภาครัฐ",
        "The 5 department-level agencies scoring highest on the open-data questions.",
        level=DEPARTMENT, focus_questions=("TECH-06", "TECH-07", "TECH-08"),
    ),
    Preset(
        "IMPROVED-SERVICE", Kind.MOST_IMPROVED, 4,
        "หน่วยงานที่มีพัฒนาการสูงสุด ระดับกรม กลุ่มให้บริการเป็นหลัก",
        "Most improved, department level, service-providing",
        "4 หน่วยงานที่คะแนนรวมเพิ่มขึ้นจากปีก่อนมากที่สุด ในกลุ่มหน่วยงานที่มีคะแนนรวมตั้งแต่ 80 คะแนนขึ้นไป",
        "The 4 largest gains in overall score over the previous year, among agencies whose "
        "overall score is at least 80.",
        level=DEPARTMENT, award_group=SERVICE, minimum=Decimal(DEFAULT_MOST_IMPROVED_MINIMUM),
    ),
    Preset(
        "IMPROVED-POLICY", Kind.MOST_IMPROVED, 1,
        "หน่วยงานที่มีพัฒนาการสูงสุด ระดับกรม กลุ่มจัดทำนโยบาย ประสานงาน กำกับดูแล หรืออื่นๆ",
        "Most improved, department level, policy / coordination / regulation / other",
        "หน่วยงานที่คะแนนรวมเพิ่มขึ้นจากปีก่อนมากที่สุด ในกลุ่มหน่วยงานที่มีคะแนนรวมตั้งแต่ 80 คะแนนขึ้นไป",
        "The largest gain in overall score over the previous year, among agencies whose overall "
        "score is at least 80.",
        level=DEPARTMENT, award_group=POLICY, minimum=Decimal(DEFAULT_MOST_IMPROVED_MINIMUM),
    ),
    Preset(
        "DIGITAL-LOCAL", Kind.NOMINATION, 3,
        "รางวัลท้องถิ่นดิจิทัล (Digital Local)",
        "Digital Local (local government)",
        "องค์กรปกครองส่วนท้องถิ่นที่มีบริการดิจิทัลที่ใช้งานได้จริง คณะกรรมการพิจารณาจากผู้ได้รับการเสนอชื่อ",
        "Local governments with real digital services in operation; the committee's choice "
        "among the nominees.",
    ),
)  # fmt: skip


def awards_2564_create(*, year: SurveyYear) -> list[AwardCategory]:
    """Create the 2564 categories the year does not have yet (by code); returns those created.
    Raises AwardError, creating nothing, if the questionnaire lacks a focus question of a
    category still to create."""
    existing = set(AwardCategory.objects.filter(year=year).values_list("code", flat=True))
    to_create = [preset for preset in AWARDS_2564 if preset.code not in existing]
    codes = {code for preset in to_create for code in preset.focus_questions}
    questions = {
        question.code: question for question in Question.objects.filter(year=year, code__in=codes)
    }
    missing = sorted(codes - set(questions))
    if missing:
        raise AwardError(
            _(
                "%(year)s has no question %(codes)s, which the 2564 special awards score on. "
                "Import them into the questionnaire, or create those categories by hand."
            )
            % {"year": year.year, "codes": ", ".join(missing)}
        )
    tiebreak = Dimension.objects.filter(year=year, code=DEFAULT_TIEBREAK_CODE).first()
    created = []
    with transaction.atomic():
        for order, preset in enumerate(AWARDS_2564, start=1):
            if preset.code in existing:
                continue
            category = AwardCategory.objects.create(
                year=year,
                code=preset.code,
                order=order * 10,
                kind=preset.kind,
                winners=preset.winners,
                name_th=preset.name_th,
                name_en=preset.name_en,
                rule_th=preset.rule_th,
                rule_en=preset.rule_en,
                level=preset.level,
                award_group=preset.award_group,
                minimum_score=preset.minimum,
                runners_up=0 if preset.kind == Kind.NOMINATION else 3,
                tiebreak_dimension=tiebreak,
            )
            if preset.focus_questions:
                category.focus_questions.set([questions[code] for code in preset.focus_questions])
            created.append(category)
    return created
