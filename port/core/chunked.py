"""Request bodies sent with `Transfer-Encoding: chunked` (no Content-Length).

Django reads exactly CONTENT_LENGTH bytes of a body, so a chunked body reads as empty (the API would
answer "the body must be a JSON object"). gunicorn de-chunks the body and says so by setting
`wsgi.input_terminated`; then this wrapper reads it (at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, 413
beyond) and hands Django a body with its length. A server that does not de-chunk gets 411: the
sender is asked for a Content-Length rather than having the body silently dropped.
"""

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

LENGTH_REQUIRED = "A Content-Length is required: send the body with its length, not in chunks."
TOO_LARGE = "The body is larger than %(limit)d KB."


def _refuse(environ: dict, start_response: Callable, status: str, detail: str) -> list[bytes]:
    if environ.get("PATH_INFO", "").startswith("/api/"):
        body, kind = json.dumps({"detail": detail, "errors": {}}).encode(), "application/json"
    else:
        body, kind = detail.encode(), "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


class ChunkedBodies:
    """WSGI wrapper: gives a de-chunked body a Content-Length, or answers 411 or 413."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            if not environ.get("wsgi.input_terminated"):
                return _refuse(environ, start_response, "411 Length Required", LENGTH_REQUIRED)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 5 * 1024 * 1024
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _refuse(environ, start_response, "413 Content Too Large", TOO_LARGE % {"limit": limit // 1024})
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.application(environ, start_response)
