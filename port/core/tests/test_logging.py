"""No log line carries a field value: each class of server error is triggered in-process and what the
configured handlers write is scanned."""

import io
import logging

import pytest
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import path

from port.core.logging import MESSAGE_REMOVED, RedactFieldValues

VALUE = "Quillfeather-fentanyl"  # a field value: a name and a substance, as a person typed them


def database_error(request):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # DataError: invalid input syntax for type integer: "<the value>"
            cursor.execute("SELECT CAST(%s AS integer)", [VALUE])
        else:
            cursor.execute(f'SELECT * FROM "{VALUE}"')  # noqa: S608 (a constant) no such table: <the value>
    return HttpResponse("")


def plain_error(request):
    try:
        int(VALUE)
    except ValueError as exc:
        raise RuntimeError(f"Could not read the substances {VALUE!r}") from exc
    return HttpResponse("")


class Boom:
    @property
    def substances(self):
        raise ValueError(f"unreadable substance {VALUE}")


def template_error(request):
    return HttpResponse(engines["django"].from_string("<p>{{ boom.substances }}</p>").render({"boom": Boom()}))


urlpatterns = [
    path("database-error/", database_error),
    path("plain-error/", plain_error),
    path("template-error/", template_error),
]


@pytest.fixture
def written():
    """What the configured handlers write, formatted as they format it (their streams, redirected)."""
    stream = io.StringIO()
    handlers = {
        handler
        for name in ("", "django", "django.request", "huey", "gunicorn.error", "port")
        for handler in logging.getLogger(name).handlers
        if any(isinstance(f, RedactFieldValues) for f in handler.filters)
    }
    assert handlers, "LOGGING configures no handler with the filter"
    for name in ("", "django", "django.request", "huey", "gunicorn.error"):
        # Every handler of these loggers (pytest's own capture aside) filters.
        assert all(
            any(isinstance(f, RedactFieldValues) for f in handler.filters)
            for handler in logging.getLogger(name).handlers
            if type(handler).__module__ == "logging"
        ), name
    previous = [
        (handler, handler.setStream(stream)) for handler in handlers if isinstance(handler, logging.StreamHandler)
    ]
    yield stream
    for handler, old in previous:
        handler.setStream(old)


def assert_no_value(text: str, exception: str) -> None:
    assert text, "nothing was logged"
    assert VALUE not in text and "Quillfeather" not in text, text
    assert exception in text and MESSAGE_REMOVED in text, text
    assert "Traceback (most recent call last)" in text


@pytest.mark.urls("port.core.tests.test_logging")
@pytest.mark.parametrize(
    ("url", "exception"),
    [
        ("/database-error/", "django.db.utils."),
        ("/plain-error/", "RuntimeError"),
        ("/template-error/", "ValueError"),
    ],
)
def test_a_server_error_is_logged_with_its_class_and_stack_but_no_value(db, written, url, exception):
    response = Client(raise_request_exception=False).get(f"{url}?q={VALUE}")
    assert response.status_code == 500
    text = written.getvalue()
    assert_no_value(text, exception)
    assert f"Internal Server Error: {url}" in text  # the path (ids only), without its query string


@pytest.mark.urls("port.core.tests.test_logging")
def test_a_chained_exception_loses_every_message_in_the_chain(db, written):
    Client(raise_request_exception=False).get("/plain-error/")
    text = written.getvalue()
    assert "ValueError" in text and "The above exception was the direct cause" in text
    assert text.count(MESSAGE_REMOVED) == 2


def test_an_error_in_a_background_task_is_logged_without_its_message(written):
    try:
        raise ValueError(f"could not send to {VALUE}")
    except ValueError:
        # What huey's consumer does when a task raises.
        logging.getLogger("huey").exception("Unhandled exception in task %s.", "0b7c1d2e")
    assert_no_value(written.getvalue(), "ValueError")
    assert "Unhandled exception in task 0b7c1d2e." in written.getvalue()


def test_arguments_that_are_not_known_safe_are_removed(written):
    logging.getLogger("port.notifications.services").warning("Deadline warning %s: email to %s failed", 42, VALUE)
    logging.getLogger("port.example").error(ValueError(VALUE))
    text = written.getvalue()
    assert "Deadline warning 42: email to [removed] failed" in text
    assert VALUE not in text and "ValueError" in text
