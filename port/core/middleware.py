"""Middleware written once for every page."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store"


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of any page: a shared field phone must not hold a
    participant's page, a queue, a search or an export after the session ends. A response that sets its
    own Cache-Control keeps it; static files are answered by WhiteNoise, before this middleware, with
    their long caching (see docs/privacy.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and not request.path_info.startswith(self.static_prefix):
            response["Cache-Control"] = NO_STORE
            response["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response
