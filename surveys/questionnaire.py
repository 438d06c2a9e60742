"""Pure rules of the questionnaire, without the ORM: reading an answer from a form, which
questions an agency sees, and how far a response has got. Scoring (issue 4) builds on these.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from common.middleware import NUL, nul_message

from .models import Question

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 10_000
NUMBER_MAX = Decimal("999999999999.99")


class InvalidAnswer(ValueError):
    """The answer cannot be saved; the message names what is wrong, for the respondent."""


def answer_parse(question: Question, raw: list[str]):
    """The value to store for the form values `raw`, or None when the answer is cleared.

    `question.options` must be loaded (prefetched) for choice questions.
    """
    if any(NUL in item for item in raw if item is not None):
        # PostgreSQL cannot store it (common/middleware.py leaves the autosave to say so here).
        raise InvalidAnswer(nul_message())
    raw = [item.strip() for item in raw if item is not None]
    raw = [item for item in raw if item != ""]
    kind = question.kind
    if kind == Question.Kind.FILE:
        raise InvalidAnswer(_("Attach a file to answer this question."))
    if kind == Question.Kind.MULTIPLE_CHOICE:
        if not raw:
            return None
        known = set(question.answer_values())
        if unknown := sorted(set(raw) - known):
            raise InvalidAnswer(
                _("%(values)s is not one of the options.") % {"values": ", ".join(unknown)}
            )
        return sorted(set(raw))
    if len(raw) > 1:
        raise InvalidAnswer(_("Give one answer only."))
    if not raw:
        return None
    value = raw[0]
    if kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.YES_NO):
        if value not in question.answer_values():
            raise InvalidAnswer(_("%(value)s is not one of the options.") % {"value": value})
        return value
    if kind in Question.BANDED_KINDS:
        return f"{_number_parse(question, value):f}"
    limit = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX
    if len(value) > limit:
        raise InvalidAnswer(
            _("Keep the answer to %(limit)s characters; it has %(count)s.")
            % {"limit": f"{limit:,}", "count": f"{len(value):,}"}
        )
    return value


def _number_parse(question: Question, value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise InvalidAnswer(_("Enter a number, e.g. 42 or 42.5.")) from None
    if not number.is_finite():
        raise InvalidAnswer(_("Enter a number, e.g. 42 or 42.5."))
    if number < 0:
        raise InvalidAnswer(_("The number cannot be negative."))
    if number.as_tuple().exponent < -2:
        raise InvalidAnswer(_("Use at most two decimal places."))
    if question.kind == Question.Kind.PERCENTAGE and number > 100:
        raise InvalidAnswer(_("A percentage is between 0 and 100."))
    if number > NUMBER_MAX:
        raise InvalidAnswer(_("The number is too large."))
    return number.normalize()


def is_answered(question: Question, value, evidence_count: int = 0) -> bool:
    if question.kind == Question.Kind.FILE:
        return evidence_count > 0
    return value not in (None, "", [])


def visible_questions(
    questions: Iterable[Question], *, level: str, values: Mapping[int, object]
) -> list[Question]:
    """The questions an agency of `level` is asked, given its answers so far.

    `questions` in questionnaire order; `values` maps question id to the stored answer value.
    A question with a show-if is shown when its condition question is shown and has the value.
    """
    shown: set[int] = set()
    result = []
    for question in questions:
        if not question.applies_to(level):
            continue
        condition_id = question.show_if_question_id
        if condition_id is not None and (
            condition_id not in shown or values.get(condition_id) != question.show_if_value
        ):
            continue
        shown.add(question.pk)
        result.append(question)
    return result


@dataclass
class Progress:
    answered: int = 0
    total: int = 0
    missing_required: list[Question] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.answered == self.total


def progress_count(
    questions: Iterable[Question],
    *,
    values: Mapping[int, object],
    evidence_counts: Mapping[int, int],
) -> Progress:
    """How many of the shown questions are answered, and which required ones are not."""
    progress = Progress()
    for question in questions:
        progress.total += 1
        if is_answered(question, values.get(question.pk), evidence_counts.get(question.pk, 0)):
            progress.answered += 1
        elif question.required:
            progress.missing_required.append(question)
    return progress


def evidence_missing(
    questions: Iterable[Question],
    *,
    values: Mapping[int, object],
    evidence_counts: Mapping[int, int],
) -> list[Question]:
    """Yes/no questions answered "yes" without any evidence file."""
    return [
        question
        for question in questions
        if question.evidence_on_yes
        and values.get(question.pk) == Question.YES
        and not evidence_counts.get(question.pk)
    ]
