"""For the audit tests: a way to tamper with the trail as someone with direct database access would
(lifting the append-only triggers for a moment), and entries recorded in bulk."""

import contextlib
from collections.abc import Iterator

from django.db import connection

from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.audit.triggers import triggers_create_sql, triggers_drop_sql


@contextlib.contextmanager
def tampering() -> Iterator:
    """A cursor with the triggers lifted, as an attacker with the database owner's rights has it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fire the deferred foreign-key checks now: PostgreSQL will not drop a trigger while
            # events for its table are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in triggers_drop_sql(connection.vendor):
            cursor.execute(statement)
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in triggers_create_sql(connection.vendor):
                cursor.execute(statement)


def record_entries(count: int, *, by=None, participant_ids=(), start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(
            action=AuditEvent.Action.VIEW,
            by=by,
            target_type="participants.participant",
            target_ids=[start + n],
            participant_ids=participant_ids,
            note=f"entry {start + n}",
        )
        for n in range(count)
    ]
