"""The respondent's pages: dashboard, one page per dimension with autosave, evidence, review and
submit. Views stay thin: access checks here, rules in services, reading in selectors.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from common.middleware import validates_own_nul

from . import services
from .evidence import download_name
from .models import Evidence, Question, Response
from .questionnaire import InvalidAnswer
from .selectors import ResponseState

YES_NO = [(Question.YES, gettext_lazy("Yes")), (Question.NO, gettext_lazy("No"))]


def login_required_htmx(view):
    """login_required that sends an htmx request's page, not its fragment, to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and request.htmx:
            current = request.htmx.current_url_abs_path or reverse("home")
            return HttpResponseClientRedirect(f"{reverse('login')}?next={current}")
        return login_required(view)(request, *args, **kwargs)

    return wrapper


def _get_response_for_user(request, pk) -> Response:
    """The response if the user works on it (`surveys.change_answer`: its own agency's people);
    404 for anyone else, so that they cannot even learn that it exists."""
    response = get_object_or_404(
        Response.objects.select_related("year", "agency", "submitted_by"), pk=pk
    )
    if not request.user.has_perm("surveys.change_answer", response):
        raise Http404
    return response


def _get_evidence_for_user(request, pk, *, perm: str = "surveys.download_evidence") -> Evidence:
    """The evidence if the user has `perm` on it; 404 otherwise."""
    evidence = get_object_or_404(
        Evidence.objects.select_related("response__agency", "response__year", "question"), pk=pk
    )
    if not request.user.has_perm(perm, evidence):
        raise Http404
    return evidence


@login_required
@require_GET
def response_list(request):
    """The agency's responses, newest year first; straight to the dashboard when there is one."""
    responses = Response.objects.for_user(request.user).select_related("year", "agency")
    responses = list(responses.order_by("-year__year"))
    if len(responses) == 1:
        return redirect("surveys:dashboard", responses[0].pk)
    return render(request, "surveys/response_list.html", {"responses": responses})


@login_required
@require_GET
def dashboard(request, pk):
    response = _get_response_for_user(request, pk)
    state = ResponseState(response)
    return render(request, "surveys/dashboard.html", _context(request, state))


@login_required
@require_GET
def dimension_page(request, pk, code):
    response = _get_response_for_user(request, pk)
    state = ResponseState(response)
    current = state.dimension_state(code)
    if current is None:
        raise Http404
    codes = [d.dimension.code for d in state.by_dimension]
    index = codes.index(code)
    context = _context(request, state) | {
        "current": current,
        "questions": _questions_of_dimension(state, current.dimension),
        "previous_code": codes[index - 1] if index > 0 else None,
        "next_code": codes[index + 1] if index + 1 < len(codes) else None,
        "step": index + 1,
    }
    return render(request, "surveys/dimension.html", context)


@login_required_htmx
@require_GET
def question_card(request, pk, code):
    """One question as it now stands, e.g. to take the current answer after a conflict."""
    response = _get_response_for_user(request, pk)
    state = ResponseState(response)
    question = state.question(code)
    if question is None or not question.applies_to(response.agency.level):
        raise Http404
    return render(request, "surveys/_question.html", _question_context(request, state, question))


@login_required_htmx
@require_POST
@validates_own_nul
def answer_autosave(request, pk, code):
    """Save one answer (htmx). 200 saved, 422 invalid, 409 stale, 403 locked: each with the
    status line of the question; on success also the questions whose show-if depends on it and
    the progress bar, swapped out of band."""
    response = _get_response_for_user(request, pk)
    state = ResponseState(response)
    question = state.question(code)
    if question is None or question.pk not in state.shown_ids:
        raise Http404
    try:
        base_version = int(request.POST.get("version", "0"))
    except ValueError:
        base_version = -1
    context = {"question": question, "response": response}
    try:
        result = services.answer_save(
            response=response,
            question=question,
            raw=request.POST.getlist("value"),
            base_version=base_version,
            user=request.user,
        )
    except InvalidAnswer as error:
        return _status(request, context | {"error": str(error)}, status=422)
    except services.StaleAnswer as error:
        context |= {"conflict": error.current, "conflict_display": _display(question, error)}
        return _status(request, context, status=409)
    except services.ResponseLocked as error:
        return _status(request, context | {"error": str(error), "locked": True}, status=403)
    state.answer_saved(result.answer)
    # Questions whose show-if depends on this answer appear or disappear, out of band.
    dependents = [
        render_to_string(
            "surveys/_question.html",
            _question_context(request, state, dependent) | {"oob": True},
            request,
        )
        for dependent in state.dependents_of(question)
        if dependent.dimension_id == question.dimension_id
        and dependent.applies_to(response.agency.level)
    ]
    evidence_html = ""
    if question.evidence_on_yes:
        evidence_html = render_to_string(
            "surveys/_evidence.html", _question_context(request, state, question) | {"oob": True}
        )
    context |= {
        "answer": result.answer,
        "saved": True,
        "dependents": dependents,
        "evidence_html": evidence_html,
        "state": state,
        "current": state.dimension_state(question.dimension.code),
    }
    return _status(request, context, status=200)


def _status(request, context, *, status):
    return render(request, "surveys/_autosave_result.html", context, status=status)


def _display(question, error):
    from .templatetags.answers import answer_display

    return answer_display(question, error.current.value if error.current else None)


@login_required_htmx
@require_POST
def evidence_upload(request, pk, code):
    response = _get_response_for_user(request, pk)
    state = ResponseState(response)
    question = state.question(code)
    if question is None or question.pk not in state.shown_ids:
        raise Http404
    uploads = request.FILES.getlist("file")
    errors = [] if uploads else [_("Choose a file to upload.")]
    for upload in uploads:
        try:
            services.evidence_add(
                response=response, question=question, upload=upload, user=request.user
            )
        except services.SurveyError as error:
            errors.append(str(error))
    state = ResponseState(response, questionnaire=state)
    context = _question_context(request, state, question) | {"evidence_errors": errors}
    if not request.htmx:
        for error in errors:
            messages.error(request, error)
        return redirect(_question_url(response, question))
    status = 422 if errors else 200
    return render(request, "surveys/_evidence_result.html", context, status=status)


@login_required_htmx
@require_POST
def evidence_remove(request, pk):
    evidence = _get_evidence_for_user(request, pk, perm="surveys.remove_evidence")
    response = evidence.response
    errors = []
    try:
        services.evidence_delete(evidence=evidence)
    except services.SurveyError as error:
        errors.append(str(error))
    state = ResponseState(response)
    question = state.question(evidence.question.code)
    if not request.htmx:
        for error in errors:
            messages.error(request, error)
        return redirect(_question_url(response, question))
    context = _question_context(request, state, question) | {"evidence_errors": errors}
    return render(request, "surveys/_evidence_result.html", context, status=422 if errors else 200)


@login_required
@require_GET
def evidence_download(request, pk):
    evidence = _get_evidence_for_user(request, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(evidence.original_name, evidence.content_type),
        content_type=evidence.content_type,
    )


@login_required
@require_GET
def review(request, pk):
    response = _get_response_for_user(request, pk)
    state = ResponseState(response)
    return render(request, "surveys/review.html", _context(request, state))


@login_required
@require_POST
def submit(request, pk):
    response = _get_response_for_user(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you want to submit."))
        return redirect("surveys:review", response.pk)
    try:
        services.response_submit(response=response, user=request.user)
    except services.SubmissionIncomplete as error:
        messages.error(request, str(error))
        return redirect("surveys:review", response.pk)
    except services.SurveyError as error:
        messages.error(request, str(error))
        return redirect("surveys:dashboard", response.pk)
    messages.success(request, _("Your agency's questionnaire has been submitted. Thank you."))
    return redirect("surveys:dashboard", response.pk)


def _context(request, state: ResponseState) -> dict:
    response = state.response
    now = timezone.now()
    editable = response.is_editable(now)
    return {
        "response": response,
        "state": state,
        "editable": editable,
        "locked_reason": None if editable else services.response_locked_reason(response, now),
        "now": now,
        "yes_no": YES_NO,
        "max_mb": settings.EVIDENCE_MAX_MB,
    }


def _questions_of_dimension(state: ResponseState, dimension) -> list[dict]:
    """Every question of the dimension that applies to the agency; hidden ones (show-if) are
    placeholders that an autosave can reveal."""
    level = state.response.agency.level
    return [
        {"question": q, **_question_fields(state, q)}
        for q in state.all_questions
        if q.dimension_id == dimension.pk and q.applies_to(level)
    ]


def _question_context(request, state: ResponseState, question) -> dict:
    return {
        "response": state.response,
        "question": question,
        "editable": state.response.is_editable(),
        **_question_fields(state, question),
    }


def _question_fields(state: ResponseState, question) -> dict:
    answer = state.answers.get(question.pk)
    return {
        "answer": answer,
        "yes_no": YES_NO,
        "max_mb": settings.EVIDENCE_MAX_MB,
        "value": answer.value if answer else None,
        "version": answer.version if answer else 0,
        "evidence": state.evidence.get(question.pk, []),
        "shown": question.pk in state.shown_ids,
        "needs_evidence": question in state.missing_evidence,
    }


def _question_url(response, question) -> str:
    url = reverse("surveys:dimension", args=[response.pk, question.dimension.code])
    return f"{url}#q-{question.code}"
