"""Reading a response's history: its status changes and every version of its answers.

PostgreSQL's triggers write the history (`AnswerVersion`, `ResponseStatusChange` in models.py,
common/history.py); this module only reads it.

Guarantees:
- `response_history` reads the history of one response in a fixed number of queries, whatever
  the number of questions and versions: the status changes, the answer versions with their
  question, the questionnaire (options for showing values; none when the year's questionnaire is
  already cached) and the people named;
- who made a change is the user of the request that made it (the history context), never the
  answer's own `updated_by`, which a raw `.update()` would leave stale; a change made outside a
  request (a shell, a command without a context) names nobody;
- on a database other than PostgreSQL (SQLite for `make run`) there are no triggers, so there is
  no history: `kept` is False and nothing is read.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F

from .models import AnswerVersion, Question, Response, ResponseStatusChange
from .selectors import questionnaire_of


def history_is_kept() -> bool:
    """Only PostgreSQL runs the history triggers."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class StatusEntry:
    from_status: str
    to_status: str
    at: datetime
    who: object | None  # a user

    @property
    def from_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_status)


@dataclass(frozen=True)
class VersionEntry:
    value: object
    version: int
    at: datetime
    who: object | None


@dataclass
class QuestionHistory:
    question: Question
    versions: list[VersionEntry] = field(default_factory=list)  # newest first


@dataclass
class ResponseHistory:
    kept: bool
    status_changes: list[StatusEntry] = field(default_factory=list)  # newest first
    questions: list[QuestionHistory] = field(default_factory=list)  # in questionnaire order


def _status_label(value: str) -> str:
    try:
        return Response.Status(value).label
    except ValueError:
        return value


def _user_id(context) -> int | None:
    user = (context or {}).get("user")
    return int(user) if isinstance(user, int | str) and str(user).isdigit() else None


def response_history(response: Response, *, answers: bool = True) -> ResponseHistory:
    """The response's status changes and (unless `answers` is False) answer versions, newest
    first, with who and when."""
    if not history_is_kept():
        return ResponseHistory(kept=False)
    changes = list(ResponseStatusChange.objects.filter(pgh_obj=response).order_by("-pgh_id"))
    versions = []
    if answers:
        versions = list(
            AnswerVersion.objects.filter(pgh_obj__response=response)
            .annotate(question_id=F("pgh_obj__question_id"))
            .order_by("-pgh_id")
        )
    user_ids = {_user_id(row.pgh_context) for row in [*changes, *versions]} - {None}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}

    def who(row):
        return users.get(_user_id(row.pgh_context))

    by_question = defaultdict(list)
    for row in versions:
        by_question[row.question_id].append(
            VersionEntry(value=row.value, version=row.version, at=row.pgh_created_at, who=who(row))
        )
    _, questions = questionnaire_of(response.year) if versions else (None, [])
    return ResponseHistory(
        kept=True,
        status_changes=[
            StatusEntry(row.from_status, row.status, at=row.pgh_created_at, who=who(row))
            for row in changes
        ],
        questions=[
            QuestionHistory(question=question, versions=by_question[question.pk])
            for question in questions
            if question.pk in by_question
        ],
    )
