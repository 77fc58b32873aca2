from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from port.accounts.access import login_required
from port.accounts.http import AuthenticatedRequest
from port.accounts.middleware import SESSION_PROGRAM_KEY


@login_required
@require_POST
def program_switch(request: AuthenticatedRequest) -> HttpResponse:
    """A user in several programs picks the one they act in; only their own memberships count."""
    wanted = request.POST.get("program", "")
    if wanted.isdigit() and request.user.memberships.filter(program_id=int(wanted), is_active=True).exists():
        request.session[SESSION_PROGRAM_KEY] = int(wanted)
    return redirect("home")
