"""What the committee and DGA staff do with shortlists: vote, declare conflicts, nominate,
finalise, publish. Every change is checked here, on the server, and written with its audit entry
in one transaction.

Conflict of interest: a member is conflicted on a candidate agency that is their own agency or
one they declared for the year; on a province whose provincial units include such an agency; on
a nominee from such an agency. A conflicted member can neither see the votes on the candidate nor
vote on it. A declaration voids the votes the member cast before on such candidates in the
year's open categories: they are kept, marked voided with when and by which declaration, and no
longer count. The quorum of a candidate counts the members who may vote on it; when conflicts
leave fewer of them than the category's quorum, the candidate needs every one of their votes and
the decision records how many could vote (`rules.votes_needed`).
"""

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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
from .selectors import conflicts_of, is_conflicted, shortlist_is_stale, vote_counts, vote_sheet
from .shortlists import AwardError, year_categories_lock

NOMINEE_MAX_LENGTH = 255


class MemberConflicted(AwardError):
    """The member has a conflict of interest with the candidate, so may not vote on it."""


def _category_lock(category_id: int) -> AwardCategory:
    return (
        AwardCategory.objects.select_for_update(of=("self",))
        .select_related("year")
        .get(pk=category_id)
    )


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
    if not member.has_perm("awards.vote_candidate", candidate):
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
        if vote is not None and vote.is_voided:
            raise MemberConflicted(
                _("Your vote on %(candidate)s was voided by your declared conflict of interest.")
                % {"candidate": candidate.display_name}
            )
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
    """Declare a link to an agency for the year (AwardError if it is declared already). The
    votes the member cast before on candidates linked to the agency (the agency, its province
    for a provincial unit, a nominee from it) in the year's open categories are voided: kept,
    marked with the time and this declaration, each with an audit entry, and no longer counted.
    A finalised category's decision stands as it was taken."""
    now = now or timezone.now()
    reason = reason.strip()
    if not member.has_perm("awards.declare_conflict", year):
        raise AwardError(_("Only members of the award committee declare conflicts of interest."))
    if not reason:
        raise AwardError(_("Say how you are linked to the agency."))
    with transaction.atomic():
        # The year's categories are locked so that no vote lands between the declaration and
        # the voiding, and no finalisation counts a vote that is about to be voided.
        year_categories_lock(year)
        declaration = (
            ConflictOfInterest.objects.in_force()
            .filter(year=year, member=member, agency=agency)
            .first()
        )
        if declaration is not None:
            raise AwardError(
                _("You have declared a conflict of interest with %(agency)s already.")
                % {"agency": agency.name_th}
            )
        declaration = ConflictOfInterest.objects.create(
            year=year, member=member, agency=agency, reason=reason[:255], declared_at=now
        )
        audit_record(
            action=AuditEntry.Action.CONFLICT_DECLARED,
            actor_id=member.pk,
            year=year,
            at=now,
            summary=_("Conflict of interest declared with %(agency)s: %(reason)s")
            % {"agency": agency.name_th, "reason": declaration.reason},
            data={
                "agency": agency.code,
                "reason": declaration.reason,
                "declaration": declaration.pk,
            },
        )
        _votes_void(declaration, now)
    return declaration


def _votes_void(declaration: ConflictOfInterest, now) -> list[Vote]:
    agency = declaration.agency
    linked = Q(candidate__agency=agency)
    if agency.level == agency.Level.PROVINCIAL_UNIT and agency.province_id:
        linked |= Q(candidate__province_id=agency.province_id)
    votes = list(
        Vote.objects.counted()
        .filter(
            linked,
            member=declaration.member,
            candidate__shortlist__category__year=declaration.year,
            candidate__shortlist__category__status=AwardCategory.Status.OPEN,
        )
        .select_related(
            "candidate__shortlist__category", "candidate__agency", "candidate__province"
        )
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for vote in votes:
        vote.voided_at, vote.voided_by = now, declaration
        candidate = vote.candidate
        audit_record(
            action=AuditEntry.Action.VOTE_VOIDED,
            actor_id=declaration.member_id,
            year=declaration.year,
            category=candidate.shortlist.category,
            at=now,
            summary=_(
                "Vote on %(candidate)s (%(choice)s, last changed %(cast)s) voided: its member "
                "declared a conflict of interest with %(agency)s."
            )
            % {
                "candidate": candidate.display_name,
                "choice": vote.get_choice_display(),
                "cast": timezone.localtime(vote.updated_at).strftime("%Y-%m-%d %H:%M"),
                "agency": agency.name_th,
            },
            data={
                "vote": vote.pk,
                "candidate": candidate.pk,
                "choice": vote.choice,
                "last_changed_at": vote.updated_at.isoformat(),
                "declaration": declaration.pk,
                "reason": declaration.reason,
            },
        )
    Vote.objects.bulk_update(votes, ["voided_at", "voided_by"])
    return votes


def conflict_withdraw(*, declaration: ConflictOfInterest, member, now=None) -> ConflictOfInterest:
    """Withdraw a declaration made in error, with an audit entry: only its member, and only
    before it voided any vote of theirs (those votes stay voided, so such a declaration
    stands). The member may then vote on the agency's candidates."""
    now = now or timezone.now()
    with transaction.atomic():
        declaration = (
            ConflictOfInterest.objects.select_for_update(of=("self",))
            .select_related("agency", "year")
            .get(pk=declaration.pk)
        )
        if declaration.member_id != member.pk:
            raise AwardError(_("Only the member who declared a conflict of interest withdraws it."))
        if declaration.withdrawn_at is not None:
            raise AwardError(_("This declaration is withdrawn already."))
        if declaration.voided_votes.exists():
            raise AwardError(
                _(
                    "Your declaration about %(agency)s voided votes you had cast, so it stands: "
                    "it can no longer be withdrawn."
                )
                % {"agency": declaration.agency.name_th}
            )
        declaration.withdrawn_at = now
        declaration.save(update_fields=["withdrawn_at"])
        audit_record(
            action=AuditEntry.Action.CONFLICT_WITHDRAWN,
            actor_id=member.pk,
            year=declaration.year,
            at=now,
            summary=_("Conflict of interest with %(agency)s withdrawn (declared in error).")
            % {"agency": declaration.agency.name_th},
            data={
                "agency": declaration.agency.code,
                "declaration": declaration.pk,
                "declared_at": declaration.declared_at.isoformat(),
                "reason": declaration.reason,
            },
        )
    return declaration


def proposed_approve_all(
    *,
    category: AwardCategory,
    member,
    abstain_others: bool = False,
    confirmed: tuple[set, set] | None = None,
    now=None,
) -> list[Vote]:
    """The member approves every proposed winner on their vote sheet (`selectors.vote_sheet`)
    in one step and, when `abstain_others`, abstains on the other candidates they have not
    voted on; each vote with its audit entry as `vote_cast` writes it, all or none. Returns the
    votes written.

    `confirmed`: the candidate ids the member saw on the confirmation (to approve, to abstain
    on). When the sheet has changed since (another member's vote moved a nominee, a vote cast
    in another tab), nothing is recorded and AwardError asks them to check again: no vote is
    recorded in their name that they did not see."""
    now = now or timezone.now()
    with transaction.atomic():
        _category_lock(category.pk)
        sheet = vote_sheet(category, member)
        if confirmed is not None:
            approve_ids, abstain_ids = confirmed
            if {c.pk for c in sheet.approve} != set(approve_ids) or (
                abstain_others and {c.pk for c in sheet.others} != set(abstain_ids)
            ):
                raise AwardError(
                    _("The votes to record changed since you opened this page: check them again.")
                )
        if not sheet.records_anything(abstain_others=abstain_others):
            raise AwardError(_("You have approved every proposed winner you may vote on already."))
        votes = [
            vote_cast(candidate=candidate, member=member, choice=Vote.Choice.APPROVE, now=now)
            for candidate in sheet.approve
        ]
        if abstain_others:
            votes += [
                vote_cast(candidate=candidate, member=member, choice=Vote.Choice.ABSTAIN, now=now)
                for candidate in sheet.others
            ]
        return votes


def nominee_add(
    *, category: AwardCategory, member, nominee: str, citation: str = "", agency=None, now=None
) -> Candidate:
    """Add a nominee to a nomination category's current shortlist."""
    now = now or timezone.now()
    nominee = nominee.strip()
    if not member.has_perm("awards.nominate", category):
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


def category_finalise(
    *, category: AwardCategory, chair, winner_ids, reason: str = "", now=None
) -> AwardCategory:
    """The chair's decision: these candidates of the current shortlist win, the others do not.
    Refused before every candidate has the votes it needs, or on a stale shortlist.

    Only counted votes count (`selectors.vote_count`: not voided, by a member who may vote on
    the candidate). A candidate needs the quorum of them, or, when conflicts of interest leave
    fewer members who may vote on it than the quorum, every one of their votes: each candidate
    keeps how many members could vote (`eligible_voters`) and the audit entry names those
    decided below the quorum, so the quorum is never lowered silently and never deadlocks.

    The winners fill the category's places exactly (its number of winners; a threshold category
    has none), unless the chair records `reason`, why the number differs: a tie at the cut-off
    is the usual one, and the refusal names the tie so the reason can too.

    On a candidate the chair is conflicted with, the chair's choice does not count: the
    committee's votes decide it (a winner when approvals outnumber rejections)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not chair.has_perm("awards.finalise_category", category):
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
        counts = vote_counts(category, candidates)
        short = [candidate for candidate in candidates if not counts[candidate.pk].has_quorum]
        if short:
            raise AwardError(
                _("The quorum of %(quorum)s votes is not met for: %(candidates)s.")
                % {
                    "quorum": category.quorum,
                    "candidates": ", ".join(
                        _("%(candidate)s (%(votes)s of %(needed)s)")
                        % {
                            "candidate": candidate.display_name,
                            "votes": counts[candidate.pk].votes,
                            "needed": counts[candidate.pk].needed,
                        }
                        for candidate in short
                    ),
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
                candidate.is_winner = rules.is_approved(counts[candidate.pk].tally)
            else:
                candidate.is_winner = candidate.pk in winner_ids
            candidate.eligible_voters = counts[candidate.pk].eligible
        winners = [candidate for candidate in candidates if candidate.is_winner]
        if not winners and not reason:
            raise AwardError(_("Choose at least one winner, or record why no award is given."))
        if places_differ(category, len(winners)) and not reason:
            raise AwardError(places_refusal(category, len(winners), candidates))
        Candidate.objects.bulk_update(candidates, ["is_winner", "eligible_voters"])
        below = [candidate for candidate in candidates if counts[candidate.pk].below_quorum]
        category.status = AwardCategory.Status.FINALISED
        category.finalised_at, category.finalised_by = now, chair
        category.decision_reason = reason if needs_reason(category, len(winners)) else ""
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
            }
            + "".join(" " + below_quorum_note(candidate, category.quorum) for candidate in below),
            data={
                "shortlist": shortlist.pk,
                "places": category.winners,
                "quorum": category.quorum,
                "winners": [candidate.pk for candidate in winners],
                "reason": category.decision_reason,
                "tally": {str(pk): dict(count.tally) for pk, count in counts.items()},
                "eligible": {str(pk): count.eligible for pk, count in counts.items()},
                "not_counted": {
                    str(pk): {str(vote): why for vote, why in count.not_counted.items()}
                    for pk, count in counts.items()
                    if count.not_counted
                },
                "below_quorum": [candidate.pk for candidate in below],
            },
        )
    return category


def below_quorum_note(candidate: Candidate, quorum: int) -> str:
    """ "Only 2 members could vote on X (quorum 3): decided with all their votes." """
    return _(
        "Only %(eligible)s members could vote on %(candidate)s (quorum %(quorum)s), because of "
        "conflicts of interest: decided with all their votes."
    ) % {
        "eligible": candidate.eligible_voters,
        "candidate": candidate.display_name,
        "quorum": quorum,
    }


def needs_reason(category: AwardCategory, winners: int) -> bool:
    """Whether a decision with `winners` winners must carry the chair's reason: when they leave
    the places unfilled or overfilled, or when no award is given at all (in any kind)."""
    return places_differ(category, winners) or winners == 0


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
    if not user.has_perm("awards.publish_results"):
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
