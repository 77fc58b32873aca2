"""Where the current request came from, so services can audit without being handed the request."""

import contextlib
import contextvars
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.ipv6 import clean_ipv6_address


@dataclass(frozen=True)
class RequestOrigin:
    path: str
    ip_address: str | None


_origin: contextvars.ContextVar[RequestOrigin | None] = contextvars.ContextVar("audit_origin", default=None)


def normalize_ip(address: str | None) -> str | None:
    """The address in the form the database gives back (so an entry's hash can be recomputed from its
    row), or None if it is not an IP address (PostgreSQL's inet column would refuse it)."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 4:
        return str(parsed)
    if parsed.scope_id:
        return None
    # Django stores IPv6 addresses cleaned this way (GenericIPAddressField), e.g. ::ffff:10.0.0.1.
    return clean_ipv6_address(address)


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy, the deployment sets the real client address into REMOTE_ADDR (docs/deployment.md).
    # A server on a Unix socket may put something else there.
    return normalize_ip(request.META.get("REMOTE_ADDR"))


@contextlib.contextmanager
def audit_context(request: HttpRequest) -> Iterator[None]:
    token = _origin.set(RequestOrigin(path=request.path[:300], ip_address=client_ip(request)))
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> RequestOrigin | None:
    return _origin.get()
