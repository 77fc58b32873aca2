"""The directory's pages: search (GET; the query holds no participant data) and one service's page.

When a peer is making a resource list for someone (port.casefile puts `resource_pick` in the session,
with the path to post picks to), results carry "Add to the list" checkboxes. The directory reads only
that path and the ids picked: it never learns who the list is for. In the same way, when a peer looks
for a service to refer someone to (port.linkage puts `refer_to` in the session: the referral form's
path and query), results carry "Refer to this service", a link back to that form with the service.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from port.accounts.access import membership_required
from port.accounts.http import MemberRequest
from port.directory import selectors
from port.directory.forms import DirectorySearchForm

PICK_SESSION_KEY = "resource_pick"
REFER_SESSION_KEY = "refer_to"

directory_team = membership_required(selectors.DIRECTORY_ROLES)


def _pick(request: MemberRequest) -> dict | None:
    pick = request.session.get(PICK_SESSION_KEY)
    if isinstance(pick, dict) and isinstance(pick.get("post_to"), str) and pick["post_to"].startswith("/"):
        return pick
    return None


def _refer(request: MemberRequest) -> dict | None:
    refer = request.session.get(REFER_SESSION_KEY)
    if isinstance(refer, dict) and isinstance(refer.get("path"), str) and refer["path"].startswith("/"):
        return {"path": refer["path"], "query": refer.get("query", "") if isinstance(refer.get("query"), str) else ""}
    return None


@require_GET
@directory_team
def search(request: MemberRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid() and form.searched:
        page = selectors.services_search(viewer=request.membership, criteria=form.criteria(), moment=timezone.now())
    query = request.GET.copy()
    query.pop("page", None)
    pick = _pick(request)
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "pick": pick,
            "picked": set(pick.get("services", [])) if pick else set(),
            "refer": _refer(request),
            "nav_active": "directory",
        },
    )


@require_GET
@directory_team
def service(request: MemberRequest, pk: int) -> HttpResponse:
    result = selectors.service_get(viewer=request.membership, pk=pk)
    return render(
        request,
        "directory/service.html",
        {"result": result, "pick": _pick(request), "refer": _refer(request), "nav_active": "directory"},
    )
