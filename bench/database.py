"""The bench's own PostgreSQL database, and Django set up on it as in production."""

from __future__ import annotations

import logging
import os
from typing import TypedDict


class PgServer(TypedDict):
    host: str
    port: int
    user: str


PG_SERVER: PgServer = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
BENCH_DATABASE = "port_bench"
# The test suite owns these; the bench never creates, drops or writes to them.
FORBIDDEN_DATABASES = frozenset({"test", "test_test", "postgres", "template0", "template1"})


def bench_database_url() -> str:
    return f"postgres://{PG_SERVER['user']}@{PG_SERVER['host']}:{PG_SERVER['port']}/{BENCH_DATABASE}"


def prepare_database(*, fresh: bool) -> bool:
    """Create (with fresh=True, re-create) the bench database. Returns True if it was created."""
    import psycopg
    from psycopg import sql

    if BENCH_DATABASE in FORBIDDEN_DATABASES:
        raise SystemExit(f"Refusing to use the database {BENCH_DATABASE}.")
    name = sql.Identifier(BENCH_DATABASE)
    with psycopg.connect(dbname="postgres", autocommit=True, **PG_SERVER) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
        exists = found.fetchone() is not None
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
            return True
    return False


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)


def setup_django() -> None:
    """Point Django at the bench database, as in production (DEBUG off), and migrate it."""
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["DEBUG"] = "0"
    # Far above what the bench sends, so nothing is refused, yet every API request still pays for
    # counting its token's use in the shared cache, as in production.
    os.environ["API_RATE_PER_TOKEN"] = "1000000/m"  # noqa: S105 (a rate, not a secret)
    # The default configuration (database cache); the throughput runs add Redis explicitly.
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "port.settings")
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    migrate()
    # Pages render with the manifest static storage, as in production.
    call_command("collectstatic", "--noinput", verbosity=0)


def rebuild_database() -> None:
    """Drop and re-create the bench database under a running Django, then migrate it again."""
    from django.db import connections

    connections.close_all()
    prepare_database(fresh=True)
    migrate()


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
