"""Where each request came from (path and address), for every audit entry its view writes."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from port.audit.context import audit_context


class AuditContextMiddleware:
    """Sets the request's origin for the services it calls (port.audit.context); after the membership
    middleware, so everything the view does is inside it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(request):
            return self.get_response(request)
