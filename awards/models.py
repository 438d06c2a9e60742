"""The Digital Government Awards of a survey year: the categories and their rules, the shortlists
the rules produce from the year's final scores, the committee's votes and decisions, publication,
and the audit record of all of it.

A shortlist is a snapshot: its candidates carry the figures that placed them, copied from the
scoring run it was generated from, so a decision never changes when scores are recomputed later.
Regenerating makes a new shortlist and keeps the old one (and the votes cast on it).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Ministry, Province, code_validator
from surveys.models import SCORE_DIGITS, Dimension, Question, ScoringRun, SurveyYear, localized

DEFAULT_MOST_IMPROVED_MINIMUM = 80


class AwardCategory(models.Model):
    class Kind(models.TextChoices):
        TOP_OVERALL = "top_overall", _("Top overall score")
        MOST_IMPROVED = "most_improved", _("Most improved")
        PROVINCE = "province", _("Province")
        FOCUS = "focus", _("Focus (chosen questions or dimensions)")
        THRESHOLD = "threshold", _("Threshold (everyone who meets a criterion)")
        NOMINATION = "nomination", _("Nomination (committee's choice)")

    class Status(models.TextChoices):
        OPEN = "open", _("Under review")
        FINALISED = "finalised", _("Finalised")

    year = models.ForeignKey(
        SurveyYear,
        on_delete=models.PROTECT,
        related_name="award_categories",
        verbose_name=_("survey year"),
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_th = models.CharField(_("Thai name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255)
    rule_th = models.TextField(_("Thai rule as published"), blank=True)
    rule_en = models.TextField(_("English rule as published"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    winners = models.PositiveSmallIntegerField(
        _("winners"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("How many winners the rule proposes. Not used by threshold categories."),
    )
    runners_up = models.PositiveSmallIntegerField(
        _("runners-up"),
        default=3,
        help_text=_("How many candidates after the winners the committee also sees."),
    )
    minimum_score = models.DecimalField(
        _("minimum overall score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Candidates need at least this overall score this year (for provinces, the province "
            "score). Most improved: 80 unless you set another."
        ),
    )
    # Eligibility: empty means any.
    level = models.CharField(_("level"), max_length=20, choices=Agency.Level.choices, blank=True)
    award_group = models.CharField(
        _("award group"), max_length=10, choices=Agency.AwardGroup.choices, blank=True
    )
    ministry = models.ForeignKey(
        Ministry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ministry"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    # Focus: the score on these dimensions and questions together, as points earned of possible.
    focus_dimensions = models.ManyToManyField(
        Dimension, blank=True, related_name="+", verbose_name=_("focus dimensions")
    )
    focus_questions = models.ManyToManyField(
        Question, blank=True, related_name="+", verbose_name=_("focus questions")
    )
    # Threshold: every agency whose answer to this question is this value.
    criterion_question = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion question"),
    )
    criterion_value = models.CharField(
        _("criterion answer"),
        max_length=30,
        blank=True,
        help_text=_("The answer that meets the criterion, e.g. yes."),
    )
    tiebreak_dimension = models.ForeignKey(
        Dimension,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tie-break dimension"),
        help_text=_(
            "Equal scores are ordered by the higher overall score, then by the higher score on "
            "this dimension (Public Services by default); still equal, they share a place."
        ),
    )
    quorum = models.PositiveSmallIntegerField(
        _("quorum"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Votes each candidate needs before the chair can finalise."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finalised by"),
    )
    decision_reason = models.TextField(
        _("reason for the number of winners"),
        blank=True,
        help_text=_(
            "Recorded by the chair when the number of winners differs from the category's "
            "places, e.g. a tie at the cut-off."
        ),
    )

    class Meta:
        verbose_name = _("award category")
        verbose_name_plural = _("award categories")
        ordering = ["year", "order", "code"]
        permissions = [("publish_results", _("Can publish a year's award results"))]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="award_category_code_per_year"),
            models.CheckConstraint(
                condition=Q(winners__gte=1), name="award_category_winners_positive"
            ),
            models.CheckConstraint(condition=Q(quorum__gte=1), name="award_category_quorum"),
            models.CheckConstraint(
                condition=Q(minimum_score__isnull=True)
                | Q(minimum_score__gte=0, minimum_score__lte=100),
                name="award_category_minimum_0_100",
            ),
            models.CheckConstraint(
                condition=Q(status="open", finalised_at__isnull=True)
                | Q(status="finalised", finalised_at__isnull=False),
                name="award_category_finalised_at",
            ),
            models.CheckConstraint(
                condition=~Q(kind="threshold")
                | (Q(criterion_question__isnull=False) & ~Q(criterion_value="")),
                name="award_category_threshold_criterion",
            ),
        ]

    def __str__(self):
        return f"{self.year.year} · {self.name}"

    @property
    def name(self):
        return localized(self.name_th, self.name_en)

    @property
    def rule(self):
        return localized(self.rule_th, self.rule_en)

    @property
    def is_finalised(self) -> bool:
        return self.status == self.Status.FINALISED

    @property
    def ranks_agencies(self) -> bool:
        return self.kind not in (self.Kind.PROVINCE, self.Kind.NOMINATION)

    @property
    def ranked_figure_name(self) -> str:
        """The name of the figure the category's rule ranks on (`Candidate.score`), as tables
        head its column; empty for the kinds that rank nothing (threshold, nomination)."""
        return str(RANKED_FIGURE_NAMES.get(self.kind, ""))

    @property
    def shows_overall_beside(self) -> bool:
        """Whether the overall score is a second figure worth showing beside the ranked one."""
        return self.kind in (self.Kind.MOST_IMPROVED, self.Kind.FOCUS, self.Kind.THRESHOLD)

    def clean(self):
        errors = {}
        if self.kind == self.Kind.THRESHOLD:
            if not self.criterion_question_id:
                errors["criterion_question"] = _("A threshold category needs a question.")
            if not self.criterion_value:
                errors["criterion_value"] = _("A threshold category needs the answer to meet.")
        if self.criterion_question_id and self.year_id:
            question = self.criterion_question
            if question.year_id != self.year_id:
                errors["criterion_question"] = _("Choose a question of %(year)s.") % {
                    "year": self.year.year
                }
            elif self.criterion_value and self.criterion_value not in question.answer_values():
                errors["criterion_value"] = _(
                    "“%(value)s” is not an answer of %(question)s; choose one of: %(values)s."
                ) % {
                    "value": self.criterion_value,
                    "question": question.code,
                    "values": ", ".join(question.answer_values()),
                }
        if (
            self.tiebreak_dimension_id
            and self.year_id
            and self.tiebreak_dimension.year_id != self.year_id
        ):
            errors["tiebreak_dimension"] = _("Choose a dimension of %(year)s.") % {
                "year": self.year.year
            }
        if errors:
            raise ValidationError(errors)


# What each kind's rule ranks on, as a column heading (see `AwardCategory.ranked_figure_name`).
RANKED_FIGURE_NAMES = {
    AwardCategory.Kind.TOP_OVERALL: _("Overall score"),
    AwardCategory.Kind.MOST_IMPROVED: _("Gain over the previous year"),
    AwardCategory.Kind.PROVINCE: _("Province score (mean of its submitted units)"),
    AwardCategory.Kind.FOCUS: _("Focus score"),
}


class ShortlistQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class Shortlist(models.Model):
    """What a category's rule proposed from one scoring run, at one moment."""

    category = models.ForeignKey(AwardCategory, on_delete=models.PROTECT, related_name="shortlists")
    run = models.ForeignKey(
        ScoringRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scoring run"),
    )
    # The latest score of that run it saw: a later one means the scores changed since.
    scores_as_of = models.DateTimeField(_("scores as of"), null=True, blank=True)
    # How many scores the run held: fewer later means a score was dropped (a returned response).
    scores_count = models.PositiveIntegerField(_("scores in the run"), default=0)
    is_current = models.BooleanField(_("current"), default=True)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("generated by"),
    )
    ranked = models.PositiveIntegerField(
        _("ranked"), default=0, help_text=_("Eligible candidates the rule ranked.")
    )

    objects = ShortlistQuerySet.as_manager()

    class Meta:
        verbose_name = _("shortlist")
        verbose_name_plural = _("shortlists")
        ordering = ["category", "-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(is_current=True),
                name="one_current_shortlist_per_category",
            )
        ]

    def __str__(self):
        return f"{self.category} · {self.generated_at:%Y-%m-%d %H:%M}"


class Candidate(models.Model):
    class Standing(models.TextChoices):
        PROPOSED = "proposed", _("Proposed winner")
        TIED = "tied", _("Tied at the cut-off")
        RUNNER_UP = "runner_up", _("Runner-up")
        QUALIFIED = "qualified", _("Meets the criterion")
        NOMINEE = "nominee", _("Nominee")

    shortlist = models.ForeignKey(Shortlist, on_delete=models.PROTECT, related_name="candidates")
    order = models.PositiveIntegerField(_("order"))
    place = models.PositiveIntegerField(
        _("place"), null=True, blank=True, help_text=_("Shared on a tie that nothing breaks.")
    )
    standing = models.CharField(_("standing"), max_length=10, choices=Standing.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award_candidacies",
        verbose_name=_("agency"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    nominee = models.CharField(_("nominee"), max_length=255, blank=True)
    citation = models.TextField(_("citation"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nominated by"),
    )
    # The figures that placed the candidate, as they were in the run.
    score = models.DecimalField(_("score ranked on"), null=True, blank=True, **SCORE_DIGITS)
    overall = models.DecimalField(_("overall score"), null=True, blank=True, **SCORE_DIGITS)
    previous_overall = models.DecimalField(
        _("previous year's overall score"), null=True, blank=True, **SCORE_DIGITS
    )
    change = models.DecimalField(_("change"), null=True, blank=True, **SCORE_DIGITS)
    tiebreak = models.DecimalField(_("tie-break score"), null=True, blank=True, **SCORE_DIGITS)
    # [{"code", "name_th", "name_en", "value"}] in the order of the year's dimensions.
    dimension_scores = models.JSONField(_("dimension scores"), default=list, blank=True)
    group_name_th = models.CharField(_("group (Thai)"), max_length=255, blank=True)
    group_name_en = models.CharField(_("group (English)"), max_length=255, blank=True)
    group_rank = models.PositiveIntegerField(_("rank in group"), null=True, blank=True)
    group_size = models.PositiveIntegerField(_("agencies in group"), null=True, blank=True)
    # A province's score is the mean over its submitted (scored) units: how many that was, of
    # how many were invited.
    units_counted = models.PositiveIntegerField(_("units counted"), null=True, blank=True)
    units_total = models.PositiveIntegerField(_("units invited"), null=True, blank=True)
    reason_th = models.TextField(_("Thai reason"))
    reason_en = models.TextField(_("English reason"))
    is_winner = models.BooleanField(_("winner"), null=True, blank=True)
    # Recorded with the chair's decision: how many members of the committee could vote on the
    # candidate (those without a conflict of interest). Fewer than the category's quorum means
    # the decision was taken with every eligible member's vote instead of the quorum.
    eligible_voters = models.PositiveSmallIntegerField(
        _("members who could vote"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["shortlist", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortlist", "order"], name="candidate_order_per_shortlist"
            ),
            models.CheckConstraint(
                condition=Q(agency__isnull=False, province__isnull=True)
                | Q(agency__isnull=True, province__isnull=False)
                | (Q(agency__isnull=True, province__isnull=True) & ~Q(nominee="")),
                name="candidate_is_agency_province_or_nominee",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.nominee:
            return self.nominee
        if self.agency_id:
            return localized(self.agency.name_th, self.agency.name_en)
        return localized(self.province.name_th, self.province.name_en)

    @property
    def reason(self):
        return localized(self.reason_th, self.reason_en)

    @property
    def group_name(self):
        return localized(self.group_name_th, self.group_name_en)


class Exclusion(models.Model):
    class Reason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NOT_SCORED = "not_scored", _("No score this year")
        SCORE_PROBLEMS = "problems", _("Score has problems")
        NO_PREVIOUS = "no_previous", _("No previous-year score")
        BELOW_MINIMUM = "below_minimum", _("Below the minimum")
        CRITERION_NOT_MET = "criterion", _("Does not meet the criterion")

    shortlist = models.ForeignKey(Shortlist, on_delete=models.PROTECT, related_name="exclusions")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=15, choices=Reason.choices)
    detail_th = models.CharField(_("Thai detail"), max_length=255)
    detail_en = models.CharField(_("English detail"), max_length=255)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(province__isnull=False),
                name="exclusion_names_agency_or_province",
            )
        ]

    def __str__(self):
        return f"{self.agency or self.province}: {self.get_reason_display()}"

    @property
    def detail(self):
        return localized(self.detail_th, self.detail_en)


class VoteQuerySet(models.QuerySet):
    def counted(self):
        """The votes that count: not voided by a conflict of interest declared after them."""
        return self.filter(voided_at__isnull=True)


class Vote(models.Model):
    class Choice(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        ABSTAIN = "abstain", _("Abstain")

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="award_votes",
        verbose_name=_("committee member"),
    )
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    comment = models.TextField(_("comment"), blank=True)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # A vote cast before its member declared a conflict of interest with the candidate is kept,
    # voided: it no longer counts toward the quorum or the tally.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        "ConflictOfInterest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voided_votes",
        verbose_name=_("voided by the declaration"),
    )

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["candidate", "member"], name="one_vote_per_member"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True)
                | Q(voided_at__isnull=False, voided_by__isnull=False),
                name="vote_voided_by_a_declaration",
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.candidate}: {self.get_choice_display()}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class ConflictQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)


class ConflictOfInterest(models.Model):
    """A committee member's declared link to an agency (their own agency counts without one)."""

    year = models.ForeignKey(SurveyYear, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="declared_conflicts",
        verbose_name=_("committee member"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    reason = models.CharField(_("reason"), max_length=255)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    # A declaration made in error is withdrawn, not deleted, so the record shows it was made.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ConflictQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "member", "agency"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_declaration_per_agency",
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.agency}"


class AuditEntry(models.Model):
    """Who did what, when. PostgreSQL refuses to update or delete these rows (migration 0002)."""

    class Action(models.TextChoices):
        SHORTLIST_GENERATED = "generated", _("Shortlist generated")
        NOMINATED = "nominated", _("Nominee added")
        VOTE_CAST = "vote_cast", _("Vote cast")
        VOTE_CHANGED = "vote_changed", _("Vote changed")
        VOTE_VOIDED = "vote_voided", _("Vote voided")
        CONFLICT_DECLARED = "conflict", _("Conflict of interest declared")
        CONFLICT_WITHDRAWN = "withdrawn", _("Conflict of interest withdrawn")
        FINALISED = "finalised", _("Category finalised")
        PUBLISHED = "published", _("Results published")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    year = models.ForeignKey(
        SurveyYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("survey year")
    )
    category = models.ForeignKey(
        AwardCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("category"),
    )
    action = models.CharField(_("action"), max_length=15, choices=Action.choices)
    summary = models.TextField(_("what"))
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit record")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"
