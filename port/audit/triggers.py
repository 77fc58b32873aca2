"""Database triggers that refuse to change or delete audit entries (migration 0004).

They stop the application, an admin screen, a mistaken script or a ``manage.py shell`` from rewriting
the trail. Someone who can drop triggers (the database owner) is not stopped by them: the hash chain
and the anchors written outside the database (port.audit.chain) detect what they do.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_auditparticipant")
_PG_FUNCTION = "audit_refuse_change"


def triggers_create_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        # No "%" in the SQL: migrations run it without parameters, but it stays safe either way.
        return [
            f"""CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit entries are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused',
        ERRCODE = 'integrity_constraint_violation';
END
$$""",
            *(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()"
                for table in APPEND_ONLY_TABLES
            ),
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'audit entries are append-only: {operation} on {table} refused'); END"
            for table in APPEND_ONLY_TABLES
            for operation in ("UPDATE", "DELETE")
        ]
    return []


def triggers_drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES),
            f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()",
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in _trigger_names(vendor)]
    return []


def _trigger_names(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"{table}_append_only" for table in APPEND_ONLY_TABLES]
    if vendor == "sqlite":
        return [f"{table}_no_{operation}" for table in APPEND_ONLY_TABLES for operation in ("update", "delete")]
    return []


def triggers_installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether the append-only triggers exist on this database (the flush command asks)."""
    names = _trigger_names(connection.vendor)
    if not names:
        return False
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(query)
        return bool(set(names) & {name for (name,) in cursor.fetchall()})
