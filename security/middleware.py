from .models import SecurityEvent
from .receivers import code_refusals_record
from .services import current_request, event_record


class SecurityEventMiddleware:
    """Records every 403 the site answers as a refused permission (a PermissionDenied, a page the
    view refuses itself, a failed CSRF check), with the user and the path.

    It also keeps the request at hand (services.current_request) for receivers of signals that
    do not carry it, so that their events have the address, the path and who did it, and at the
    end records the second-factor codes that no device accepted (receivers.device_saved).
    Placed after AuthenticationMiddleware, so the user is known.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        code_refusals_record(request)
        if response.status_code == 403:
            event_record(
                kind=SecurityEvent.Kind.PERMISSION_REFUSED,
                user=request.user,
                request=request,
                details={"method": request.method},
            )
        return response
