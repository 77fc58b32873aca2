"""Who is calling the API: one agency's system, by its bearer token, within its rate of use."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from port.accounts.models import ApiToken
from port.security.accounts import api_token_authenticate

DEFAULT_API_RATE = "600/m"  # per token


class ApiUnauthorized(AuthenticationError):
    """401. `invalid_token` says whether a token was sent and refused (RFC 6750 error code)."""

    def __init__(self, message: str, *, invalid_token: bool) -> None:
        super().__init__(status_code=401, message=message)
        self.invalid_token = invalid_token


class ApiRateLimited(HttpError):
    """429: the token sent more requests than its rate allows; `retry_after` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            status_code=429,
            message=_("Too many requests with this token. Wait %(seconds)d seconds, then retry.")
            % {"seconds": retry_after},
        )
        self.retry_after = retry_after


def rate_per_token() -> str | None:
    """Requests a token may make, e.g. "600/m"; settings.API_RATE_PER_TOKEN set empty turns it off."""
    rate = getattr(settings, "API_RATE_PER_TOKEN", DEFAULT_API_RATE)
    return rate or None


def _check_rate(request: HttpRequest, token: ApiToken) -> None:
    # Counted per token (its hash: unique and never reused), in the shared cache, so every web
    # worker sees the same count. A runaway retry loop is stopped before it reaches intake.
    usage = get_usage(
        request,
        group="api.token",
        key=lambda group, request: token.token_hash,
        rate=lambda group, request: rate_per_token(),
        increment=True,
    )
    if usage and usage["should_limit"]:
        raise ApiRateLimited(retry_after=max(usage["time_left"], 1))


class AgencyTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. On success `request.auth` is the agency's ApiToken.

    Unlike ninja's HttpBearer, every refusal says what was wrong (no header, another scheme, or a
    token that is unknown, revoked or expired) without telling which of the last three it was.
    """

    # Shown in the OpenAPI document's security scheme.
    openapi_bearerFormat = "port_<43 characters>"  # noqa: N815 (the OpenAPI field's own spelling)
    openapi_description = (
        "One agency's API token. A program administrator creates it in the admin "
        "(Admin → API tokens); it is shown once. Revoked or expired tokens answer 401."
    )

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get(self.header, "").strip()
        if not header:
            raise ApiUnauthorized(
                _("Send your agency's API token in an “Authorization: Bearer <token>” header."), invalid_token=False
            )
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise ApiUnauthorized(
                _("The Authorization header must use the Bearer scheme: “Authorization: Bearer <token>”."),
                invalid_token=False,
            )
        if not raw.strip():
            raise ApiUnauthorized(_("The Authorization header has no token after “Bearer”."), invalid_token=False)
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = api_token_authenticate(raw=token)
        if api_token is None:
            raise ApiUnauthorized(
                _("This token is unknown, revoked or expired. Ask your PORT program's administrator for a new one."),
                invalid_token=True,
            )
        _check_rate(request, api_token)
        return api_token
