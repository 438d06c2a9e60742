"""The demo recommendations that `manage.py seed_demo` writes for the scored demo years: DGA's
advice to all agencies, to each level, to each award group and to the Provincial Offices, as DGA
publishes it beside the results.

Each text reads the group's own figures from the year's current scoring run: its mean, its change
on the year before, and its two weakest dimensions, with what to do about each (the advice of
DOMAIN.md's six dimensions), then the advice for that kind of group. So the text never contradicts
the charts beside it. The first demo year gets the opening advice, the next one the follow-up.

A year that has recommendations already is left exactly as it is.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from agencies.models import Agency, User
from surveys.aggregates import NATIONAL_KEY
from surveys.models import GroupScore, SurveyYear
from surveys.scoring import score_display
from surveys.selectors import current_run_of

from .models import Recommendation

DGA_ADMIN = "admin@dgaweb.example"
PROVINCIAL_OFFICE = "PO"  # the unit type of the Provincial Offices (agencies/data/unit_types.csv)
BE_OFFSET = 543

# What a group weak on a dimension should do first, by the demo questionnaire's dimension codes.
DIMENSION_ADVICE = {
    "POLICY": (
        "จัดทำแผนพัฒนารัฐบาลดิจิทัลของหน่วยงานให้สอดคล้องกับแผนระดับชาติและทบทวนทุกปี "
        "ประกาศนโยบายการรักษาความมั่นคงปลอดภัยไซเบอร์และนโยบายคุ้มครองข้อมูลส่วนบุคคล "
        "และแยกงบประมาณด้านดิจิทัลให้ชัดเจนในแผนงบประมาณประจำปี",
        "Keep a digital government plan aligned with the national plan and review it every year, "
        "announce a cyber-security policy and a personal data protection policy, and show the "
        "digital budget as its own line in the annual budget plan.",
    ),
    "CAPABILITY": (
        "กำหนดอัตรากำลังด้านเทคโนโลยีสารสนเทศให้เพียงพอ แต่งตั้งผู้บริหารเทคโนโลยีสารสนเทศระดับสูง (CIO) "
        "และผู้ช่วยที่ทำงานต่อเนื่องได้ "
        "และส่งบุคลากรทุกระดับเข้าอบรมหลักสูตรทักษะดิจิทัลของสถาบันพัฒนาบุคลากรภาครัฐด้านดิจิทัล (TDGA) อย่างน้อยปีละครั้ง",
        "Staff IT work adequately, appoint a Chief Information Officer (CIO) with a deputy so the "
        "work carries on when people move, and send staff at every level on a digital skills "
        "course of the Thailand Digital Government Academy (TDGA) at least once a year.",
    ),
    "SERVICE": (
        "ทบทวนงานบริการที่มีผู้ใช้มากที่สุด 5 อันดับแรกให้ยื่นคำขอ ชำระค่าธรรมเนียม และรับผลได้ทางออนไลน์ครบวงจร "
        "เปิดให้เข้าถึงผ่านแอปพลิเคชันทางรัฐและ Thailand Digital ID และมีช่องทางช่วยเหลือผู้ใช้ เช่น LINE "
        "Official Account",
        "Take the five services with the most users fully online, from application and fee "
        "payment to the result, open them through the Tang Rat app and Thailand Digital ID, and "
        "give users a help channel such as a LINE official account.",
    ),
    "BACKOFFICE": (
        "เชื่อมระบบสารบรรณ การเงิน และบุคลากรเข้าด้วยกันด้วยระบบการวางแผนทรัพยากรองค์กร (ERP) "
        "ใช้ลายมือชื่ออิเล็กทรอนิกส์ในเอกสารภายใน "
        "และแลกเปลี่ยนข้อมูลกับหน่วยงานอื่นผ่านแพลตฟอร์มกลางแทนการส่งหนังสือ",
        "Join the records, finance and personnel systems through enterprise resource planning "
        "(ERP), sign internal documents electronically, and exchange data with other agencies "
        "through the central platform instead of by letter.",
    ),
    "INFRA": (
        "จัดทำแผนรองรับการดำเนินงานต่อเนื่องของระบบสำคัญ สำรองข้อมูลตามหลัก 3-2-1 และทดสอบการกู้คืนปีละครั้ง "
        "พิจารณาย้ายระบบขึ้นคลาวด์กลางภาครัฐ (GDCC) "
        "และจัดทำบัญชีข้อมูลพร้อมกำหนดเจ้าของข้อมูลตามกรอบธรรมาภิบาลข้อมูลภาครัฐ",
        "Write a continuity plan for the key systems, back up by the 3-2-1 rule and test a restore "
        "once a year, consider moving systems to the Government Data Center and Cloud (GDCC), and "
        "build the data catalogue with named data owners under the government data governance "
        "framework.",
    ),
    "TECH": (
        "เริ่มโครงการนำร่องที่ใช้ข้อมูลของหน่วยงานเอง เช่น การวิเคราะห์ข้อมูลเรื่องร้องเรียนหรือข้อมูลการให้บริการ "
        "และเปิดเผยชุดข้อมูลที่เปิดได้ในรูปแบบที่เครื่องอ่านได้บนศูนย์กลางข้อมูลเปิดภาครัฐ (data.go.th)",
        "Start a pilot on the agency's own data, such as analysing complaints or service records, "
        "and publish the data sets that can be opened, machine-readable, on the national open-data "
        "portal (data.go.th).",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class GroupAdvice:
    scope: str
    key: str
    # For the first demo year, then for the following one: (Thai, English) each.
    first: tuple[str, str]
    following: tuple[str, str]


Scope = GroupScore.Scope
GROUP_ADVICE = (
    GroupAdvice(
        Scope.NATIONAL, NATIONAL_KEY,
        (
            "สพร. จะจัดคลินิกให้คำปรึกษาออนไลน์รายมิติทุกเดือน "
            "และขอให้ทุกหน่วยงานใช้ผลการสำรวจนี้ประกอบการจัดทำแผนปฏิบัติการดิจิทัลปีถัดไป",
            "DGA will hold a monthly online clinic on each dimension, and asks every agency to use "
            "these results when drawing up next year's digital action plan.",
        ),
        (
            "สพร. ขอให้หน่วยงานยกเลิกการขอสำเนาเอกสารราชการจากประชาชน"
            "โดยดึงข้อมูลผ่านการเชื่อมโยงข้อมูลระหว่างหน่วยงาน "
            "และวัดการใช้งานบริการดิจิทัลจริงเป็นรายไตรมาส",
            "DGA asks agencies to stop asking citizens for copies of official documents by "
            "fetching the data from other agencies, and to measure the actual use of their digital "
            "services every quarter.",
        ),
    ),
    GroupAdvice(
        Scope.LEVEL, Agency.Level.DEPARTMENT,
        (
            "ให้ผู้บริหารเทคโนโลยีสารสนเทศระดับสูง (CIO) รายงานความก้าวหน้าต่อผู้บริหารของกรมทุกไตรมาส "
            "และถ่ายทอดแนวทางไปยังหน่วยงานในภูมิภาคของกรม",
            "Have the CIO report progress to the department's executives every quarter, and pass "
            "the approach on to the department's regional and provincial offices.",
        ),
        (
            "กรมที่มีหน่วยงานระดับจังหวัดควรจัดระบบกลางให้หน่วยงานในสังกัดใช้ร่วมกัน แทนการให้แต่ละจังหวัดพัฒนาระบบเอง",
            "Departments with provincial units should provide shared systems for those units to "
            "use, rather than leave each province to build its own.",
        ),
    ),
    GroupAdvice(
        Scope.LEVEL, Agency.Level.PROVINCIAL_UNIT,
        (
            "หน่วยงานระดับจังหวัดส่วนใหญ่ยังไม่มีแผนดิจิทัลของตนเอง "
            "ควรจัดทำแผนปฏิบัติการดิจิทัลที่อ้างอิงแผนของกรมต้นสังกัดและแผนพัฒนาจังหวัด "
            "และแต่งตั้งผู้รับผิดชอบงานดิจิทัลของหน่วยงานอย่างน้อยหนึ่งคน",
            "Most provincial units have no digital plan of their own: draw one up that follows the "
            "parent department's plan and the provincial development plan, and name at least one "
            "person responsible for the unit's digital work.",
        ),
        (
            "ใช้ระบบกลางที่กรมต้นสังกัดจัดให้ และขอคำปรึกษาจากสำนักงานจังหวัดซึ่งเป็นศูนย์ประสานงานดิจิทัลของจังหวัด",
            "Use the shared systems the parent department provides, and turn to the Provincial "
            "Office, the province's digital coordinator, for advice.",
        ),
    ),
    GroupAdvice(
        Scope.AWARD_GROUP, Agency.AwardGroup.SERVICE,
        (
            "หน่วยงานกลุ่มให้บริการเป็นหลักควรเผยแพร่มาตรฐานระยะเวลาการให้บริการของแต่ละงาน "
            "และเพิ่มช่องทางชำระเงินอิเล็กทรอนิกส์",
            "Service-providing agencies should publish the time standard of each service and add "
            "electronic payment.",
        ),
        (
            "ขั้นต่อไปคือการวัดความพึงพอใจของผู้ใช้บริการออนไลน์ และทดสอบการเข้าถึงของเว็บไซต์ตามมาตรฐาน WCAG",
            "The next step is to measure how satisfied users are with the online services, and to "
            "test the websites for accessibility against WCAG.",
        ),
    ),
    GroupAdvice(
        Scope.AWARD_GROUP, Agency.AwardGroup.POLICY,
        (
            "หน่วยงานกลุ่มจัดทำนโยบาย ประสานงาน และกำกับดูแล ควรจัดทำแดชบอร์ดติดตามผลการดำเนินงานตามนโยบาย "
            "และเปิดเผยข้อมูลที่ใช้กำกับดูแลอย่างน้อยปีละ 5 ชุดข้อมูล",
            "Agencies that make policy, coordinate or regulate should follow up their policies on "
            "dashboards, and publish at least five of the data sets they regulate with each year.",
        ),
        (
            "เชื่อมโยงข้อมูลกับหน่วยงานในกำกับผ่านมาตรฐานการแลกเปลี่ยนข้อมูลภาครัฐ (TH e-GIF) "
            "แทนการรายงานด้วยแบบฟอร์มกระดาษ",
            "Exchange data with the bodies they oversee through the government interoperability "
            "standard (TH e-GIF) instead of paper report forms.",
        ),
    ),
    GroupAdvice(
        Scope.UNIT_TYPE, PROVINCIAL_OFFICE,
        (
            "สำนักงานจังหวัดเป็นศูนย์กลางการประสานงานดิจิทัลของจังหวัด "
            "ควรจัดทำแผนพัฒนาจังหวัดดิจิทัลร่วมกับหน่วยงานระดับจังหวัดอื่น ๆ "
            "และรวบรวมบัญชีข้อมูลระดับจังหวัด",
            "The Provincial Office is the province's digital coordinator: it should draw up the "
            "province's digital plan with the other provincial units and compile the provincial "
            "data catalogue.",
        ),
        (
            "ขั้นต่อไปคือแดชบอร์ดข้อมูลจังหวัดที่ผู้ว่าราชการจังหวัดใช้ติดตามงานได้จริง "
            "และการเป็นพี่เลี้ยงให้หน่วยงานระดับจังหวัดที่มีคะแนนต่ำ",
            "The next step is a provincial data dashboard the governor actually uses to follow up "
            "work, and mentoring the provincial units with low scores.",
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class DemoRecommendationsSummary:
    year: int
    created: int = 0
    note: str = ""


def demo_recommendations_load(*, years_be: list[int]) -> list[DemoRecommendationsSummary]:
    """Write the demo recommendations of each scored year in `years_be`, oldest first: the first
    gets the opening advice, the others the follow-up. A year that has recommendations, or has
    no current scoring run yet, is left as it is."""
    author = User.objects.filter(email=DGA_ADMIN).first()
    summaries = []
    for position, year_be in enumerate(sorted(years_be)):
        year = SurveyYear.objects.filter(year=year_be).first()
        if year is None:
            summaries.append(DemoRecommendationsSummary(year_be, note="no such year"))
            continue
        if Recommendation.objects.filter(year=year).exists():
            summaries.append(DemoRecommendationsSummary(year_be))
            continue
        run = current_run_of(year)
        if run is None:
            summaries.append(DemoRecommendationsSummary(year_be, note="its scores are not in yet"))
            continue
        groups = {
            (group.scope, group.key): group
            for group in GroupScore.objects.filter(run=run).prefetch_related(
                "dimensions__dimension"
            )
        }
        recommendations = []
        for order, advice in enumerate(GROUP_ADVICE, start=1):
            group = groups.get((advice.scope, advice.key))
            if group is None:
                continue
            closing = advice.first if position == 0 else advice.following
            text_th, text_en = _text(year, group, closing)
            recommendations.append(
                Recommendation(
                    year=year,
                    scope=advice.scope,
                    key=advice.key,
                    text_th=text_th,
                    text_en=text_en,
                    order=order * 10,
                    updated_by=author,
                )
            )
        with transaction.atomic():
            Recommendation.objects.bulk_create(recommendations)
        summaries.append(DemoRecommendationsSummary(year_be, created=len(recommendations)))
    return summaries


def _text(year: SurveyYear, group: GroupScore, closing: tuple[str, str]) -> tuple[str, str]:
    """The group's figures, the advice on its two weakest dimensions, then `closing`."""
    weakest = sorted(group.dimensions.all(), key=lambda score: score.mean)[:2]
    mean = _points(group.overall_mean)
    if group.scope == GroupScore.Scope.NATIONAL:
        opening_th = f"หน่วยงานที่ตอบแบบสำรวจทั้ง {group.agencies:,} หน่วยงานมีคะแนนเฉลี่ย {mean} คะแนน"
        opening_en = f"The {group.agencies:,} agencies that answered score {mean} on average"
    else:
        opening_th = (
            f"หน่วยงานในกลุ่ม “{group.name_th}” จำนวน {group.agencies:,} หน่วยงาน "
            f"มีคะแนนเฉลี่ย {mean} คะแนน"
        )
        opening_en = f"The {group.agencies:,} agencies of “{group.name_en}” score {mean} on average"
    change = group.change
    if change is not None:
        previous = year.year - 1
        opening_th += (
            f" {'เพิ่มขึ้น' if change >= 0 else 'ลดลง'} {_points(abs(change))} คะแนนจากปี {previous}"
        )
        opening_en += (
            f", {'up' if change >= 0 else 'down'} {_points(abs(change))} points on "
            f"{previous - BE_OFFSET}"
        )
    parts_th, parts_en = [opening_th], [opening_en + "."]
    if len(weakest) == 2:
        low, next_low = (score.dimension for score in weakest)
        parts_th.append(
            f"มิติที่คะแนนต่ำที่สุดคือ{low.name_th} ({_points(weakest[0].mean)}) "
            f"รองลงมาคือ{next_low.name_th} ({_points(weakest[1].mean)})"
        )
        parts_en.append(
            f"The weakest dimensions are {low.name_en} ({_points(weakest[0].mean)}) and "
            f"{next_low.name_en} ({_points(weakest[1].mean)})."
        )
        for dimension in (low, next_low):
            if dimension.code in DIMENSION_ADVICE:
                advice_th, advice_en = DIMENSION_ADVICE[dimension.code]
                parts_th.append(f"ด้าน{dimension.name_th}: {advice_th}")
                parts_en.append(f"On {dimension.name_en}: {advice_en[0].lower()}{advice_en[1:]}")
    parts_th.append(closing[0])
    parts_en.append(closing[1])
    return " ".join(parts_th), " ".join(parts_en)


def _points(value: Decimal) -> str:
    return f"{score_display(value):f}"
