"""Bodies sent with Transfer-Encoding: chunked are read (when the server de-chunked them), refused with
413 over the limit, or answered 411 asking for a length; never read as empty."""

import io
import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from port.core.chunked import ChunkedBodies
from port.referrals.models import Referral
from port.security.accounts import api_token_issue
from port.testing.api import referral_body


def environ_for(body: bytes, *, terminated: bool, path: str = "/api/v1/referrals", token: str = "") -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": terminated,
    }


def call(app, environ: dict) -> tuple[str, dict, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def test_a_dechunked_body_reaches_the_app_with_its_length():
    seen = {}

    def inner(environ, start_response):
        seen["length"] = environ["CONTENT_LENGTH"]
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [])
        return [b""]

    status, _headers, _body = call(ChunkedBodies(inner), environ_for(b'{"a": 1}', terminated=True))

    assert status == "200 OK"
    assert seen == {"length": "8", "body": b'{"a": 1}'}


def test_a_chunked_body_the_server_did_not_dechunk_answers_411_asking_for_a_length():
    status, headers, body = call(ChunkedBodies(pytest.fail), environ_for(b"{}", terminated=False))

    assert status == "411 Length Required"
    assert headers["Content-Type"] == "application/json"
    assert "Content-Length is required" in json.loads(body)["detail"]


def test_a_chunked_body_over_the_limit_answers_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    status, _headers, body = call(ChunkedBodies(pytest.fail), environ_for(b"x" * 1025, terminated=True))

    assert status == "413 Content Too Large"
    assert "larger than 1 KB" in json.loads(body)["detail"]


def test_a_page_gets_the_411_as_text(settings):
    status, headers, body = call(ChunkedBodies(pytest.fail), environ_for(b"", terminated=False, path="/referrals/new/"))

    assert status == "411 Length Required"
    assert headers["Content-Type"].startswith("text/plain")


def test_a_referral_sent_in_chunks_through_the_project_application_is_created(cast):
    raw = api_token_issue(agency=cast.ed, name="ED nightly feed")[1]
    payload = json.dumps(referral_body()).encode()

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        status, _headers, body = call(ChunkedBodies(WSGIHandler()), environ_for(payload, terminated=True, token=raw))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    assert status.startswith("201"), body
    assert Referral.objects.count() == 1


def test_the_project_application_is_wrapped():
    from port.wsgi import application

    assert isinstance(application, ChunkedBodies)
