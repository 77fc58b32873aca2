"""View decorators: who may use a view at all. Which rows they see is the selectors' job."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

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


def login_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Django's login_required, with a `next` that carries no identity (see return_path)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(return_path(request))
        return view(request, *args, **kwargs)

    return wrapper


def membership_required(
    roles: Iterable[str],
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Require a signed-in user acting in a program with one of `roles`; others get 403."""
    allowed = frozenset(roles)

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(return_path(request))
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
