# Placeholder until the dashboards are written (this session).
from django.http import Http404


def index(request, **kwargs):
    raise Http404


fieldwork = fieldwork_live = fieldwork_export = results = results_export = index
