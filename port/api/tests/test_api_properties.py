"""Property-based: schemathesis sends the API what its own OpenAPI document allows (and, in a second
run, what it forbids), in-process, and every answer must be no server error and exactly what the
document says (status code, content type, body schema). Bounded and derandomized: the same examples
on every run, in seconds."""

import datetime as dt
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from port.api.api import api
from port.core.chunked import ChunkedBodies
from port.security.accounts import api_token_issue

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema(mode: GenerationMode):
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.config.generation.update(modes=[mode], deterministic=True)
    loaded.app = ChunkedBodies(WSGIHandler())  # the application as served (port/wsgi.py)
    return loaded


valid = _schema(GenerationMode.POSITIVE)
invalid = _schema(GenerationMode.NEGATIVE)

BOUNDED = settings(
    max_examples=50, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def token(cast, settings, time_machine) -> Iterator[str]:
    settings.API_RATE_PER_TOKEN = ""  # hundreds of requests in a second are the point here
    time_machine.move_to(NOW, tick=False)
    # As Django's test client does: requests must not close the connection holding the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield api_token_issue(agency=cast.ed, name="ED nightly feed")[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@valid.parametrize()
@BOUNDED
def test_whatever_the_document_allows_is_answered_as_the_document_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CONFORMANCE)


@invalid.parametrize()
@BOUNDED
def test_whatever_the_document_forbids_is_refused_as_the_document_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CONFORMANCE)
