"""Where the current request came from, so services can audit without being handed the request."""

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class RequestOrigin:
    path: str
    ip_address: str | None


_origin: contextvars.ContextVar[RequestOrigin | None] = contextvars.ContextVar("audit_origin", default=None)


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy, the deployment sets the real client address into REMOTE_ADDR (docs/deployment.md).
    return request.META.get("REMOTE_ADDR") or None


@contextlib.contextmanager
def audit_context(request: HttpRequest) -> Iterator[None]:
    token = _origin.set(RequestOrigin(path=request.path[:300], ip_address=client_ip(request)))
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> RequestOrigin | None:
    return _origin.get()
