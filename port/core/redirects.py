"""Safe redirects: the `next` a page sends someone to sign in with, and the `next` it follows afterwards.

`return_path` builds a `next` that names no one; `safe_next` follows a `next` only to a path on this site.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Query parameters that name no one (pages, cursors, filters by code or id, dates): the only ones a link
# back after signing in (`next`) keeps. Anything else, such as a search's `q`, may carry a name, and a
# URL ends up in browser history, proxy logs and the sign-in page's own address.
IDENTITY_FREE_PARAMETERS = frozenset(
    {
        "page",
        "before",
        "status",
        "source",
        "acuity",
        "assigned",
        "overdue",
        "mode",
        "attempt",
        "language",
        "location",
        "item",
        "lot",
        "kind",
        "user",
        "start",
        "end",
    }
)


def return_path(request: HttpRequest) -> str:
    """Where to come back to after signing in or giving a code: this path, with only the query parameters
    known to carry no identity."""
    query = request.GET.copy()
    for name in list(query):
        if name not in IDENTITY_FREE_PARAMETERS:
            del query[name]
    return f"{request.path}?{query.urlencode()}" if query else request.path


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go back to after a form or a sign-in step: the request's `next` (POST first, then the query)
    when it is a path on this site, otherwise `default`. Never another host, never a downgrade to http."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
