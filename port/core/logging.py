"""Logs carry no field value: a filter on every handler (settings.LOGGING) removes them from each record.

What a database driver or an exception says can quote what a person typed ("invalid input syntax for type
integer: "…"", a DETAIL line with a row's values, a ValueError repeating a cell), and a message's arguments
can be anything. So every record is rewritten before any handler formats it:

- an exception keeps its class and its stack (file, line, function, source line: code, never data) for
  each exception in the chain, and loses its message;
- arguments are kept when they are numbers, ids, times or known-safe (the request path Django's
  "Internal Server Error: <path>" names, which carries ids, never names, with no query string); any other
  argument is replaced by "[removed]";
- a message that is not a plain format string (an exception or another object logged as the message) is
  replaced by its class name; SQL with its parameters (django.db.backends) is dropped.

See docs/privacy.md and docs/deployment.md ("Logs").
"""

import datetime as dt
import logging
import re
import traceback
import uuid
from decimal import Decimal

REMOVED = "[removed]"
MESSAGE_REMOVED = "(message removed: it may quote field values)"
_SAFE_TYPES = (int, float, Decimal, bool, type(None), uuid.UUID, dt.datetime, dt.date, dt.timedelta)
# Loggers whose string arguments are request paths (Django's request and security logs) or a request line.
_PATH_LOGGERS = ("django.request", "django.security", "django.server")
_ID = re.compile(r"[0-9a-fA-F-]{8,36}")  # a uuid or hex id (huey's task ids), never a word


def _qualified_name(exc: BaseException) -> str:
    kind = type(exc)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def scrubbed_traceback(exc: BaseException) -> str:
    """The traceback as Python prints it (chained exceptions first), with every exception's message
    replaced: class names and stack frames only."""
    chain: list[tuple[BaseException, str]] = []  # outermost first, each with the words printed before it
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__cause__ is not None:
            following, words = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            following, words = current.__context__, _CONTEXT
        else:
            following, words = None, ""
        chain.append((current, words))
        current = following
    parts = []
    for error, words in reversed(chain):
        parts += [
            words,
            "Traceback (most recent call last):\n",
            *traceback.format_tb(error.__traceback__),
            f"{_qualified_name(error)}: {MESSAGE_REMOVED}\n",
        ]
    return "".join(parts).rstrip("\n")


def _safe_arg(arg: object, *, path_logger: bool) -> object:
    if isinstance(arg, _SAFE_TYPES) or (isinstance(arg, str) and _ID.fullmatch(arg)):
        return arg
    if path_logger and isinstance(arg, str):
        return arg.split("?", 1)[0]  # a path, or a request line without its query string
    if type(arg).__module__.startswith("huey.") and hasattr(arg, "id"):
        return f"{type(arg).__name__} {arg.id}"  # a huey task: its name and id, never its arguments
    return REMOVED


class RedactFieldValues(logging.Filter):
    """Attach to every handler: what the record says is made free of field values (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrubbed_traceback(record.exc_info[1])
            record.exc_info = None  # no handler may format the original (its message, its frames' locals)
        if not isinstance(record.msg, str):
            record.msg, record.args = type(record.msg).__name__, ()
        if record.name.startswith("django.db.backends"):
            record.msg, record.args = "SQL and its parameters removed", ()
        if record.args:
            path_logger = record.name.startswith(_PATH_LOGGERS)
            if isinstance(record.args, dict):
                record.args = {key: _safe_arg(value, path_logger=path_logger) for key, value in record.args.items()}
            else:
                record.args = tuple(_safe_arg(arg, path_logger=path_logger) for arg in record.args)
        # Django's request logs attach the request: nothing downstream may read its body or query.
        if hasattr(record, "request"):
            record.request = None
        return True
