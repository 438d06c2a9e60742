# Placeholder until the agency results views are written (this session).
from django.http import Http404


def index(request):
    raise Http404


agency_results = agency_report = index
