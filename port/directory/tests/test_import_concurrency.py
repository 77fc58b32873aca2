"""Two imports of the same file into one program at the same moment end with one copy of each record.

Each thread has its own database connection and calls the real import service; a barrier starts them
together. On PostgreSQL the import takes a transaction-scoped advisory lock per program before it plans,
so the second waits, plans against what the first wrote and finds nothing to add; SQLite serialises every
writer (IMMEDIATE transactions). Either way no unique-constraint error reaches the admin."""

import threading

import pytest
from django.db import connection

from port.accounts.models import Organization
from port.directory.hsds.json_io import json_folder_files, read_json_files
from port.directory.hsds.services import directory_import
from port.directory.hsds.tables import TABLES, WRITE_ORDER


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_leave_one_copy_of_each_record(cast, spec):
    files = json_folder_files(spec / "examples")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            dataset = read_json_files(files)
            start.wait(timeout=10)
            plan = directory_import(program=cast.program, dataset=dataset, actor=None, valid_only=False, source="race")
            outcomes.append("added" if sum(c.added for c in plan.counts.values()) else "unchanged")
        except Exception as error:  # shown by the assertion below instead of being lost in the thread
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()  # each thread has its own connection; the test database must be freed

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["added", "unchanged"], outcomes
    for table in WRITE_ORDER:
        model = TABLES[table].model
        ids = list(model._default_manager.filter(program=cast.program).values_list("hsds_id", flat=True))
        assert len(ids) == len(set(ids)), table
    assert Organization.objects.filter(program=cast.program, name="Example Organization Inc.").count() == 1
