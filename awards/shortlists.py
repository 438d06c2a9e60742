"""Generating shortlists: the award rules (`rules`) applied to a year's final scores.

Guarantees:
- Only a year whose scores are final (status "scored") gets shortlists, from its current run.
- A finalised category is never touched, nor a nomination category that has its shortlist (its
  nominees are on it). Any other category gets a new current shortlist only when it has none or
  the scores changed since its current one was generated (`stale_shortlist_ids`): regenerating
  an up-to-date shortlist would restart the committee's votes for nothing, so it is refused
  with the reason when asked for by name, and left as it is by the year's generation. The
  shortlist before stays, with the votes cast on it, as history.
- A shortlist is generated whole in one transaction, with its audit entry, or not at all.
- Each candidate carries a copy of the figures that placed it, so nothing a committee saw changes
  when scores are recomputed; a recompute marks the shortlist stale instead (`stale_shortlists`).
- The number of queries depends on the number of categories, never on the number of agencies.
"""

from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Prefetch, prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency, Ministry, Province
from surveys.models import (
    Answer,
    DimensionScore,
    Evidence,
    GroupScore,
    Question,
    Response,
    ResponseRank,
    ResponseScore,
    ScoringRun,
    SurveyYear,
)
from surveys.questionnaire import visible_questions
from surveys.scores import scoring_method_of
from surveys.scoring import SCORE_CONTEXT, UnscorableAnswer, question_points

from . import reasons, rules
from .audit import audit_record
from .models import (
    DEFAULT_MOST_IMPROVED_MINIMUM,
    AuditEntry,
    AwardCategory,
    Candidate,
    Exclusion,
    Shortlist,
)
from .selectors import stale_shortlist_ids

# The dimension that breaks ties after the overall score, unless a category names another.
DEFAULT_TIEBREAK_CODE = "SERVICE"
LANGUAGES = ("th", "en")
# The group an agency's position is shown in: its award group, its province, or its level.
HOME_SCOPES = {
    Agency.Level.DEPARTMENT: GroupScore.Scope.AWARD_GROUP,
    Agency.Level.PROVINCIAL_UNIT: GroupScore.Scope.PROVINCE,
    Agency.Level.SPECIAL_LOCAL: GroupScore.Scope.LEVEL,
}


class AwardError(Exception):
    """The request cannot be carried out; the message says why, for the person who asked."""


@dataclass
class AgencyFigures:
    """One invited agency's figures in the run, shared by every category."""

    agency: Agency
    response_id: int
    score_id: int | None = None
    overall: Decimal | None = None
    previous_overall: Decimal | None = None
    change: Decimal | None = None
    has_problems: bool = False
    dimensions: dict[int, tuple[Decimal, Decimal, Decimal]] = field(default_factory=dict)
    group: tuple[str, str, int, int] | None = None  # name_th, name_en, rank, size


@dataclass
class YearFigures:
    year: SurveyYear
    run: ScoringRun
    dimensions: list  # the year's Dimension rows, in order
    agencies: list[AgencyFigures]
    provinces: list[GroupScore]  # with .dimension_means {dimension id: mean}
    previous_year: int | None
    # Province id → its provincial units invited this year (those with a response): what a
    # province's score, the mean over its submitted units, counts them out of.
    units_invited: Counter = field(default_factory=Counter)
    # Every province and ministry (pk, name_th, name_en), loaded once for all categories: the
    # province rule's entrants, and the names of what an excluded agency is not.
    all_provinces: list[Province] = field(default_factory=list)
    all_ministries: list[tuple] = field(default_factory=list)


def final_run_of(year: SurveyYear) -> ScoringRun:
    """The run shortlists are generated from; AwardError unless the year's scores are final."""
    if year.status != SurveyYear.Status.SCORED:
        raise AwardError(
            _(
                "%(year)s is %(status)s: shortlists are generated once its scores are final "
                "(status “scored”)."
            )
            % {"year": year.year, "status": year.get_status_display().lower()}
        )
    run = ScoringRun.objects.filter(year=year, is_current=True).first()
    if run is None or run.status != ScoringRun.Status.COMPLETE:
        raise AwardError(_("%(year)s has no complete scoring run.") % {"year": year.year})
    return run


@dataclass(frozen=True)
class GenerationPlan:
    """What a request to generate shortlists comes to: the open categories that get a new one
    (`due`: none yet, or the scores changed since), and those left as they are because their
    current shortlist is up to date with the scores. Finalised categories, and nomination
    categories that have their shortlist, are in neither: they are never regenerated."""

    due: list[AwardCategory]
    up_to_date: list[AwardCategory]
    named: bool  # the request named its categories (`category_ids`)

    def check(self) -> None:
        """AwardError, naming them, if the request named a category whose shortlist is up to
        date, or if nothing is due while some are up to date: regenerating would restart the
        committee's votes on the same scores."""
        if self.up_to_date and (self.named or not self.due):
            raise AwardError(_up_to_date_refusal(self.up_to_date))


def _up_to_date_refusal(categories) -> str:
    names = ", ".join(category.name for category in categories)
    return ngettext(
        "The shortlist of %(categories)s is up to date with the scores: regenerating it would "
        "restart the committee's votes. It can be regenerated once the scores change.",
        "The shortlists of %(categories)s are up to date with the scores: regenerating them "
        "would restart the committee's votes. They can be regenerated once the scores change.",
        len(categories),
    ) % {"categories": names}


def year_categories_lock(year: SurveyYear) -> None:
    """Lock every award category of the year, by id: the one order in which anything that locks
    several categories at once (a generation, a declared conflict) takes them, so that two such
    never wait on each other in a circle. One query."""
    list(
        AwardCategory.objects.select_for_update(of=("self",))
        .filter(year=year)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def generation_plan(year: SurveyYear, *, category_ids=None) -> GenerationPlan:
    """Which of the year's open categories (or of `category_ids`) get a new shortlist, in
    category order. Three queries: the categories, their current shortlists, the staleness of
    those. A generation takes `year_categories_lock` first, so the plan it reads holds."""
    categories = (
        AwardCategory.objects.filter(year=year, status=AwardCategory.Status.OPEN)
        .select_related("criterion_question", "tiebreak_dimension")
        .prefetch_related(
            Prefetch(
                "shortlists", queryset=Shortlist.objects.current(), to_attr="current_shortlists"
            )
        )
        .order_by("order", "code")
    )
    if category_ids is not None:
        categories = categories.filter(pk__in=category_ids)
    categories = list(categories)
    current = {}
    for category in categories:
        if category.current_shortlists:
            current[category.pk] = shortlist = category.current_shortlists[0]
            shortlist.category = category
    stale = stale_shortlist_ids(current.values())
    due, up_to_date = [], []
    for category in categories:
        shortlist = current.get(category.pk)
        if shortlist is None or shortlist.pk in stale:
            due.append(category)
        elif category.kind != AwardCategory.Kind.NOMINATION:
            up_to_date.append(category)
    return GenerationPlan(due=due, up_to_date=up_to_date, named=category_ids is not None)


def shortlists_generate(
    *, year_id: int, user_id: int | None = None, category_ids=None, now=None
) -> list[Shortlist]:
    """A new current shortlist for each open category of the year (or of `category_ids`) that
    has none, or whose current one is stale (`generation_plan`). A nomination category that has
    one already keeps it, with its nominees. Raises AwardError if the year's scores are not
    final, or as `GenerationPlan.check` says: the request names an up-to-date shortlist, or
    every shortlist it would make is up to date already."""
    now = now or timezone.now()
    with transaction.atomic():
        year = SurveyYear.objects.select_for_update().get(pk=year_id)
        run = final_run_of(year)
        year_categories_lock(year)
        plan = generation_plan(year, category_ids=category_ids)
        plan.check()
        categories = plan.due
        if not categories:
            return []
        prefetch_related_objects(categories, "focus_dimensions", "focus_questions")
        figures = year_figures(year, run)
        scores = run.scores.aggregate(latest=Max("scored_at"), count=Count("pk"))
        return [
            _shortlist_generate(category, figures, user_id, now, scores) for category in categories
        ]


def year_figures(year: SurveyYear, run: ScoringRun) -> YearFigures:
    """Every invited agency with its figures in `run`, the provinces' scores and how many units
    each invited, and the names of every province and ministry. Ten queries."""
    dimensions = list(year.dimensions.order_by("order", "code"))
    by_response = {
        response.pk: AgencyFigures(agency=response.agency, response_id=response.pk)
        for response in Response.objects.filter(year=year)
        .select_related("agency")
        .order_by("agency__code")
    }
    by_score = {}
    for score in ResponseScore.objects.filter(run=run).order_by():
        entry = by_response.get(score.response_id)
        if entry is None:
            continue
        entry.score_id, entry.overall = score.pk, score.overall
        entry.previous_overall, entry.change = score.previous_overall, score.change
        entry.has_problems = bool(score.problems)
        by_score[score.pk] = entry
    for score_id, dimension_id, earned, possible, value in (
        DimensionScore.objects.filter(score__run=run)
        .values_list("score_id", "dimension_id", "earned", "possible", "value")
        .order_by()
    ):
        by_score[score_id].dimensions[dimension_id] = (earned, possible, value)
    for rank in (
        ResponseRank.objects.filter(score__run=run, group__scope__in=set(HOME_SCOPES.values()))
        .select_related("group")
        .order_by()
    ):
        entry = by_score[rank.score_id]
        if rank.group.scope == HOME_SCOPES.get(entry.agency.level):
            group = rank.group
            entry.group = (group.name_th, group.name_en, rank.rank, group.agencies)
    provinces = list(
        run.groups.filter(scope=GroupScore.Scope.PROVINCE)
        .prefetch_related("dimensions")
        .order_by("rank", "key")
    )
    for province in provinces:
        province.dimension_means = {row.dimension_id: row.mean for row in province.dimensions.all()}
    previous = (
        SurveyYear.objects.filter(year__lt=year.year, scoring_runs__is_current=True)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return YearFigures(
        year=year,
        run=run,
        dimensions=dimensions,
        agencies=list(by_response.values()),
        provinces=provinces,
        previous_year=previous,
        units_invited=Counter(
            entry.agency.province_id
            for entry in by_response.values()
            if entry.agency.level == Agency.Level.PROVINCIAL_UNIT
        ),
        all_provinces=list(Province.objects.order_by("code")),
        all_ministries=list(Ministry.objects.values_list("pk", "name_th", "name_en")),
    )


def _shortlist_generate(
    category: AwardCategory, figures: YearFigures, user_id, now, scores: dict
) -> Shortlist:
    Shortlist.objects.filter(category=category, is_current=True).update(is_current=False)
    shortlist = Shortlist.objects.create(
        category=category,
        run=figures.run,
        scores_as_of=scores["latest"],
        scores_count=scores["count"],
        generated_at=now,
        generated_by_id=user_id,
    )
    tiebreak_id = _tiebreak_dimension_id(category, figures)
    if category.kind == AwardCategory.Kind.PROVINCE:
        entrants, subjects = _province_entrants(figures, tiebreak_id)
    else:
        entrants, subjects = _agency_entrants(category, figures, tiebreak_id)
    result = rules.rule_apply(_rule_of(category), entrants)
    shortlist.ranked = result.ranked
    shortlist.save(update_fields=["ranked"])
    texts = _texts(category, figures, tiebreak_id)
    candidates = [
        _candidate(
            shortlist, order, placed, result, subjects[placed.entrant.key], category, figures, texts
        )
        for order, placed in enumerate(result.placed, start=1)
    ]
    Candidate.objects.bulk_create(candidates)
    Exclusion.objects.bulk_create(
        _exclusion(shortlist, excluded, category, figures, texts) for excluded in result.excluded
    )
    standings = Counter(candidate.standing for candidate in candidates)
    audit_record(
        action=AuditEntry.Action.SHORTLIST_GENERATED,
        actor_id=user_id,
        year=figures.year,
        category=category,
        at=now,
        summary=_(
            "Shortlist generated from scoring run #%(run)s: %(proposed)s proposed, %(tied)s tied "
            "at the cut-off, %(runners_up)s runners-up, %(qualified)s meeting the criterion, "
            "%(excluded)s excluded."
        )
        % {
            "run": figures.run.pk,
            "proposed": standings[Candidate.Standing.PROPOSED],
            "tied": standings[Candidate.Standing.TIED],
            "runners_up": standings[Candidate.Standing.RUNNER_UP],
            "qualified": standings[Candidate.Standing.QUALIFIED],
            "excluded": len(result.excluded),
        },
        data={
            "shortlist": shortlist.pk,
            "run": figures.run.pk,
            "candidates": [
                {
                    "place": candidate.place,
                    "standing": candidate.standing,
                    "name": candidate.display_name,
                    "score": None if candidate.score is None else str(candidate.score),
                }
                for candidate in candidates
            ],
            "excluded": dict(Counter(excluded.reason for excluded in result.excluded)),
        },
    )
    return shortlist


def _tiebreak_dimension_id(category: AwardCategory, figures: YearFigures) -> int | None:
    if category.tiebreak_dimension_id:
        return category.tiebreak_dimension_id
    return next((d.pk for d in figures.dimensions if d.code == DEFAULT_TIEBREAK_CODE), None)


def _minimum_of(category: AwardCategory) -> Decimal | None:
    """The category's minimum overall score; most improved needs 80 unless another is set."""
    if category.minimum_score is None and category.kind == AwardCategory.Kind.MOST_IMPROVED:
        return Decimal(DEFAULT_MOST_IMPROVED_MINIMUM)
    return category.minimum_score


def _rule_of(category: AwardCategory) -> rules.Rule:
    return rules.Rule(
        kind=category.kind,
        winners=category.winners,
        runners_up=category.runners_up,
        minimum=_minimum_of(category),
        level=category.level,
        award_group=category.award_group,
        ministry_id=category.ministry_id,
        province_id=category.province_id,
    )


def _agency_entrants(category, figures: YearFigures, tiebreak_id):
    focus = _focus_scores(category, figures) if category.kind == AwardCategory.Kind.FOCUS else {}
    meets = (
        _criterion_met(category, figures)
        if category.kind == AwardCategory.Kind.THRESHOLD
        else set()
    )
    entrants, subjects = [], {}
    for entry in figures.agencies:
        agency = entry.agency
        tiebreak = entry.dimensions.get(tiebreak_id)
        entrants.append(
            rules.Entrant(
                key=agency.pk,
                level=agency.level,
                award_group=agency.award_group,
                ministry_id=agency.ministry_id,
                province_id=agency.province_id,
                overall=entry.overall,
                previous_overall=entry.previous_overall,
                change=entry.change,
                tiebreak=tiebreak[2] if tiebreak else None,
                focus=focus.get(entry.response_id),
                meets_criterion=entry.response_id in meets,
                has_problems=entry.has_problems,
            )
        )
        subjects[agency.pk] = entry
    return entrants, subjects


def _province_entrants(figures: YearFigures, tiebreak_id):
    entrants, subjects = [], {}
    scored = {group.key: group for group in figures.provinces}
    for province in figures.all_provinces:
        group = scored.get(province.code)
        entrants.append(
            rules.Entrant(
                key=province.pk,
                province_id=province.pk,
                overall=group.overall_mean if group else None,
                tiebreak=group.dimension_means.get(tiebreak_id) if group else None,
            )
        )
        subjects[province.pk] = (province, group)
    return entrants, subjects


def _focus_scores(category: AwardCategory, figures: YearFigures) -> dict[int, Decimal]:
    """Response id → points earned of possible on the chosen dimensions and questions, 0–100.
    The chosen questions count once even when their dimension is chosen too."""
    dimension_ids = {dimension.pk for dimension in category.focus_dimensions.all()}
    question_ids = {
        question.pk
        for question in category.focus_questions.all()
        if question.dimension_id not in dimension_ids
    }
    extra = _question_points(figures, question_ids) if question_ids else {}
    scores = {}
    for entry in figures.agencies:
        if entry.score_id is None:
            continue
        earned = possible = Decimal(0)
        for dimension_id in dimension_ids:
            dimension_earned, dimension_possible, _value = entry.dimensions.get(
                dimension_id, (0, 0, 0)
            )
            earned += dimension_earned
            possible += dimension_possible
        question_earned, question_possible = extra.get(entry.response_id, (0, 0))
        earned += question_earned
        possible += question_possible
        if possible:
            scores[entry.response_id] = SCORE_CONTEXT.multiply(
                SCORE_CONTEXT.divide(earned, possible), Decimal(100)
            )
    return scores


def _question_points(figures: YearFigures, question_ids: set[int]) -> dict[int, tuple]:
    """Response id → (earned, possible) on these questions, as the scoring method counts them
    (only questions the agency was shown). Two queries."""
    method = scoring_method_of(figures.year)
    chosen = [question for question in method.questions if question.pk in question_ids]
    # Whether a question was shown depends on the answers to the questions it is conditional on.
    needed = set(question_ids)
    for question in method.questions:
        if question.pk in needed and question.show_if_question_id:
            needed.add(question.show_if_question_id)
    scored = {entry.response_id: entry for entry in figures.agencies if entry.score_id}
    values, evidence = defaultdict(dict), defaultdict(dict)
    for response_id, question_id, value in Answer.objects.filter(
        response_id__in=list(scored), question_id__in=needed
    ).values_list("response_id", "question_id", "value"):
        values[response_id][question_id] = value
    for response_id, question_id in Evidence.objects.filter(
        response_id__in=list(scored), question_id__in=question_ids
    ).values_list("response_id", "question_id"):
        evidence[response_id][question_id] = evidence[response_id].get(question_id, 0) + 1
    relevant = [q for q in method.questions if q.pk in needed]
    points = {}
    for response_id, entry in scored.items():
        shown = {
            question.pk
            for question in visible_questions(
                relevant, level=entry.agency.level, values=values[response_id]
            )
        }
        earned = possible = Decimal(0)
        for question in chosen:
            if question.pk not in shown:
                continue
            possible += question.max_points
            # An unscorable answer earns nothing; it is listed on the response's score already.
            with suppress(UnscorableAnswer):
                earned += question_points(
                    question,
                    values[response_id].get(question.pk),
                    evidence[response_id].get(question.pk, 0),
                )
        points[response_id] = (earned, possible)
    return points


def _criterion_met(category: AwardCategory, figures: YearFigures) -> set[int]:
    """The responses whose answer to the criterion question is (or, for multiple choice,
    includes) the criterion answer. One query."""
    wanted = category.criterion_value
    met = set()
    for response_id, value in Answer.objects.filter(
        response__year=figures.year, question=category.criterion_question
    ).values_list("response_id", "value"):
        if value == wanted or (isinstance(value, list) and wanted in value):
            met.add(response_id)
    return met


# Wording ------------------------------------------------------------------------------------------


def _texts(category: AwardCategory, figures: YearFigures, tiebreak_id) -> dict:
    """The names a reason uses, in each language."""
    tiebreak = next((d for d in figures.dimensions if d.pk == tiebreak_id), None)
    labels_by_language, names = {}, {}
    ministries = figures.all_ministries
    provinces = [(p.pk, p.name_th, p.name_en) for p in figures.all_provinces]
    focus = [d.code for d in category.focus_dimensions.all()] + [
        q.code for q in category.focus_questions.all()
    ]
    for language in LANGUAGES:
        english = language == "en"
        with translation.override(language):
            labels_by_language[language] = {
                "level": {value: str(label) for value, label in Agency.Level.choices},
                "award_group": {value: str(label) for value, label in Agency.AwardGroup.choices},
                "ministry_id": {pk: en if english else th for pk, th, en in ministries},
                "province_id": {pk: en if english else th for pk, th, en in provinces},
            }
            names[language] = {
                "tiebreak": (tiebreak.name_en if english else tiebreak.name_th) if tiebreak else "",
                "focus": _("score on %(items)s") % {"items": ", ".join(focus)},
                "criterion": _criterion_text(category, english),
            }
    return {"labels": labels_by_language, "names": names}


def _criterion_text(category: AwardCategory, english: bool) -> str:
    question = category.criterion_question
    if question is None:
        return ""
    if question.kind == Question.Kind.YES_NO:
        answer = {Question.YES: _("yes"), Question.NO: _("no")}.get(
            category.criterion_value, category.criterion_value
        )
    else:
        option = question.options.filter(value=category.criterion_value).first()
        answer = category.criterion_value
        if option:
            answer = option.label_en if english else option.label_th
    return _("answered “%(answer)s” to %(question)s") % {
        "answer": answer,
        "question": question.code,
    }


def _candidate(shortlist, order, placed, result, subject, category, figures, texts) -> Candidate:
    entrant = placed.entrant
    same_score = [
        other
        for other in result.placed
        if other is not placed and placed.score is not None and other.score == placed.score
    ]
    tie = ""
    if same_score:
        equal_overall = any(other.entrant.overall == entrant.overall for other in same_score)
        tie = "tiebreak" if equal_overall else "overall"
    units = None
    if category.kind == AwardCategory.Kind.PROVINCE:
        province, group = subject
        # The units its score is the mean of (a score with problems is left out of it), of the
        # units invited.
        units = (group.agencies, figures.units_invited[province.pk])
    reason = {}
    for language in LANGUAGES:
        with translation.override(language):
            names = texts["names"][language]
            reason[language] = reasons.candidate_reason(
                kind=category.kind,
                placed=placed,
                ranked=result.ranked,
                minimum=_minimum_of(category),
                previous_year=figures.previous_year,
                focus_name=names["focus"],
                criterion=names["criterion"],
                tiebreak_name=names["tiebreak"],
                tie=tie,
                units=units,
            )
    candidate = Candidate(
        shortlist=shortlist,
        order=order,
        place=placed.place,
        standing=placed.standing,
        score=placed.score,
        overall=entrant.overall,
        previous_overall=entrant.previous_overall,
        change=entrant.change,
        tiebreak=entrant.tiebreak,
        reason_th=reason["th"],
        reason_en=reason["en"],
    )
    if category.kind == AwardCategory.Kind.PROVINCE:
        candidate.province = province
        candidate.units_counted, candidate.units_total = units
        candidate.dimension_scores = _dimension_snapshot(
            figures.dimensions, group.dimension_means.get
        )
        candidate.group_name_th, candidate.group_name_en = "จังหวัด", "Provinces"
        candidate.group_rank, candidate.group_size = group.rank, len(figures.provinces)
    else:
        candidate.agency = subject.agency
        candidate.dimension_scores = _dimension_snapshot(
            figures.dimensions,
            lambda pk: subject.dimensions[pk][2] if pk in subject.dimensions else None,
        )
        if subject.group:
            name_th, name_en, rank, size = subject.group
            candidate.group_name_th, candidate.group_name_en = name_th, name_en
            candidate.group_rank, candidate.group_size = rank, size
    return candidate


def _dimension_snapshot(dimensions, value_of) -> list[dict]:
    return [
        {
            "code": dimension.code,
            "name_th": dimension.name_th,
            "name_en": dimension.name_en,
            "value": None if value_of(dimension.pk) is None else str(value_of(dimension.pk)),
        }
        for dimension in dimensions
    ]


def _exclusion(shortlist, excluded: rules.Excluded, category, figures, texts) -> Exclusion:
    detail = {}
    for language in LANGUAGES:
        with translation.override(language):
            detail[language] = reasons.exclusion_detail(
                excluded,
                year=figures.year.year,
                previous_year=figures.previous_year,
                labels=texts["labels"][language],
            )[:255]
    exclusion = Exclusion(
        shortlist=shortlist, reason=excluded.reason, detail_th=detail["th"], detail_en=detail["en"]
    )
    if category.kind == AwardCategory.Kind.PROVINCE:
        exclusion.province_id = excluded.entrant.key
    else:
        exclusion.agency_id = excluded.entrant.key
    return exclusion
