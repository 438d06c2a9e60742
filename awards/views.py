"""The award committee's pages: the years, a year's categories, a category's shortlist with the
votes, nominations and the chair's decision, the agencies the rule excluded, and the member's
declared conflicts of interest.

Only committee members use them: respondents and DGA staff who are not on the committee get 403
(staff work in the admin), anonymous visitors go to the login page. Views stay thin: access here,
reading in `selectors`, every rule in `services`, whose AwardError messages are shown as they
are: with the fragment and 422 for htmx, as a message after a redirect otherwise.
"""

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.models import SurveyYear
from surveys.views import login_required_htmx

from . import rules, selectors, services
from .forms import ConflictForm, FinaliseForm, NominationForm, VoteForm
from .models import AwardCategory, Candidate, ConflictOfInterest, Shortlist, Vote
from .shortlists import AwardError

EXCLUDED_PER_PAGE = 100


def committee_member_required(view):
    """Logged in (else to the login page) and on the award committee (`awards.view_committee`,
    else 403)."""

    @login_required_htmx
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("awards.view_committee"):
            return _refused(request, _("These pages are for the members of the award committee."))
        return view(request, *args, **kwargs)

    return wrapper


def _refused(request, message: str, *, back: str = ""):
    context = {"message": message, "back": back}
    return render(request, "awards/committee/refused.html", context, status=403)


def _year_for_member(request, year: int) -> SurveyYear:
    """A survey year (B.E.) that has award categories; 404 otherwise."""
    with_categories = SurveyYear.objects.filter(award_categories__isnull=False).distinct()
    return get_object_or_404(with_categories, year=year)


def _category_for_member(request, pk: int) -> AwardCategory:
    return get_object_or_404(AwardCategory.objects.select_related("year", "finalised_by"), pk=pk)


def _candidate_for_member(request, pk: int) -> Candidate:
    return get_object_or_404(
        Candidate.objects.select_related("shortlist__category__year", "agency", "province"), pk=pk
    )


def _ids(values) -> set[int]:
    """Posted candidate ids; what is not a number is left out (and so fails any comparison)."""
    return {int(value) for value in values if value.isdigit()}


def _shortlist_url(category_id: int, candidate_id: int | None = None) -> str:
    url = reverse("awards:shortlist", args=[category_id])
    return f"{url}#candidate-{candidate_id}" if candidate_id else url


@committee_member_required
@require_GET
def committee_home(request):
    years = list(selectors.committee_years())
    return render(request, "awards/committee/home.html", {"years": years})


@committee_member_required
@require_GET
def committee_year(request, year):
    survey_year = _year_for_member(request, year)
    rows = selectors.committee_categories(survey_year, request.user)
    return render(request, "awards/committee/year.html", {"year": survey_year, "rows": rows})


@committee_member_required
@require_http_methods(["GET", "POST"])
def conflicts(request, year):
    """The member's conflicts; declaring one by searching for the agency (`q`, by Thai or
    English name or code) and picking it from the results."""
    survey_year = _year_for_member(request, year)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        try:
            declaration = services.conflict_declare(
                year=survey_year,
                member=request.user,
                agency=agency,
                reason=form.cleaned_data["reason"],
            )
        except AwardError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Your conflict of interest with %(agency)s is recorded.")
                % {"agency": selectors.agency_name(agency)},
            )
            voided = declaration.voided_votes.count()
            if voided:
                messages.warning(
                    request,
                    ngettext(
                        "The vote you had cast on it was voided and no longer counts.",
                        "The %(count)s votes you had cast on it were voided and no longer count.",
                        voided,
                    )
                    % {"count": voided},
                )
        return redirect("awards:conflicts", survey_year.year)
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()[:100]
    chosen = form.data.get("agency") if form.is_bound else None
    results = selectors.agency_search(query)
    context = {
        "year": survey_year,
        "conflicts": selectors.member_conflicts(survey_year, request.user),
        "form": form,
        "query": query,
        "results": results,
        "results_cut": len(results) == selectors.AGENCY_SEARCH_LIMIT,
        "chosen": str(chosen or ""),
    }
    return render(
        request, "awards/committee/conflicts.html", context, status=422 if form.errors else 200
    )


@committee_member_required
@require_POST
def conflict_withdraw(request, year, pk):
    survey_year = _year_for_member(request, year)
    declaration = get_object_or_404(
        ConflictOfInterest.objects.in_force().select_related("agency"),
        pk=pk,
        year=survey_year,
        member=request.user,
    )
    try:
        services.conflict_withdraw(declaration=declaration, member=request.user)
    except AwardError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Your declaration about %(agency)s is withdrawn.")
            % {"agency": selectors.agency_name(declaration.agency)},
        )
    return redirect("awards:conflicts", survey_year.year)


@committee_member_required
@require_GET
def shortlist(request, pk):
    category = _category_for_member(request, pk)
    return render(request, "awards/committee/shortlist.html", _shortlist_context(request, category))


def _shortlist_context(
    request, category: AwardCategory, *, nomination_form=None, decision=None
) -> dict:
    """`decision`: a posted, refused FinaliseForm, whose ticks and reason are shown again."""
    page = selectors.shortlist_page(category, request.user)
    is_nomination = category.kind == AwardCategory.Kind.NOMINATION
    if decision is not None:
        ticked_ids = set(decision.cleaned_data.get("winners", []))
        reason = decision.cleaned_data.get("reason", "")
    else:
        ticked_ids, reason = {row.candidate.pk for row in page.rows if row.ticked}, ""
    tied = [row.candidate for row in page.rows if row.candidate.standing == Candidate.Standing.TIED]
    return {
        "ticked_ids": ticked_ids,
        "decision_reason": reason,
        "places_apply": rules.places_apply(category.kind),
        "tie": services.tie_description(tied) if tied else "",
        "category": category,
        "page": page,
        "is_open": not category.is_finalised,
        "can_finalise": (
            request.user.has_perm("awards.finalise_category", category)
            and not category.is_finalised
            and page.rows
        ),
        "vote_choices": Vote.Choice.choices,
        "nomination_form": (nomination_form or NominationForm()) if is_nomination else None,
    }


@committee_member_required
@require_GET
def excluded(request, pk):
    category = _category_for_member(request, pk)
    current = Shortlist.objects.filter(category=category, is_current=True).first()
    page = None
    if current:
        paginator = Paginator(selectors.exclusions_of(current), EXCLUDED_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
    context = {
        "category": category,
        "shortlist": current,
        "page_obj": page,
        "rows": selectors.excluded_rows(page.object_list) if page else [],
    }
    return render(request, "awards/committee/excluded.html", context)


@committee_member_required
@require_POST
def nominate(request, pk):
    category = _category_for_member(request, pk)
    form = NominationForm(request.POST)
    if not form.is_valid():
        context = _shortlist_context(request, category, nomination_form=form)
        return render(request, "awards/committee/shortlist.html", context, status=422)
    try:
        candidate = services.nominee_add(
            category=category,
            member=request.user,
            nominee=form.cleaned_data["nominee"],
            agency=form.cleaned_data["agency"],
            citation=form.cleaned_data["citation"],
        )
    except AwardError as error:
        messages.error(request, str(error))
        return redirect("awards:shortlist", category.pk)
    messages.success(request, _("%(nominee)s is nominated.") % {"nominee": candidate.nominee})
    return redirect(_shortlist_url(category.pk, candidate.pk))


@committee_member_required
@require_POST
def finalise(request, pk):
    category = _category_for_member(request, pk)
    if not request.user.has_perm("awards.finalise_category", category):
        return _refused(
            request,
            _("Only the chair of the award committee finalises a category."),
            back=_shortlist_url(category.pk),
        )
    candidate_ids = Candidate.objects.filter(
        shortlist__category=category, shortlist__is_current=True
    ).values_list("pk", flat=True)
    form = FinaliseForm(request.POST, candidate_ids=candidate_ids)
    if not form.is_valid():
        messages.error(request, _("Choose the winners among the candidates of this shortlist."))
        return redirect("awards:shortlist", category.pk)
    try:
        services.category_finalise(
            category=category,
            chair=request.user,
            winner_ids=form.cleaned_data["winners"],
            reason=form.cleaned_data["reason"],
        )
    except AwardError as error:
        # Shown again with the chair's ticks and reason, so nothing they chose is lost.
        context = _shortlist_context(request, category, decision=form) | {
            "decision_error": str(error)
        }
        return render(request, "awards/committee/shortlist.html", context, status=422)
    else:
        messages.success(request, _("“%(category)s” is finalised.") % {"category": category.name})
    return redirect("awards:shortlist", category.pk)


@committee_member_required
@require_http_methods(["GET", "POST"])
def approve_proposed(request, pk):
    """Approve every proposed winner in one step: a confirmation that lists them, then the votes."""
    category = _category_for_member(request, pk)
    if request.method == "POST":
        try:
            votes = services.proposed_approve_all(
                category=category,
                member=request.user,
                abstain_others=request.POST.get("abstain_others") == "on",
                confirmed=(
                    _ids(request.POST.getlist("approve")),
                    _ids(request.POST.getlist("abstain")),
                ),
            )
        except AwardError as error:
            messages.error(request, str(error))
            return redirect("awards:approve_proposed", category.pk)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s vote is recorded in your name.",
                    "%(count)s votes are recorded in your name.",
                    len(votes),
                )
                % {"count": len(votes)},
            )
        return redirect("awards:shortlist", category.pk)
    context = {
        "category": category,
        "sheet": selectors.vote_sheet(category, request.user),
        "is_open": not category.is_finalised,
    }
    return render(request, "awards/committee/approve_proposed.html", context)


@committee_member_required
@require_POST
def vote(request, pk):
    """Cast or change the member's vote. For htmx, the candidate's block again: 200 saved,
    422 refused, 403 for a conflicted member; otherwise back to the shortlist."""
    candidate = _candidate_for_member(request, pk)
    category = candidate.shortlist.category
    form = VoteForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error = " ".join(message for errors in form.errors.values() for message in errors)
        status = 422
    else:
        try:
            services.vote_cast(
                candidate=candidate,
                member=request.user,
                choice=form.cleaned_data["choice"],
                comment=form.cleaned_data["comment"],
            )
        except services.MemberConflicted as refusal:
            error, status = str(refusal), 403
        except AwardError as refusal:
            error, status = str(refusal), 422
    back = _shortlist_url(category.pk, candidate.pk)
    if not request.htmx:
        if status == 403:
            return _refused(request, error, back=back)
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("Your vote on %(candidate)s is saved.") % {"candidate": candidate.display_name},
            )
        return redirect(back)
    context = {
        "row": selectors.candidate_row(candidate, request.user),
        "category": category,
        "is_open": not category.is_finalised and candidate.shortlist.is_current,
        "vote_choices": Vote.Choice.choices,
        "vote_error": error,
        "vote_saved": not error,
    }
    return render(request, "awards/committee/_candidate.html", context, status=status)
