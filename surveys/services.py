"""Everything that changes a survey year, a response or its answers goes through here.

Each function checks its rules on the server, inside one transaction, and raises an error whose
message names what is wrong; views and admin actions only translate those errors into pages.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import evidence as evidence_checks
from .models import (
    Answer,
    Evidence,
    Option,
    Question,
    Response,
    ScoringBand,
    SurveyYear,
)
from .questionnaire import answer_parse


class SurveyError(Exception):
    """A rule refused the change; `str(error)` is the message for the user."""


class ResponseLocked(SurveyError):
    pass


class StaleAnswer(SurveyError):
    """Someone else saved this question since the respondent loaded it."""

    def __init__(self, current: Answer | None):
        self.current = current
        super().__init__(_("Someone else changed this answer after you opened the page."))


class SubmissionIncomplete(SurveyError):
    def __init__(self, *, missing: list[Question], missing_evidence: list[Question]):
        self.missing = missing
        self.missing_evidence = missing_evidence
        super().__init__(
            _("%(missing)s required questions are unanswered and %(evidence)s need evidence.")
            % {"missing": len(missing), "evidence": len(missing_evidence)}
        )


# ---------------------------------------------------------------------------------------------
# Survey years and their questionnaire


def survey_year_open(*, year: SurveyYear, user=None) -> SurveyYear:
    """Open a draft year: its weights must add up to 100 and every choice question needs options.
    `user` (None: the system) is recorded in the year's history."""
    from .lifecycle import year_transition  # lifecycle's refusal is a SurveyError of this module

    with transaction.atomic():
        year = SurveyYear.objects.select_for_update().get(pk=year.pk)
        if year.status != SurveyYear.Status.DRAFT:
            raise SurveyError(_("Only a draft year can be opened; %(year)s is %(status)s.") % {
                "year": year.year, "status": year.get_status_display().lower()
            })  # fmt: skip
        problems = questionnaire_problems(year=year)
        if problems:
            raise SurveyError(" ".join(problems))
        year = year_transition(year=year, to=SurveyYear.Status.OPEN, user=user)
    return year


def questionnaire_problems(*, year: SurveyYear) -> list[str]:
    """What stops a questionnaire from opening, in words for DGA staff."""
    problems = []
    total = year.dimensions.aggregate(total=Sum("weight"))["total"] or Decimal(0)
    if total != 100:
        problems.append(
            _("The dimension weights of %(year)s add up to %(total)s, not 100.")
            % {"year": year.year, "total": f"{total.normalize():f}"}
        )
    if not year.questions.exists():
        problems.append(_("The questionnaire has no questions."))

    def codes(**filters) -> str:
        found = year.questions.filter(**filters).order_by("code").values_list("code", flat=True)
        return ", ".join(found)

    if empty := codes(kind__in=Question.CHOICE_KINDS, options__isnull=True):
        problems.append(_("These choice questions have no options: %(codes)s.") % {"codes": empty})
    if unbanded := codes(kind__in=Question.BANDED_KINDS, bands__isnull=True):
        problems.append(
            _("These number questions have no scoring bands: %(codes)s.") % {"codes": unbanded}
        )
    return problems


def survey_year_close(*, year: SurveyYear, user=None) -> SurveyYear:
    """Close an open year: respondents can no longer change their answers."""
    from .lifecycle import year_transition

    with transaction.atomic():
        year = SurveyYear.objects.select_for_update().get(pk=year.pk)
        if year.status != SurveyYear.Status.OPEN:
            raise SurveyError(_("Only an open year can be closed."))
        year = year_transition(year=year, to=SurveyYear.Status.CLOSED, user=user)
    return year


@transaction.atomic
def questionnaire_copy(
    *, source: SurveyYear, year: int, title_th: str, title_en: str, opens_at, closes_at
) -> SurveyYear:
    """A new draft year with a copy of `source`'s dimensions, questions, options and bands."""
    if SurveyYear.objects.filter(year=year).exists():
        raise SurveyError(_("Survey year %(year)s already exists.") % {"year": year})
    target = SurveyYear.objects.create(
        year=year, title_th=title_th, title_en=title_en, opens_at=opens_at, closes_at=closes_at
    )
    dimensions = {}
    for dimension in source.dimensions.all():
        old_pk = dimension.pk
        dimension.pk, dimension.year = None, target
        dimension.save()
        dimensions[old_pk] = dimension
    questions = {}
    conditions = []
    source_questions = source.questions.prefetch_related("options", "bands").order_by("pk")
    for question in source_questions:
        old_pk, options, bands = question.pk, question.options.all(), question.bands.all()
        condition_id, value = question.show_if_question_id, question.show_if_value
        question.pk, question.year = None, target
        question.dimension = dimensions[question.dimension_id]
        question.show_if_question, question.show_if_value = None, ""
        question.save()
        questions[old_pk] = question
        if condition_id:
            conditions.append((question, condition_id, value))
        Option.objects.bulk_create(
            Option(question=question, value=o.value, order=o.order, label_th=o.label_th,
                   label_en=o.label_en, points=o.points)
            for o in options
        )  # fmt: skip
        ScoringBand.objects.bulk_create(
            ScoringBand(question=question, minimum=b.minimum, points=b.points) for b in bands
        )
    for question, condition_id, value in conditions:
        question.show_if_question = questions[condition_id]
        question.show_if_value = value
        question.save(update_fields=["show_if_question", "show_if_value"])
    return target


# ---------------------------------------------------------------------------------------------
# Answers


def _lock_editable_response(response: Response, now) -> Response:
    """Lock the response row for this transaction and check that respondents may change it.

    Locking serialises a save against a submit of the same response, never two agencies.
    """
    locked = (
        Response.objects.select_for_update(of=("self",)).select_related("year").get(pk=response.pk)
    )
    if not locked.is_editable(now):
        raise ResponseLocked(response_locked_reason(locked, now))
    return locked


def response_locked_reason(response: Response, now=None) -> str:
    now = now or timezone.now()
    if response.status == Response.Status.SUBMITTED:
        return _("This questionnaire has been submitted and can no longer be changed.")
    if response.year.status != SurveyYear.Status.OPEN or now < response.year.opens_at:
        return _("The survey is not open.")
    return _("The deadline has passed: answers can no longer be changed.")


@dataclass
class SaveResult:
    answer: Answer
    changed: bool


def answer_save(
    *, response: Response, question: Question, raw: list[str], base_version: int, user, now=None
) -> SaveResult:
    """Save one answer if the respondent saw the current version of it.

    `base_version` is the version the respondent's page showed (0 when it showed no answer).
    Raises InvalidAnswer, ResponseLocked or StaleAnswer; nothing is written when it raises.
    """
    now = now or timezone.now()
    value = answer_parse(question, raw)
    with transaction.atomic():
        locked = _lock_editable_response(response, now)
        # The answer's row only: Answer's default ordering joins the response, its year, the
        # question and its dimension, and a FOR UPDATE without OF would lock those shared rows
        # too, so that every autosave in the country queued on them.
        answer = (
            Answer.objects.select_for_update(of=("self",))
            .filter(response=locked, question=question)
            .order_by()
            .first()
        )
        current_version = answer.version if answer else 0
        if base_version != current_version:
            raise StaleAnswer(answer)
        if answer is not None and answer.value == value:
            return SaveResult(answer=answer, changed=False)
        if answer is None:
            try:
                with transaction.atomic():
                    answer = Answer.objects.create(
                        response=locked, question=question, value=value,
                        updated_at=now, updated_by=user,
                    )  # fmt: skip
            except IntegrityError:
                raise StaleAnswer(Answer.objects.get(response=locked, question=question)) from None
        else:
            answer.value, answer.updated_at, answer.updated_by = value, now, user
            answer.version += 1
            answer.save(update_fields=["value", "updated_at", "updated_by", "version"])
        if locked.started_at is None:
            Response.objects.filter(pk=locked.pk).update(started_at=now)
            response.started_at = now
    return SaveResult(answer=answer, changed=True)


# ---------------------------------------------------------------------------------------------
# Evidence

# What an evidence file may be and the checks it passes: surveys/evidence.py.
EVIDENCE_TYPES = evidence_checks.EVIDENCE_TYPES
MEGABYTE = 1024 * 1024


def evidence_add(
    *, response: Response, question: Question, upload: UploadedFile, user, now=None
) -> Evidence:
    """Keep an evidence file under a name the server makes, if the question takes evidence, the
    file is of a type evidence may be, carries no macro or virus, and fits within the limits.

    The limits per question and per response (count and total size) are checked while the
    response's row is locked, so two uploads at once cannot both pass a limit only one fits in.
    Raises SurveyError (ResponseLocked too); nothing is kept when it raises.
    """
    now = now or timezone.now()
    if question.kind not in evidence_checks.EVIDENCE_KINDS or question.year_id != response.year_id:
        raise SurveyError(_("This question does not take evidence files."))
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise SurveyError(
            _("%(name)s is %(size)s MB; files may be at most %(limit)s MB.")
            % {"name": upload.name, "size": _megabytes(upload.size), "limit": _megabytes(limit)}
        )
    if upload.size == 0:
        raise SurveyError(_("%(name)s is empty.") % {"name": upload.name})
    try:
        kind = evidence_checks.evidence_type(upload)
        # Before the lock: a scan takes time, and the response's row is not needed for it.
        evidence_checks.scan_for_viruses(upload)
    except evidence_checks.EvidenceRefused as refusal:
        raise SurveyError(str(refusal)) from None
    with transaction.atomic():
        locked = _lock_editable_response(response, now)
        _check_evidence_limits(response=locked, question=question, upload=upload)
        evidence = Evidence(
            response=locked,
            question=question,
            original_name=upload.name[:255],
            content_type=kind.mime,
            size=upload.size,
            uploaded_at=now,
            uploaded_by=user,
        )
        # The stored name comes from the content's type, never from the uploader's file name.
        evidence.file.save(f"evidence.{kind.extension}", upload, save=False)
        try:
            evidence.save()
        except Exception:
            evidence.file.delete(save=False)
            raise
        if locked.started_at is None:
            Response.objects.filter(pk=locked.pk).update(started_at=now)
    return evidence


def _check_evidence_limits(*, response: Response, question: Question, upload) -> None:
    """Refuse a file that would take the question or the response past a limit. The caller holds
    the response's row lock, so the files counted here are all there are."""
    kept = Evidence.objects.filter(response=response).aggregate(
        response_files=Count("pk"),
        response_bytes=Coalesce(Sum("size"), 0),
        question_files=Count("pk", filter=Q(question=question)),
        question_bytes=Coalesce(Sum("size", filter=Q(question=question)), 0),
    )
    name = upload.name
    question_bytes = kept["question_bytes"] + upload.size
    response_bytes = kept["response_bytes"] + upload.size
    if kept["question_files"] >= settings.EVIDENCE_MAX_FILES_PER_QUESTION:
        message = _(
            "A question may have at most %(limit)s evidence files; "
            "remove one before adding %(name)s."
        ) % {"limit": settings.EVIDENCE_MAX_FILES_PER_QUESTION, "name": name}
    elif question_bytes > settings.EVIDENCE_MAX_MB_PER_QUESTION * MEGABYTE:
        message = _(
            "The evidence files of a question may add up to at most %(limit)s MB; "
            "with %(name)s they would be %(total)s MB."
        ) % {
            "limit": settings.EVIDENCE_MAX_MB_PER_QUESTION,
            "name": name,
            "total": _megabytes(question_bytes),
        }
    elif kept["response_files"] >= settings.EVIDENCE_MAX_FILES_PER_RESPONSE:
        message = _(
            "A questionnaire may have at most %(limit)s evidence files in all; "
            "remove one before adding %(name)s."
        ) % {"limit": settings.EVIDENCE_MAX_FILES_PER_RESPONSE, "name": name}
    elif response_bytes > settings.EVIDENCE_MAX_MB_PER_RESPONSE * MEGABYTE:
        message = _(
            "The evidence files of a questionnaire may add up to at most %(limit)s MB; "
            "with %(name)s they would be %(total)s MB."
        ) % {
            "limit": settings.EVIDENCE_MAX_MB_PER_RESPONSE,
            "name": name,
            "total": _megabytes(response_bytes),
        }
    else:
        return
    raise SurveyError(message)


def evidence_delete(*, evidence: Evidence, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        _lock_editable_response(evidence.response, now)
        evidence.delete()
        transaction.on_commit(lambda: evidence.file.delete(save=False))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


# ---------------------------------------------------------------------------------------------
# Submission, return and deadline


def response_submit(*, response: Response, user, now=None) -> Response:
    """Submit a complete response: read-only from now on, time-stamped, with who submitted it."""
    from .selectors import ResponseState

    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_editable_response(response, now)
        state = ResponseState(locked)
        if state.progress.missing_required or state.missing_evidence:
            raise SubmissionIncomplete(
                missing=state.progress.missing_required, missing_evidence=state.missing_evidence
            )
        locked.status = Response.Status.SUBMITTED
        locked.submitted_at, locked.submitted_by = now, user
        locked.save(update_fields=["status", "submitted_at", "submitted_by"])
        _score_on_commit(locked)
    return locked


def response_return(*, response: Response, reason: str, extend_to=None, now=None) -> Response:
    """Give a submitted response back to its agency for revision, with a reason it will see."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise SurveyError(_("Give the agency a reason for the return."))
    with transaction.atomic():
        locked = (
            Response.objects.select_for_update(of=("self",))
            .select_related("year")
            .get(pk=response.pk)
        )
        if locked.status != Response.Status.SUBMITTED:
            raise SurveyError(_("Only a submitted response can be returned."))
        if extend_to is not None:
            locked.deadline_extended_to = extend_to
        if locked.deadline <= now:
            raise SurveyError(
                _("The deadline of %(agency)s has passed: extend it so the agency can revise.")
                % {"agency": locked.agency}
            )
        locked.status = Response.Status.RETURNED
        locked.returned_reason, locked.returned_at = reason, now
        locked.save(
            update_fields=["status", "returned_reason", "returned_at", "deadline_extended_to"]
        )
        _score_on_commit(locked)
    return locked


def _score_on_commit(response: Response) -> None:
    """Once the change is committed, score the response (or drop its score if returned)."""
    from .tasks import score_responses

    transaction.on_commit(
        lambda: score_responses.delay(year_id=response.year_id, response_ids=[response.pk])
    )


def deadline_extend(*, response: Response, until) -> Response:
    if until <= response.year.opens_at:
        raise SurveyError(_("The new deadline must be after the survey opens."))
    response.deadline_extended_to = until
    response.save(update_fields=["deadline_extended_to"])
    return response
