from django.http import HttpResponse
from django.shortcuts import render

from agencies.selectors import membership_for_user, registry_summary

# DGA (EGA before 2018) has run the survey every year since 2015 (B.E. 2558).
SURVEY_FIRST_YEAR = 2015


def home(request):
    """Tell each kind of user where to go: respondent, DGA staff, committee member, or visitor."""
    user = request.user
    context = {
        "survey_first_year": SURVEY_FIRST_YEAR,
        "membership": membership_for_user(user),
    }
    if user.has_perm("results.view_dashboards"):
        context["registry"] = registry_summary()
    return render(request, "home.html", context)


def ping(request):
    """The cheapest page Django can serve: a health check, and the benchmark's ceiling."""
    return HttpResponse("ok", content_type="text/plain")
