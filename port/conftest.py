"""Fixtures for every test: the cast (port/testing/cast.py builds it), a file SQLite database per run
and per xdist worker, plain static files and fast password hashing."""

from collections.abc import Iterator

import pytest

from port.testing.cast import Cast, cast_build
from port.testing.matrix import MatrixWorld, matrix_world


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory) -> None:
    """SQLite tests use a file, as production does, not Django's shared-cache memory database: there a
    second writer fails at once with "table is locked" instead of waiting, so concurrency tests
    (port/outreach/tests/test_supplies_concurrency.py) could not run. A fresh directory per run, and per xdist
    worker (tmp_path_factory's base is the worker's own): no clashes. On PostgreSQL the parallel suffix
    gives each worker its own test database (test_<name>_gw0, test_<name>_gw1)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _plain_static_files(settings) -> None:
    """Tests run without collectstatic, so serve static names unhashed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """The cast's seven users would otherwise take seconds of PBKDF2 in every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db) -> Cast:
    return cast_build()


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker) -> Iterator[MatrixWorld]:
    """The permission matrix's world (port/testing/matrix.py), built once for the module that asks for it
    and rolled back after it; each test runs in its own savepoint inside (ask for `db` too)."""
    with matrix_world(django_db_blocker) as world:
        yield world
