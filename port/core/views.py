from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "429.html", status=429)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the file is a static file like any other."""
    return redirect(static("core/favicon.ico"), permanent=True)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(detail: str, status: int) -> JsonResponse:
    # The API's one error shape (port.api.schemas.ErrorOut).
    return JsonResponse({"detail": detail, "errors": {}}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the normal page (with the member's navigation), or JSON under /api/. Never says
    what was asked for: an address may carry an id."""
    if _is_api(request):
        return _api_error(_("Not found."), 404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/; elsewhere the page that needs no context (500.html)."""
    if _is_api(request):
        return _api_error(
            _("Something went wrong on our side. Retry later; the referral may not have been received."), 500
        )
    return defaults.server_error(request)
