"""The site's URLs and one view that fails, for the error-tracking test (test_sentry.py)."""

from django.urls import path

from dgaweb.urls import urlpatterns as site


class EvidenceStoreUnreachable(Exception):
    pass


def fail(request):
    raise EvidenceStoreUnreachable("the evidence store did not answer")


urlpatterns = [path("fail/", fail), *site]
