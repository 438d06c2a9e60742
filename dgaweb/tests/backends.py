from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class AxesBackendForTestClient(AxesStandaloneBackend):
    """axes' backend, which also lets Django's test client log in with `client.login(...)`.

    The test client calls `authenticate()` without a request, and axes refuses that; here such a
    call is checked as a request from 127.0.0.1. Requests through the login pages carry their own
    request and are checked exactly as by `axes.backends.AxesStandaloneBackend`.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
        return super().authenticate(request, username=username, password=password, **kwargs)
