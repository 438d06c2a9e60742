"""API v1 (mounted at /api/v1/ by dgaweb/urls.py): published open data, read-only."""

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import views

# ReDoc's bundle adds two <style> elements of its own, which the site's policy (no inline style)
# would refuse, and then it draws nothing: an empty one that styled-components fills through the
# CSS object model (which the policy allows), and the scroll bars' fixed rules. Each is allowed by
# its hash, on this page only; a ReDoc with other rules fails dgaweb/tests/test_browser_csp.py.
# Its search runs in a worker made from a blob: URL.
REDOC_CSP = {
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty <style>
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's rules
    ],
    "worker-src": ["blob:"],
}

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
        csp_update(REDOC_CSP)(
            SpectacularRedocView.as_view(
                url_name="api:schema", template_name="results/opendata/api_docs.html"
            )
        ),
        name="docs",
    ),
    # Swagger UI, its start-up script served from the same address (?script) rather than inline.
    path(
        "docs/swagger/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="results/opendata/swagger_ui.html"
        ),
        name="swagger",
    ),
]
