from django.conf import settings
from django.utils import translation


class ThaiFirstLocaleMiddleware:
    """Activate the language the user chose with the switcher, else Thai.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most browsers here
    ask for English; dgaweb is Thai first, so only the switcher's cookie changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        available = dict(settings.LANGUAGES)
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
