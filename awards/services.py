"""What the committee and DGA staff do with shortlists: vote, declare conflicts, nominate,
finalise, publish. Every change is checked here, on the server, and written with its audit entry
in one transaction.

Conflict of interest: a member is conflicted on a candidate agency that is their own agency or
one they declared for the year; on a province whose provincial units include such an agency; on
a nominee from such an agency. A conflicted member can neither see the votes on the candidate nor
vote on it.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.roles import is_committee_chair, is_committee_member, is_dga_staff
from surveys.lifecycle import YearTransitionRefused, year_transition
from surveys.models import SurveyYear

from . import rules
from .audit import audit_record
from .models import (
    AuditEntry,
    AwardCategory,
    Candidate,
    ConflictOfInterest,
    Shortlist,
    Vote,
)
from .selectors import conflicts_of, is_conflicted, shortlist_is_stale
from .shortlists import AwardError

NOMINEE_MAX_LENGTH = 255


class MemberConflicted(AwardError):
    """The member has a conflict of interest with the candidate, so may not vote on it."""


def _category_lock(category_id: int) -> AwardCategory:
    return AwardCategory.objects.select_for_update().select_related("year").get(pk=category_id)


def _open_category_of(candidate: Candidate) -> AwardCategory:
    category = _category_lock(candidate.shortlist.category_id)
    if category.is_finalised:
        raise AwardError(
            _("“%(category)s” is finalised: its decisions can no longer change.")
            % {"category": category.name}
        )
    if not candidate.shortlist.is_current:
        raise AwardError(
            _("This shortlist has been replaced by a newer one; vote on the current shortlist.")
        )
    return category


def vote_cast(*, candidate: Candidate, member, choice: str, comment: str = "", now=None) -> Vote:
    """Record or change the member's vote on the candidate of an open category's current
    shortlist, with an audit entry (none when nothing changed). MemberConflicted when the member
    has a conflict of interest with the candidate."""
    now = now or timezone.now()
    if not is_committee_member(member):
        raise AwardError(_("Only members of the award committee vote."))
    if choice not in Vote.Choice.values:
        raise AwardError(
            _("“%(choice)s” is not a vote; choose approve, reject or abstain.") % {"choice": choice}
        )
    with transaction.atomic():
        category = _open_category_of(candidate)
        if is_conflicted(candidate, conflicts_of(member, category.year)):
            raise MemberConflicted(
                _("You have a conflict of interest with %(candidate)s and cannot vote on it.")
                % {"candidate": candidate.display_name}
            )
        vote = Vote.objects.select_for_update().filter(candidate=candidate, member=member).first()
        before = (vote.choice, vote.comment) if vote else None
        if vote is None:
            vote = Vote.objects.create(
                candidate=candidate,
                member=member,
                choice=choice,
                comment=comment,
                cast_at=now,
                updated_at=now,
            )
        elif before != (choice, comment):
            vote.choice, vote.comment, vote.updated_at = choice, comment, now
            vote.save(update_fields=["choice", "comment", "updated_at"])
        else:
            return vote
        audit_record(
            action=AuditEntry.Action.VOTE_CHANGED if before else AuditEntry.Action.VOTE_CAST,
            actor_id=member.pk,
            year=category.year,
            category=category,
            at=now,
            summary=(
                _("Vote on %(candidate)s changed from %(before)s to %(after)s.")
                % {
                    "candidate": candidate.display_name,
                    "before": Vote.Choice(before[0]).label,
                    "after": vote.get_choice_display(),
                }
                if before
                else _("Vote on %(candidate)s: %(choice)s.")
                % {"candidate": candidate.display_name, "choice": vote.get_choice_display()}
            ),
            data={
                "candidate": candidate.pk,
                "choice": choice,
                "comment": comment,
                **({"before": {"choice": before[0], "comment": before[1]}} if before else {}),
            },
        )
    return vote


def conflict_declare(*, year: SurveyYear, member, agency, reason: str, now=None):
    """Declare a link to an agency for the year. Declarations are never withdrawn."""
    now = now or timezone.now()
    reason = reason.strip()
    if not is_committee_member(member):
        raise AwardError(_("Only members of the award committee declare conflicts of interest."))
    if not reason:
        raise AwardError(_("Say how you are linked to the agency."))
    with transaction.atomic():
        declaration, created = ConflictOfInterest.objects.get_or_create(
            year=year,
            member=member,
            agency=agency,
            defaults={"reason": reason[:255], "declared_at": now},
        )
        if created:
            audit_record(
                action=AuditEntry.Action.CONFLICT_DECLARED,
                actor_id=member.pk,
                year=year,
                at=now,
                summary=_("Conflict of interest declared with %(agency)s: %(reason)s")
                % {"agency": agency.name_th, "reason": declaration.reason},
                data={"agency": agency.code, "reason": declaration.reason},
            )
    return declaration


def nominee_add(
    *, category: AwardCategory, member, nominee: str, citation: str = "", agency=None, now=None
) -> Candidate:
    """Add a nominee to a nomination category's current shortlist."""
    now = now or timezone.now()
    nominee = nominee.strip()
    if not is_committee_member(member):
        raise AwardError(_("Only members of the award committee nominate."))
    if category.kind != AwardCategory.Kind.NOMINATION:
        raise AwardError(_("Only nomination categories take nominees."))
    if not nominee:
        raise AwardError(_("Give the nominee's name."))
    if len(nominee) > NOMINEE_MAX_LENGTH:
        raise AwardError(
            _("The nominee's name is longer than %(max)s characters.") % {"max": NOMINEE_MAX_LENGTH}
        )
    with transaction.atomic():
        category = _category_lock(category.pk)
        if category.is_finalised:
            raise AwardError(
                _("“%(category)s” is finalised: its decisions can no longer change.")
                % {"category": category.name}
            )
        shortlist = Shortlist.objects.filter(category=category, is_current=True).first()
        if shortlist is None:
            raise AwardError(_("DGA staff have not opened this category for nominations yet."))
        order = shortlist.candidates.count() + 1
        candidate = Candidate.objects.create(
            shortlist=shortlist,
            order=order,
            standing=Candidate.Standing.NOMINEE,
            nominee=nominee,
            agency=agency,
            citation=citation.strip(),
            nominated_by=member,
            reason_th=_nomination_reason(member, "th"),
            reason_en=_nomination_reason(member, "en"),
        )
        audit_record(
            action=AuditEntry.Action.NOMINATED,
            actor_id=member.pk,
            year=category.year,
            category=category,
            at=now,
            summary=_("Nominee added: %(nominee)s.") % {"nominee": nominee},
            data={
                "candidate": candidate.pk,
                "nominee": nominee,
                "agency": agency.code if agency else None,
                "citation": candidate.citation,
            },
        )
    return candidate


def _nomination_reason(member, language: str) -> str:
    with translation.override(language):
        return _("nominated by %(member)s") % {"member": member.get_full_name() or member.email}


def vote_tally(candidates) -> dict[int, Counter]:
    """Candidate id → Counter of choices. One query."""
    tally = {candidate.pk: Counter() for candidate in candidates}
    for candidate_id, choice, count in (
        Vote.objects.filter(candidate__in=list(tally))
        .values_list("candidate_id", "choice")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        tally[candidate_id][choice] = count
    return tally


def quorum_missing(category: AwardCategory, candidates, tally) -> list[Candidate]:
    """The candidates with fewer votes than the category's quorum."""
    return [
        candidate
        for candidate in candidates
        if not rules.has_quorum(sum(tally[candidate.pk].values()), category.quorum)
    ]


def category_finalise(
    *, category: AwardCategory, chair, winner_ids, reason: str = "", now=None
) -> AwardCategory:
    """The chair's decision: these candidates of the current shortlist win, the others do not.
    Refused before every candidate has the quorum of votes, or on a stale shortlist.

    The winners fill the category's places exactly (its number of winners; a threshold category
    has none), unless the chair records `reason`, why the number differs: a tie at the cut-off
    is the usual one, and the refusal names the tie so the reason can too.

    On a candidate the chair is conflicted with, the chair's choice does not count: the
    committee's votes decide it (a winner when approvals outnumber rejections)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not is_committee_chair(chair):
        raise AwardError(_("Only the chair of the award committee finalises a category."))
    with transaction.atomic():
        category = _category_lock(category.pk)
        if category.is_finalised:
            raise AwardError(
                _("“%(category)s” is finalised already.") % {"category": category.name}
            )
        shortlist = Shortlist.objects.filter(category=category, is_current=True).first()
        if shortlist is None:
            raise AwardError(_("This category has no shortlist yet."))
        if shortlist_is_stale(shortlist):
            raise AwardError(
                _(
                    "The scores changed after this shortlist was generated. Ask DGA staff to "
                    "generate it again, and review the new one."
                )
            )
        candidates = list(shortlist.candidates.select_for_update().order_by("order"))
        if not candidates:
            raise AwardError(_("The shortlist has no candidates to decide on."))
        tally = vote_tally(candidates)
        short = quorum_missing(category, candidates, tally)
        if short:
            raise AwardError(
                _("The quorum of %(quorum)s votes is not met for: %(candidates)s.")
                % {
                    "quorum": category.quorum,
                    "candidates": ", ".join(candidate.display_name for candidate in short),
                }
            )
        try:
            winner_ids = {int(pk) for pk in winner_ids}
        except (TypeError, ValueError):
            raise AwardError(
                _("Winners must be candidates of this category's shortlist.")
            ) from None
        if winner_ids - {candidate.pk for candidate in candidates}:
            raise AwardError(_("Winners must be candidates of this category's shortlist."))
        conflicts = conflicts_of(chair, category.year)
        for candidate in candidates:
            if is_conflicted(candidate, conflicts):
                candidate.is_winner = rules.is_approved(tally[candidate.pk])
            else:
                candidate.is_winner = candidate.pk in winner_ids
        winners = [candidate for candidate in candidates if candidate.is_winner]
        if not winners:
            raise AwardError(_("Choose at least one winner."))
        if places_differ(category, len(winners)) and not reason:
            raise AwardError(places_refusal(category, len(winners), candidates))
        Candidate.objects.bulk_update(candidates, ["is_winner"])
        category.status = AwardCategory.Status.FINALISED
        category.finalised_at, category.finalised_by = now, chair
        category.decision_reason = reason if places_differ(category, len(winners)) else ""
        category.save(update_fields=["status", "finalised_at", "finalised_by", "decision_reason"])
        audit_record(
            action=AuditEntry.Action.FINALISED,
            actor_id=chair.pk,
            year=category.year,
            category=category,
            at=now,
            summary=_("Finalised with %(count)s winners: %(winners)s.")
            % {
                "count": len(winners),
                "winners": ", ".join(candidate.display_name for candidate in winners),
            },
            data={
                "shortlist": shortlist.pk,
                "places": category.winners,
                "winners": [candidate.pk for candidate in winners],
                "reason": category.decision_reason,
                "tally": {str(pk): dict(counts) for pk, counts in tally.items()},
            },
        )
    return category


def places_differ(category: AwardCategory, winners: int) -> bool:
    """Whether `winners` winners leave the category's places unfilled or overfilled."""
    return rules.places_apply(category.kind) and winners != category.winners


def places_refusal(category: AwardCategory, winners: int, candidates) -> str:
    """Why a decision with this number of winners is refused, naming a tie at the cut-off."""
    message = _(
        "“%(category)s” has %(places)s places and %(winners)s winners were chosen: choose "
        "%(places)s, or record why the number differs."
    ) % {"category": category.name, "places": category.winners, "winners": winners}
    tied = [candidate for candidate in candidates if candidate.standing == Candidate.Standing.TIED]
    if tied:
        message += " " + tie_description(tied)
    return message


def tie_description(tied) -> str:
    """ "A, B and C are tied at place 8, the cut-off." """
    return _("%(names)s are tied at place %(place)s, the cut-off.") % {
        "names": ", ".join(candidate.display_name for candidate in tied),
        "place": tied[0].place,
    }


def results_publish(*, year: SurveyYear, user, now=None) -> SurveyYear:
    """Publish the year's awards: every category must be finalised. The year becomes
    "published", so its scores can no longer be recomputed."""
    now = now or timezone.now()
    if not is_dga_staff(user):
        raise AwardError(_("Only DGA staff publish results."))
    with transaction.atomic():
        year = SurveyYear.objects.select_for_update().get(pk=year.pk)
        if year.is_published:
            raise AwardError(_("%(year)s is published already.") % {"year": year.year})
        categories = list(AwardCategory.objects.filter(year=year))
        if not categories:
            raise AwardError(_("%(year)s has no award categories.") % {"year": year.year})
        open_ones = [category.name for category in categories if not category.is_finalised]
        if open_ones:
            raise AwardError(
                _("These categories are not finalised yet: %(categories)s.")
                % {"categories": ", ".join(open_ones)}
            )
        unfilled = [
            category
            for category in places_check(categories)
            if category.places_differ and not category.decision_reason
        ]
        if unfilled:
            raise AwardError(
                _(
                    "The winners of these categories do not match their places, and no reason "
                    "is recorded: %(categories)s."
                )
                % {
                    "categories": ", ".join(
                        _("%(category)s (%(winners)s winners for %(places)s places)")
                        % {
                            "category": category.name,
                            "winners": category.winner_count,
                            "places": category.winners,
                        }
                        for category in unfilled
                    )
                }
            )
        try:
            year = year_transition(year=year, to=SurveyYear.Status.PUBLISHED, user=user, now=now)
        except YearTransitionRefused as refusal:
            raise AwardError(str(refusal)) from None
        audit_record(
            action=AuditEntry.Action.PUBLISHED,
            actor_id=user.pk,
            year=year,
            at=now,
            summary=_("The awards of %(year)s were published.") % {"year": year.year},
            data={"categories": [category.code for category in categories]},
        )
    return year


def places_check(categories) -> list[AwardCategory]:
    """The categories, each with `winner_count` (winners on its current shortlist) and
    `places_differ`, for the publication page and the check before publishing. One query."""
    counts = dict(
        Candidate.objects.filter(
            shortlist__category__in=categories, shortlist__is_current=True, is_winner=True
        )
        .values_list("shortlist__category_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for category in categories:
        category.winner_count = counts.get(category.pk, 0)
        category.places_differ = places_differ(category, category.winner_count)
    return categories
