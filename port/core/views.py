from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from port.accounts.roles import PARTNER_ROLES, SUPERVISING_ROLES


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it starts its day on."""
    membership = request.membership
    if membership is None:
        raise PermissionDenied
    if membership.role in SUPERVISING_ROLES:
        return redirect("referrals:queue")
    if membership.role in PARTNER_ROLES:
        return redirect("referrals:sent")
    return redirect("referrals:my_queue")


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "429.html", status=429)
