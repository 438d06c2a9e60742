"""The demo survey years that `manage.py seed_demo` builds on top of the demo registry.

- the two years before (B.E.): closed, every active agency invited and every response
  submitted, agencies a little further along each year (so the awards have gains to compare);
- this year: open for three more weeks, with a realistic spread of progress: about a fifth of
  the agencies have not started, half are part-way, the rest have submitted.

The questionnaire comes from surveys/data/ through the same import as DGA staff use. Answers are
drawn from a generator seeded by year and agency code, so two runs build the same data, and a
year that already exists is left exactly as it is.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User

from .models import Answer, Evidence, Question, Response, ScoringRun, SurveyYear
from .questionnaire import visible_questions
from .resources import questionnaire_import
from .scores import scoring_run_start
from .selectors import questions_for_year
from .services import survey_year_close, survey_year_open

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_EVIDENCE = "evidence/demo/sample-evidence.pdf"
# A minimal valid PDF: every demo evidence row points at this one stored file.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
SHORT_TEXTS = [
    "นายสมชาย ใจดี ผู้อำนวยการกองเทคโนโลยีสารสนเทศ",
    "นางสาวมาลี รักงาน นักวิชาการคอมพิวเตอร์ชำนาญการ",
    "https://www.example.go.th/eservice",
]
LONG_TEXTS = [
    "หน่วยงานอยู่ระหว่างปรับปรุงระบบให้บริการออนไลน์และเชื่อมโยงข้อมูลกับหน่วยงานอื่นผ่านแพลตฟอร์มกลาง",
    "ในปีที่ผ่านมาได้จัดอบรมทักษะดิจิทัลให้บุคลากรทุกระดับ และจัดทำบัญชีข้อมูลของหน่วยงานแล้วเสร็จ",
]


@dataclass(frozen=True)
class DemoYearSummary:
    year: int
    created: bool
    responses: int = 0
    submitted: int = 0
    started: int = 0
    answers: int = 0


def demo_survey_load(now=None) -> list[DemoYearSummary]:
    now = now or timezone.now()
    this_year = timezone.localtime(now).year + 543
    return [
        *(
            _demo_year(
                this_year - years_ago,
                opens_at=now - timedelta(days=365 * years_ago + 15),
                closes_at=now - timedelta(days=365 * years_ago - 45),
                status=SurveyYear.Status.CLOSED,
                shares=(0.0, 0.0),
                ability_shift=-0.08 * years_ago,
            )
            for years_ago in (2, 1)
        ),
        _demo_year(
            this_year,
            opens_at=now - timedelta(days=20),
            closes_at=timezone.localtime(now + timedelta(days=21)).replace(
                hour=16, minute=30, second=0, microsecond=0
            ),
            status=SurveyYear.Status.OPEN,
            shares=(0.2, 0.5),
            ability_shift=0.0,
        ),
    ]


def demo_scores_compute(summaries: list[DemoYearSummary]) -> list[ScoringRun]:
    """Score the demo years just built, oldest first so that each can be compared with the one
    before. Without a broker (`make run`) the runs complete here; with one, workers take them."""
    runs = []
    for summary in sorted(summaries, key=lambda summary: summary.year):
        if summary.created:
            year = SurveyYear.objects.get(year=summary.year)
            run = scoring_run_start(year=year)
            run.refresh_from_db()
            runs.append(run)
    return runs


def _demo_year(
    year: int, *, opens_at, closes_at, status, shares: tuple[float, float], ability_shift: float
) -> DemoYearSummary:
    """Build one year unless it exists. `shares` = (not started, part-way); the rest submit."""
    if SurveyYear.objects.filter(year=year).exists():
        return DemoYearSummary(year=year, created=False)
    with transaction.atomic():
        survey_year = SurveyYear.objects.create(
            year=year,
            title_th=f"การสำรวจความพร้อมรัฐบาลดิจิทัลของหน่วยงานภาครัฐ ประจำปี {year}",
            title_en=f"Digital Government Readiness Survey {year - 543}",
            opens_at=opens_at,
            closes_at=closes_at,
        )
        questionnaire_import(
            dimensions=_with_year(DATA_DIR / "demo_dimensions.csv", year),
            questions=_with_year(DATA_DIR / "demo_questions.csv", year),
        )
        survey_year = survey_year_open(year=survey_year)
        if status == SurveyYear.Status.CLOSED:
            survey_year = survey_year_close(year=survey_year)
        agencies = list(Agency.objects.active().exclude(level=Agency.Level.LOCAL).order_by("code"))
        Response.objects.bulk_create(
            Response(year=survey_year, agency=agency, invited_at=opens_at) for agency in agencies
        )
        summary = _fill(survey_year, shares=shares, ability_shift=ability_shift)
    return DemoYearSummary(year=year, created=True, **summary)


def _with_year(path: Path, year: int):
    from agencies.services import dataset_from_file

    dataset = dataset_from_file(path)
    dataset.insert_col(0, col=[year] * dataset.height, header="year")
    return dataset


def _fill(year: SurveyYear, *, shares, ability_shift) -> dict:
    if not default_storage.exists(DEMO_EVIDENCE):
        default_storage.save(DEMO_EVIDENCE, ContentFile(DEMO_PDF))
    questions = questions_for_year(year)
    # Answers of agencies with a demo account are signed by that account.
    members = dict(
        User.objects.filter(membership__isnull=False).values_list("membership__agency_id", "pk")
    )
    answers, evidence, submitted, started = [], [], 0, 0
    responses = list(Response.objects.filter(year=year).select_related("agency"))
    window = (year.closes_at - year.opens_at).total_seconds()
    for response in responses:
        rng = random.Random(f"{year.year}-{response.agency.code}")
        roll = rng.random()
        demo_account_agency = response.agency_id in members
        if roll < shares[0] and not demo_account_agency:
            continue
        # The demo accounts' agencies are part-way this year, so there is something to finish.
        part_way = roll < shares[0] + shares[1] or (demo_account_agency and any(shares))
        ability = min(0.97, max(0.15, _agency_ability(response.agency.code) + ability_shift))
        when = year.opens_at + timedelta(seconds=rng.uniform(0.05, 0.9) * window)
        if timezone.now() < when:
            when = timezone.now() - timedelta(hours=rng.uniform(1, 300))
        user_id = members.get(response.agency_id)
        values = _answers_for(questions, response.agency.level, ability, rng)
        shown = visible_questions(questions, level=response.agency.level, values=values)
        if part_way:
            shown = shown[: int(len(shown) * rng.uniform(0.1, 0.85)) or 1]
        for question in shown:
            if question.kind == Question.Kind.FILE:
                if rng.random() < ability:
                    evidence.append(_evidence(response, question, when, user_id))
                continue
            answers.append(
                Answer(
                    response=response, question=question, value=values[question.pk],
                    updated_at=when, updated_by_id=user_id,
                )
            )  # fmt: skip
            if question.evidence_on_yes and values[question.pk] == Question.YES:
                evidence.append(_evidence(response, question, when, user_id))
        response.started_at = when - timedelta(days=rng.uniform(1, 10))
        started += 1
        if not part_way:
            response.status = Response.Status.SUBMITTED
            response.submitted_at, response.submitted_by_id = when, user_id
            submitted += 1
    Response.objects.bulk_update(
        responses, ["started_at", "status", "submitted_at", "submitted_by"], batch_size=2000
    )
    Answer.objects.bulk_create(answers, batch_size=5000)
    Evidence.objects.bulk_create(evidence, batch_size=5000)
    return {
        "responses": len(responses),
        "submitted": submitted,
        "started": started,
        "answers": len(answers),
    }


def _agency_ability(code: str) -> float:
    """How far along an agency is, stable across years: most in the middle, a few far ahead."""
    return random.Random(code).betavariate(4, 2.2)


def _answers_for(questions, level: str, ability: float, rng: random.Random) -> dict:
    values = {}
    for question in questions:
        if not question.applies_to(level):
            continue
        values[question.pk] = _value(question, ability, rng)
    return values


def _value(question: Question, ability: float, rng: random.Random):
    kind = question.kind
    if kind == Question.Kind.SINGLE_CHOICE:
        options = list(question.options.all())
        index = round(ability * (len(options) - 1) + rng.uniform(-1, 1))
        return options[min(len(options) - 1, max(0, index))].value
    if kind == Question.Kind.MULTIPLE_CHOICE:
        chosen = [o.value for o in question.options.all() if rng.random() < ability]
        return sorted(chosen) or [question.options.all()[0].value]
    if kind == Question.Kind.YES_NO:
        return Question.YES if rng.random() < ability + 0.1 else Question.NO
    if kind == Question.Kind.PERCENTAGE:
        return str(Decimal(min(100, max(0, round(ability * 100 + rng.uniform(-15, 15))))))
    if kind == Question.Kind.NUMBER:
        top = max((band.minimum for band in question.bands.all()), default=Decimal(10))
        return str(Decimal(max(0, round(float(top) * ability * rng.uniform(0.6, 1.4)))))
    if kind == Question.Kind.SHORT_TEXT:
        return rng.choice(SHORT_TEXTS)
    if kind == Question.Kind.LONG_TEXT:
        return rng.choice(LONG_TEXTS)
    return None


def _evidence(response, question, when, user_id) -> Evidence:
    return Evidence(
        response=response,
        question=question,
        file=DEMO_EVIDENCE,
        original_name=f"{question.code}-หลักฐาน.pdf",
        content_type="application/pdf",
        size=len(DEMO_PDF),
        uploaded_at=when,
        uploaded_by_id=user_id,
    )
