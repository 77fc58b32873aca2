from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults

from port.accounts.access import login_required
from port.accounts.http import AuthenticatedRequest
from port.accounts.roles import PARTNER_ROLES, SUPERVISING_ROLES, TEAM_ROLES, Role
from port.core.aggregates import SMALL_CELL, program_figures


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Send each role to the page it starts its day on; an analyst's is this page: the program's
    de-identified figures."""
    membership = request.membership
    if membership is None:
        raise PermissionDenied
    if membership.role in SUPERVISING_ROLES:
        return redirect("referrals:queue")
    if membership.role in PARTNER_ROLES:
        return redirect("referrals:sent")
    if membership.role == Role.PROVIDER:
        return redirect("consent:shared")  # participants shared with their agency (port/consent)
    if membership.role == Role.ANALYST:
        return render(
            request,
            "core/figures.html",
            {
                "figures": program_figures(viewer=membership),
                "small_cell": SMALL_CELL,
                "largest_hidden": SMALL_CELL - 1,
                "nav_active": "figures",
            },
        )
    if membership.role in TEAM_ROLES:
        return redirect("referrals:my_queue")
    raise PermissionDenied


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
