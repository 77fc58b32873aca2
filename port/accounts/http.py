"""The request a PORT view receives: what the middleware and the API's authentication set on it.

Django's `HttpRequest` knows none of these attributes, so a view annotates its request with the type that
says what it may rely on (as healthchecks' `AuthenticatedHttpRequest` does):

- `PortRequest`: any request. `membership` is set by `MembershipMiddleware` (None when no one is signed
  in, or the user acts in no program) and `htmx` by django-htmx's middleware.
- `AuthenticatedRequest`: behind `access.login_required`; `user` is a signed-in `User`.
- `MemberRequest`: behind `access.membership_required`; `membership` is the one the user acts under.
- `ApiRequest`: an API endpoint behind `AgencyTokenAuth`; `auth` is the agency's accepted `ApiToken`.

These are annotations only: no request is ever built from them.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from port.accounts.models import ApiToken, Membership, User


class PortRequest(HttpRequest):
    user: User | AnonymousUser
    membership: Membership | None
    htmx: HtmxDetails


class AuthenticatedRequest(PortRequest):
    user: User


class MemberRequest(AuthenticatedRequest):
    membership: Membership


class ApiRequest(PortRequest):
    auth: ApiToken
