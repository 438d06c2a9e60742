# Placeholder until the open-data views are written (this session).
from django.http import Http404


def index(request, **kwargs):
    raise Http404


dictionary = package = index
