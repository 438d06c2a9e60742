"""API v1 (mounted at /api/v1/ by dgaweb/urls.py): published open data, read-only."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from . import views

app_name = "api"

urlpatterns = [
    path("", views.Root.as_view(), name="root"),
    path("years/", views.YearList.as_view(), name="years"),
    path("years/<int:year>/", views.YearDetail.as_view(), name="year"),
    path("years/<int:year>/dimensions/", views.DimensionList.as_view(), name="dimensions"),
    path("years/<int:year>/aggregates/", views.AggregateList.as_view(), name="aggregates"),
    path("years/<int:year>/winners/", views.WinnerList.as_view(), name="winners"),
    path("years/<int:year>/agencies/", views.AgencyScoreList.as_view(), name="agencies"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularRedocView.as_view(
            url_name="api:schema", template_name="results/opendata/api_docs.html"
        ),
        name="docs",
    ),
]
