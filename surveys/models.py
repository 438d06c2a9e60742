"""A survey year, its questionnaire (dimensions, questions, options, scoring bands), and the
responses of the invited agencies (answers per question, evidence files).

A year owns its framework: dimension names and weights change between years, while a question's
code stays the same so that years can be compared. Once a year opens its questionnaire is frozen.
"""

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common.history import FieldChange

# The survey has run every year since B.E. 2558 (2015).
FIRST_SURVEY_YEAR_BE = 2558

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$",
    _("Use capital letters, digits, hyphens and underscores, e.g. SERVICE-01."),
)
value_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$",
    _("Use lower-case letters, digits, hyphens and underscores, e.g. partial."),
)


def localized(thai: str, english: str) -> str:
    """A name, text or label in the language of the request: Thai first, English second."""
    return english if (get_language() or "th").startswith("en") and english else thai


class SurveyYearQuerySet(models.QuerySet):
    def editable_questionnaire(self):
        return self.filter(status=SurveyYear.Status.DRAFT)


class SurveyYear(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        SCORED = "scored", _("Scored")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(
        _("year (B.E.)"),
        unique=True,
        validators=[MinValueValidator(FIRST_SURVEY_YEAR_BE), MaxValueValidator(2700)],
        help_text=_("Buddhist Era year, e.g. 2569 for 2026."),
    )
    title_th = models.CharField(_("Thai title"), max_length=255)
    title_en = models.CharField(_("English title"), max_length=255)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_agency_scores = models.BooleanField(
        _("publish each agency's scores"),
        default=False,
        help_text=_(
            "Once the year is published, the open-data package and API also list every "
            "agency's overall and dimension scores. Off: only aggregates and winners."
        ),
    )
    # "Published" is one fact: the status says it and these say when and by whom, together
    # (a constraint below), written only by surveys.lifecycle.year_transition.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )
    # Raised by PostgreSQL whenever a dimension, question, option or scoring band of the year is
    # added, changed or deleted, and never lowered (migration 0006): a worker's cached scoring
    # method is keyed on it (surveys.scores.scoring_method_of).
    questionnaire_version = models.PositiveIntegerField(
        _("questionnaire version"), default=1, editable=False
    )
    invited_agencies = models.ManyToManyField(
        Agency,
        through="Response",
        related_name="survey_years",
        verbose_name=_("invited agencies"),
    )

    objects = SurveyYearQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("survey year")
        verbose_name_plural = _("survey years")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="survey_year_closes_after_opening",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed", "scored", "published"]),
                name="survey_year_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_SURVEY_YEAR_BE),
                name="survey_year_from_2558",
                violation_error_message=_("The survey started in B.E. 2558."),
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | ~Q(status="published") & Q(published_at__isnull=True),
                name="survey_year_published_has_time",
                violation_error_message=_(
                    "A year is published exactly when it has a publication time."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.title}"

    @property
    def title(self):
        return localized(self.title_th, self.title_en)

    @property
    def year_ce(self):
        return self.year - 543

    @property
    def questionnaire_frozen(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        """Whether its results are public: one fact, with `published_at` (see the constraint)."""
        return self.published_at is not None


class YearTransition(models.Model):
    """One step of a year's lifecycle: from which status to which, when, and by whom (nobody:
    the system, e.g. scoring completing in a Celery worker). Written only by
    surveys.lifecycle.year_transition; PostgreSQL refuses to update or delete these rows
    (migration 0006)."""

    year = models.ForeignKey(
        SurveyYear, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("year")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=SurveyYear.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=SurveyYear.Status.choices)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["year", "at", "pk"]
        verbose_name = _("year status change")
        verbose_name_plural = _("year status changes")

    def __str__(self):
        return (
            f"{self.year.year}: {self.get_from_status_display()} → {self.get_to_status_display()}"
        )


class FrozenQuestionnaireMixin:
    """Refuses to validate a change to a questionnaire whose year has opened."""

    def _survey_year(self) -> SurveyYear | None:
        raise NotImplementedError

    def clean(self):
        super().clean()
        year = self._survey_year()
        if year is not None and year.questionnaire_frozen:
            raise ValidationError(frozen_message(year))


def frozen_message(year: SurveyYear) -> str:
    return _(
        "The questionnaire of %(year)s is frozen because the year is %(status)s. "
        "Copy it into a new draft year to change it."
    ) % {"year": year.year, "status": year.get_status_display().lower()}


class Dimension(FrozenQuestionnaireMixin, models.Model):
    year = models.ForeignKey(
        SurveyYear, on_delete=models.CASCADE, related_name="dimensions", verbose_name=_("year")
    )
    code = models.CharField(_("code"), max_length=20, validators=[code_validator])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_th = models.CharField(_("Thai name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255)
    description_th = models.TextField(_("Thai description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("The weights of a year must add up to 100 before it opens."),
    )

    class Meta:
        ordering = ["year", "order", "code"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="dimension_code_unique_in_year"),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100),
                name="dimension_weight_0_to_100",
                violation_error_message=_("A weight is between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self):
        return localized(self.name_th, self.name_en)

    @property
    def description(self):
        return localized(self.description_th, self.description_en)

    def _survey_year(self):
        return self.year if self.year_id else None


QUESTION_KINDS = [
    "single_choice", "multiple_choice", "yes_no", "number", "percentage",
    "short_text", "long_text", "file",
]  # fmt: skip


class Question(FrozenQuestionnaireMixin, models.Model):
    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        YES_NO = "yes_no", _("Yes / no (evidence on yes)")
        NUMBER = "number", _("Number")
        PERCENTAGE = "percentage", _("Percentage")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        FILE = "file", _("File evidence")

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)
    BANDED_KINDS = (Kind.NUMBER, Kind.PERCENTAGE)
    TEXT_KINDS = (Kind.SHORT_TEXT, Kind.LONG_TEXT)
    # Kinds whose answer can be the condition of another question's show-if.
    CONDITION_KINDS = (Kind.SINGLE_CHOICE, Kind.YES_NO)
    YES, NO = "yes", "no"

    # The year is stored beside the dimension so that PostgreSQL can keep codes unique in a year.
    year = models.ForeignKey(
        SurveyYear, on_delete=models.CASCADE, related_name="questions", verbose_name=_("year")
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="questions", verbose_name=_("dimension")
    )
    code = models.CharField(
        _("code"),
        max_length=30,
        validators=[code_validator],
        help_text=_("Stays the same across years, so that years can be compared."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    text_th = models.TextField(_("Thai text"))
    text_en = models.TextField(_("English text"))
    help_th = models.TextField(_("Thai help text"), blank=True)
    help_en = models.TextField(_("English help text"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    levels = models.JSONField(
        _("agency levels"),
        default=list,
        help_text=_("The agency levels the question applies to."),
    )
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    # RESTRICT: a question others depend on cannot be deleted alone, but its year can.
    show_if_question = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="dependents",
        verbose_name=_("show only if question"),
    )
    show_if_value = models.CharField(_("has the value"), max_length=30, blank=True)

    class Meta:
        ordering = ["year", "dimension__order", "order", "code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="question_code_unique_in_year"),
            models.CheckConstraint(
                condition=Q(kind__in=QUESTION_KINDS),
                name="question_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(max_points__gte=0), name="question_max_points_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["short_text", "long_text"]) | Q(max_points=0),
                name="question_text_not_scored",
                violation_error_message=_("Text questions are not scored: maximum points is 0."),
            ),
            models.CheckConstraint(
                condition=Q(show_if_question__isnull=True, show_if_value="")
                | Q(show_if_question__isnull=False) & ~Q(show_if_value=""),
                name="question_show_if_complete",
                violation_error_message=_("A show-if needs both a question and a value."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.text_th[:60]}"

    @property
    def text(self):
        return localized(self.text_th, self.text_en)

    @property
    def help(self):
        return localized(self.help_th, self.help_en)

    @property
    def is_scored(self) -> bool:
        return self.kind not in self.TEXT_KINDS

    @property
    def evidence_on_yes(self) -> bool:
        return self.kind == self.Kind.YES_NO

    def applies_to(self, level: str) -> bool:
        return level in self.levels

    def _survey_year(self):
        return self.year if self.year_id else None

    def clean(self):
        super().clean()
        errors = {}
        known_levels = set(Agency.Level.values)
        if not self.levels or not isinstance(self.levels, list):
            errors["levels"] = _("Pick at least one agency level.")
        elif unknown := [level for level in self.levels if level not in known_levels]:
            errors["levels"] = _("Unknown agency level: %(levels)s.") % {
                "levels": ", ".join(map(str, unknown))
            }
        if self.dimension_id and self.year_id and self.dimension.year_id != self.year_id:
            errors["dimension"] = _("The dimension belongs to another year.")
        if self.kind in self.TEXT_KINDS and self.max_points:
            errors["max_points"] = _("Text questions are not scored: maximum points is 0.")
        if self.show_if_question_id:
            errors.update(self._show_if_errors())
        if errors:
            raise ValidationError(errors)

    def _show_if_errors(self) -> dict:
        condition = self.show_if_question
        if condition.pk == self.pk:
            return {"show_if_question": _("A question cannot depend on itself.")}
        if condition.year_id != self.year_id:
            return {"show_if_question": _("The show-if question belongs to another year.")}
        if condition.kind not in self.CONDITION_KINDS:
            return {"show_if_question": _("The show-if question must be single choice or yes/no.")}
        if self.show_if_value not in condition.answer_values():
            return {
                "show_if_value": _("%(question)s has no value %(value)s; it has %(values)s.")
                % {
                    "question": condition.code,
                    "value": self.show_if_value,
                    "values": ", ".join(condition.answer_values()),
                }
            }
        return {}

    def answer_values(self) -> list[str]:
        """The values a choice or yes/no answer can take."""
        if self.kind == self.Kind.YES_NO:
            return [self.YES, self.NO]
        return [option.value for option in self.options.all()]


class Option(FrozenQuestionnaireMixin, models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    value = models.CharField(_("value"), max_length=30, validators=[value_validator])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label_th = models.CharField(_("Thai label"), max_length=500)
    label_en = models.CharField(_("English label"), max_length=500)
    points = models.DecimalField(
        _("points"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        ordering = ["question", "order", "value"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="option_value_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="option_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.value}: {self.label_th}"

    @property
    def label(self):
        return localized(self.label_th, self.label_en)

    def _survey_year(self):
        return self.question.year if self.question_id else None


class ScoringBand(FrozenQuestionnaireMixin, models.Model):
    """A number or percentage answer earns the points of the highest minimum it reaches."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="bands", verbose_name=_("question")
    )
    minimum = models.DecimalField(
        _("from (inclusive)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    points = models.DecimalField(
        _("points"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        ordering = ["question", "minimum"]
        verbose_name = _("scoring band")
        verbose_name_plural = _("scoring bands")
        constraints = [
            models.UniqueConstraint(fields=["question", "minimum"], name="band_minimum_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="band_points_not_negative"),
        ]

    def __str__(self):
        return f"≥ {self.minimum}: {self.points}"

    def _survey_year(self):
        return self.question.year if self.question_id else None


class ResponseQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=Response.Status.SUBMITTED)

    def not_submitted(self):
        return self.exclude(status=Response.Status.SUBMITTED)

    def for_user(self, user):
        """The responses of the user's own agency: none for anyone without a membership."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(agency__memberships__user=user)


# Every status change of a response (from, to, when, the context: who and where), written by a
# PostgreSQL trigger, so `.update()` is seen too; append-only (common/history.py).
@pghistory.track(
    FieldChange("status_changed", field="status"),
    fields=["status"],
    model_name="ResponseStatusChange",
    obj_field=pghistory.ObjForeignKey(related_name="status_changes"),
    context_field=pghistory.ContextJSONField(),
    context_id_field=None,
    append_only=True,
    attrs={"from_status": models.CharField(_("from"), max_length=12)},
    meta={
        "verbose_name": _("response status change"),
        "verbose_name_plural": _("response status changes"),
        "ordering": ["pgh_id"],
    },
)
class Response(models.Model):
    """One invited agency's answers for one year. Inviting an agency creates its response."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")

    year = models.ForeignKey(
        SurveyYear, on_delete=models.PROTECT, related_name="responses", verbose_name=_("year")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="responses", verbose_name=_("agency")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    returned_reason = models.TextField(
        _("reason for return"), blank=True, help_text=_("Shown to the agency.")
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    deadline_extended_to = models.DateTimeField(
        _("deadline extended to"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the year's closing time."),
    )
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["year", "agency__code"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["year", "agency"], name="one_response_per_agency_year"),
            models.CheckConstraint(
                condition=Q(status__in=["in_progress", "submitted", "returned"]),
                name="response_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="response_submitted_has_time",
                violation_error_message=_("A submitted response has a submission time."),
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(returned_reason=""),
                name="response_returned_has_reason",
                violation_error_message=_("Give the agency a reason for the return."),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self):
        return f"{self.year.year} · {self.agency}"

    @property
    def deadline(self):
        return self.deadline_extended_to or self.year.closes_at

    @property
    def is_started(self) -> bool:
        return self.started_at is not None

    def is_editable(self, now=None) -> bool:
        """Respondents may change answers: the year is open, the deadline ahead, not submitted."""
        now = now or timezone.now()
        return (
            self.year.status == SurveyYear.Status.OPEN
            and self.year.opens_at <= now < self.deadline
            and self.status != self.Status.SUBMITTED
        )


# Every version of an answer: its value when first saved and each time the value changes, by
# PostgreSQL triggers (`.update()` too); the rest of the row is not copied, so a save stays cheap.
@pghistory.track(
    pghistory.InsertEvent("created"),
    pghistory.UpdateEvent("changed", condition=pghistory.AnyChange("value")),
    fields=["value", "version"],
    model_name="AnswerVersion",
    obj_field=pghistory.ObjForeignKey(related_name="versions"),
    context_field=pghistory.ContextJSONField(),
    context_id_field=None,
    append_only=True,
    meta={
        "verbose_name": _("answer version"),
        "verbose_name_plural": _("answer versions"),
        "ordering": ["pgh_id"],
    },
)
class Answer(models.Model):
    """The answer to one question, saved on its own so that people on different questions never
    overwrite each other; `version` refuses a save based on a stale value.

    `value` holds: the option value (single choice), a sorted list of option values (multiple
    choice), "yes"/"no", a decimal number as a string (number, percentage), or the text.
    """

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    value = models.JSONField(_("value"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["response", "question"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]
        indexes = [models.Index(fields=["response", "-updated_at"])]

    def __str__(self):
        return f"{self.question.code}: {self.value}"

    @property
    def is_blank(self) -> bool:
        return self.value in (None, "", [])


def evidence_path(instance, filename: str) -> str:
    """A name the server makes: the uploader's file name is kept only in `original_name`."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    response = instance.response
    return f"evidence/{response.year.year}/{response.agency.code}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("question")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [models.Index(fields=["response", "question"])]

    def __str__(self):
        return self.original_name


# Scores: stored exactly as computed (28 significant digits), rounded only for display.
SCORE_DIGITS = {"max_digits": 30, "decimal_places": 26}
POINTS_DIGITS = {"max_digits": 12, "decimal_places": 2}


def _shown(score: Decimal) -> str:
    """A score as every page shows it: two decimals rounded half up (`scoring.score_display`).
    Imported on use: the scoring method reads the questionnaire rules, which read these models."""
    from .scoring import score_display

    return f"{score_display(score):f}"


class ScoringRunQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class ScoringRun(models.Model):
    """One computation of a year's scores. Readers use the year's current run only; a recompute
    fills a new run and makes it current in one transaction when it is complete, so nobody ever
    sees a mix of old and new numbers. Earlier runs are kept.

    Submissions scored one by one go into the current run (a "submissions" run is made for the
    first one), which is re-aggregated each time.
    """

    class Trigger(models.TextChoices):
        SUBMISSIONS = "submissions", _("Submissions")
        RECOMPUTE = "recompute", _("Recompute")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    year = models.ForeignKey(
        SurveyYear, on_delete=models.PROTECT, related_name="scoring_runs", verbose_name=_("year")
    )
    trigger = models.CharField(_("started by"), max_length=12, choices=Trigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    is_current = models.BooleanField(_("current"), default=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by user"),
    )
    responses_total = models.PositiveIntegerField(_("responses"), default=0)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = ScoringRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(is_current=True), name="one_current_run_per_year"
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status="running"),
                name="one_running_run_per_year",
                violation_error_message=_("A recompute of this year is already running."),
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(status="complete"),
                name="current_run_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["running", "complete", "failed"]),
                name="scoring_run_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=["submissions", "recompute"]),
                name="scoring_run_trigger_valid",
            ),
        ]

    def __str__(self):
        return f"{self.year.year} #{self.pk} {self.get_status_display()}"

    @property
    def duration(self):
        return (self.finished_at or timezone.now()) - self.started_at


class ScoringChunk(models.Model):
    """A slice of a recompute's responses, scored by one Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(_("number"))
    response_ids = models.JSONField(_("responses"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        verbose_name = _("scoring chunk")
        verbose_name_plural = _("scoring chunks")
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="chunk_number_unique_in_run"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "done", "failed"]),
                name="scoring_chunk_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.run} chunk {self.number}"


class ResponseScore(models.Model):
    """A response's overall score in one run, with its dimension scores and, once aggregated,
    its change against the previous year. `problems` lists answers that could not be scored:
    such a score is held back from the aggregates and ranks."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores")
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="scores", verbose_name=_("response")
    )
    overall = models.DecimalField(_("overall score"), **SCORE_DIGITS)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    previous_overall = models.DecimalField(
        _("previous year's overall score"), null=True, blank=True, **SCORE_DIGITS
    )
    change = models.DecimalField(_("change"), null=True, blank=True, **SCORE_DIGITS)
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now)

    class Meta:
        ordering = ["run", "-overall", "response"]
        verbose_name = _("response score")
        verbose_name_plural = _("response scores")
        constraints = [
            models.UniqueConstraint(fields=["run", "response"], name="one_score_per_run"),
            models.CheckConstraint(
                condition=Q(overall__gte=0, overall__lte=100), name="overall_score_0_to_100"
            ),
        ]

    def __str__(self):
        return f"{self.response}: {_shown(self.overall)}"


class DimensionScore(models.Model):
    score = models.ForeignKey(
        ResponseScore, on_delete=models.CASCADE, related_name="dimension_scores"
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, related_name="+", verbose_name=_("dimension")
    )
    earned = models.DecimalField(_("points earned"), **POINTS_DIGITS)
    possible = models.DecimalField(_("points possible"), **POINTS_DIGITS)
    value = models.DecimalField(_("score"), **SCORE_DIGITS)

    class Meta:
        ordering = ["score", "dimension__order"]
        verbose_name = _("dimension score")
        verbose_name_plural = _("dimension scores")
        constraints = [
            models.UniqueConstraint(fields=["score", "dimension"], name="one_score_per_dimension"),
            models.CheckConstraint(
                condition=Q(value__gte=0, value__lte=100), name="dimension_score_0_to_100"
            ),
            models.CheckConstraint(
                condition=Q(earned__gte=0, earned__lte=models.F("possible")),
                name="dimension_earned_within_possible",
            ),
        ]

    def __str__(self):
        return f"{self.dimension.code}: {_shown(self.value)}"


SCOPES = ["national", "level", "ministry", "award_group", "province", "unit_type"]


class GroupScore(models.Model):
    """The mean scores of a group of agencies (the nation, a level, a ministry, an award group,
    a province, a provincial unit type) in one run, and its rank among its scope's groups."""

    class Scope(models.TextChoices):
        NATIONAL = "national", _("National")
        LEVEL = "level", _("Agency level")
        MINISTRY = "ministry", _("Ministry")
        AWARD_GROUP = "award_group", _("Award group")
        PROVINCE = "province", _("Province")
        UNIT_TYPE = "unit_type", _("Provincial unit type")

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="groups")
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    key = models.CharField(_("key"), max_length=30, help_text=_("The code of the group."))
    name_th = models.CharField(_("Thai name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255)
    agencies = models.PositiveIntegerField(_("agencies"))
    overall_mean = models.DecimalField(_("mean overall score"), **SCORE_DIGITS)
    rank = models.PositiveIntegerField(_("rank"))
    previous_mean = models.DecimalField(
        _("previous year's mean"), null=True, blank=True, **SCORE_DIGITS
    )

    class Meta:
        ordering = ["run", "scope", "rank", "key"]
        verbose_name = _("group score")
        verbose_name_plural = _("group scores")
        constraints = [
            models.UniqueConstraint(fields=["run", "scope", "key"], name="one_group_per_run"),
            models.CheckConstraint(
                condition=Q(scope__in=SCOPES),
                name="group_scope_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} {self.name}: {_shown(self.overall_mean)}"

    @property
    def name(self):
        return localized(self.name_th, self.name_en)

    @property
    def change(self) -> Decimal | None:
        """The change against the previous year as it reads beside the two means shown: the
        difference of the displayed means (`score_difference`). Nothing ranks on it."""
        from .scoring import score_difference  # see `_shown`

        return score_difference(self.overall_mean, self.previous_mean)


class GroupDimensionScore(models.Model):
    group = models.ForeignKey(GroupScore, on_delete=models.CASCADE, related_name="dimensions")
    dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, related_name="+", verbose_name=_("dimension")
    )
    mean = models.DecimalField(_("mean score"), **SCORE_DIGITS)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("High to low in the group."))

    class Meta:
        ordering = ["group", "rank", "dimension__order"]
        verbose_name = _("group dimension score")
        verbose_name_plural = _("group dimension scores")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "dimension"], name="one_mean_per_group_dimension"
            )
        ]

    def __str__(self):
        return f"{self.group} · {self.dimension.code}: {_shown(self.mean)}"


class ResponseRank(models.Model):
    """A response's place in one of the groups it is counted in."""

    score = models.ForeignKey(ResponseScore, on_delete=models.CASCADE, related_name="ranks")
    group = models.ForeignKey(GroupScore, on_delete=models.CASCADE, related_name="ranks")
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        ordering = ["group", "rank"]
        verbose_name = _("rank in group")
        verbose_name_plural = _("ranks in groups")
        constraints = [
            models.UniqueConstraint(fields=["score", "group"], name="one_rank_per_group")
        ]

    def __str__(self):
        return f"{self.rank} / {self.group.agencies} · {self.group.name}"
