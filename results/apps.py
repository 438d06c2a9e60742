from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    """What a year's scores tell: each agency's results, DGA's dashboards and exports, and the
    open data (package and API) of published years."""

    name = "results"
    verbose_name = _("Results")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
