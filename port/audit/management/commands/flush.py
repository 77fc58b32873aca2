"""Django's flush, able to empty the audit tables on SQLite too.

flush empties every table. On PostgreSQL it uses TRUNCATE, which the append-only row triggers
(port/audit/triggers.py) do not see; on SQLite it deletes row by row, which they refuse. So on SQLite
the triggers are lifted for the flush and put back afterwards. Django's TransactionTestCase flushes
the test database this way after each test. An emptied trail in a real database is still detected:
`manage.py audit_verify` compares the table with the anchors written outside it.
"""

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from port.audit.triggers import triggers_create_sql, triggers_drop_sql, triggers_installed


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or not triggers_installed(connection):
            super().handle(**options)
            return
        with connection.cursor() as cursor:
            for statement in triggers_drop_sql(connection.vendor):
                cursor.execute(statement)
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for statement in triggers_create_sql(connection.vendor):
                    cursor.execute(statement)
