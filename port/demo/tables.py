"""Bulk writes for the demo generator: rows straight to a table, as the ORM would write them."""

from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from port.core.encryption import EncryptedTextField


class Table:
    """Writes rows of one model (COPY on PostgreSQL, executemany elsewhere), primary keys reserved first.

    At 100,000 referrals (about 700,000 rows) the ORM's bulk_create spends minutes compiling each
    value; this takes seconds. Each value still goes through its field's get_db_prep_save, and a
    field a row leaves out gets its model default (or "now" for auto_now), so the rows are the ones
    the ORM would write.
    """

    # DateField covers DateTimeField; EncryptedTextField encrypts the notes.
    CONVERTED = (models.DateField, models.UUIDField, models.JSONField, EncryptedTextField)

    def __init__(self, model: type[models.Model]) -> None:
        # The connection itself, not django.db.connection's per-thread proxy: it is used ~10 times a row.
        db = connections[DEFAULT_DB_ALIAS]
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        names: list[str] = []
        for field in [meta.pk, *self.fields]:
            assert field.column is not None  # set on every concrete field when its model class is made
            names.append(field.column)
        self.table, self.pk_column = meta.db_table, names[0]
        self.converters = [
            partial(f.get_db_prep_save, connection=db) if isinstance(f, self.CONVERTED) else None for f in self.fields
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(name) for name in names)
        placeholders = ", ".join(["%s"] * (len(self.fields) + 1))
        # Names from the model's _meta, quoted by the backend; values are parameters (bandit B608).
        self.sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec
        self.copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"

    def reserve_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Taken from the table's own sequence, so concurrent inserts elsewhere never collide.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.table, self.pk_column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the transaction holds the database's write lock, so nobody else inserts meanwhile.
            # Past both the highest id and AUTOINCREMENT's counter, so a deleted row's id is never reused.
            column, table = connection.ops.quote_name(self.pk_column), connection.ops.quote_name(self.table)
            cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608  # nosec
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [self.table])
            first = max(highest, cursor.fetchone()[0]) + 1
            return list(range(first, first + count))

    def insert(self, rows: list[tuple[int, dict]]) -> None:
        if not rows:
            return
        now = timezone.now()
        defaults: dict[str, Any] = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                defaults[field.attname] = now
            elif not callable(field.default):
                defaults[field.attname] = field.get_default()
        values: list[list[Any]] = []
        for pk, row in rows:
            prepared: list[Any] = [pk]
            for field, convert in zip(self.fields, self.converters, strict=True):
                name = field.attname
                value = row[name] if name in row else defaults[name] if name in defaults else field.get_default()
                prepared.append(convert(value) if convert is not None and value is not None else value)
            values.append(prepared)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: PostgreSQL's bulk path, many times faster than row-by-row inserts.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for prepared in values:
                        copy.write_row(prepared)
            else:
                cursor.executemany(self.sql, values)
