"""The history page of a response, for its own agency's people: every status change and every
version of every answer, with who and when. DGA staff read the same in the admin."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .history import response_history
from .views import _get_response_for_user


@login_required
@require_GET
def history(request, pk):
    response = _get_response_for_user(request, pk)
    context = {"response": response, "history": response_history(response)}
    return render(request, "surveys/history.html", context)
