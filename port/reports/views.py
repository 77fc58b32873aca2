"""The home page: each role's starting page; an analyst's is the program's de-identified figures."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from port.accounts.access import login_required
from port.accounts.http import AuthenticatedRequest
from port.accounts.roles import PARTNER_ROLES, SUPERVISING_ROLES, TEAM_ROLES, Role
from port.reports.aggregates import program_figures
from port.reports.suppression import SMALL_CELL


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
        return redirect("linkage:shared")  # hand-offs sent to their organization (port/linkage)
    if membership.role == Role.ANALYST:
        return render(
            request,
            "reports/figures.html",
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
