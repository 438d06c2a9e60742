from django.urls import path

from .views import agency, dashboards, opendata

app_name = "results"

urlpatterns = [
    # An agency's own results (results/views/agency.py): its staff, DGA staff, the committee.
    path("results/", agency.index, name="index"),
    path("results/<int:year>/<str:code>/", agency.agency_results, name="agency"),
    path("results/<int:year>/<str:code>/report.pdf", agency.agency_report, name="agency_report"),
    # DGA staff's dashboards and exports (results/views/dashboards.py).
    path("dashboards/", dashboards.index, name="dashboards"),
    path("dashboards/<int:year>/fieldwork/", dashboards.fieldwork, name="fieldwork"),
    path("dashboards/<int:year>/fieldwork/live/", dashboards.fieldwork_live, name="fieldwork_live"),
    path(
        "dashboards/<int:year>/fieldwork.<str:fmt>",
        dashboards.fieldwork_export,
        name="fieldwork_export",
    ),
    path("dashboards/<int:year>/results/", dashboards.results, name="dashboard"),
    path("dashboards/<int:year>/results.<str:fmt>", dashboards.results_export, name="export"),
    # Open data of published years, for everyone (results/views/opendata.py).
    path("open-data/", opendata.index, name="open_data"),
    path("open-data/dictionary/", opendata.dictionary, name="dictionary"),
    path("open-data/<int:year>/package.zip", opendata.package, name="package"),
]
