"""Resolve the membership (user + program + role) a request acts under."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from port.accounts.http import PortRequest
from port.accounts.models import Membership

SESSION_PROGRAM_KEY = "program_id"


def membership_for(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return None
    memberships = Membership.objects.select_related("program", "agency", "user").filter(user=user, is_active=True)
    wanted = request.session.get(SESSION_PROGRAM_KEY)
    if wanted:
        chosen = memberships.filter(program_id=wanted).first()
        if chosen:
            return chosen
    return memberships.order_by("program__name").first()


class MembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: PortRequest) -> HttpResponse:
        request.membership = membership_for(request)
        return self.get_response(request)
