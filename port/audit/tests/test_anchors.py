"""Anchors: the chain's head written outside the database, by the worker every 10 minutes and by
`manage.py audit_anchor`, and checked by `audit_verify`."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from port.audit.chain import GENESIS, anchor_write, anchors_read, chain_verify
from port.audit.tasks import audit_anchor
from port.testing.audit import record_entries

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(\d+) ([0-9a-f]{64}) (\S+)$")


def test_an_anchor_is_a_line_of_seq_hash_and_time_in_a_new_directory(anchor_path):
    events = record_entries(3)
    assert not anchor_path.parent.exists()
    anchor = anchor_write()
    lines = anchor_path.read_text().splitlines()
    assert len(lines) == 1
    seq, digest, written = LINE.match(lines[0]).groups()
    assert (int(seq), digest) == (3, events[-1].entry_hash) == (anchor.seq, anchor.entry_hash)
    assert dt.datetime.fromisoformat(written).tzinfo is not None


def test_anchors_are_appended_never_rewritten(anchor_path):
    record_entries(1)
    anchor_write()
    first = anchor_path.read_text()
    record_entries(2, start=5)
    anchor_write()
    text = anchor_path.read_text()
    assert text.startswith(first)
    assert [a.seq for a in anchors_read()] == [1, 3]


def test_an_empty_trail_is_anchored_at_seq_0():
    anchor = anchor_write()
    assert (anchor.seq, anchor.entry_hash) == (0, GENESIS)
    record_entries(2)
    assert chain_verify().ok


def test_the_command_writes_an_anchor(anchor_path):
    record_entries(2)
    out = StringIO()
    call_command("audit_anchor", stdout=out)
    assert "Anchored seq 2" in out.getvalue()
    assert anchors_read()[-1].seq == 2


def test_the_worker_writes_an_anchor_every_ten_minutes(anchor_path):
    record_entries(4)
    audit_anchor.call_local()
    assert anchors_read()[-1].seq == 4
    from huey.contrib.djhuey import HUEY

    assert audit_anchor.task_class in {type(task) for task in HUEY._registry.periodic_tasks}
    for minute, due in ((0, True), (10, True), (50, True), (5, False), (25, False)):
        run = {type(task) for task in HUEY.read_periodic(dt.datetime(2026, 5, 1, 10, minute))}
        assert (audit_anchor.task_class in run) is due, minute


def test_verify_checks_every_anchor_and_reports_the_newest():
    record_entries(2)
    anchor_write()
    record_entries(2, start=5)
    anchor_write()
    out = StringIO()
    call_command("audit_verify", stdout=out, stderr=StringIO())
    assert "Audit chain OK: 4 entries" in out.getvalue()
    assert "2 anchors match, the newest written at" in out.getvalue()
    assert "for seq 4" in out.getvalue()


def test_verify_warns_when_there_are_no_anchors_yet():
    record_entries(1)
    err = StringIO()
    call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert "No anchors in" in err.getvalue()


def test_an_anchor_ahead_of_the_table_is_a_failure(anchor_path):
    record_entries(2)
    anchor_path.parent.mkdir(parents=True)
    anchor_path.write_text(f"9 {'a' * 64} 2026-01-01T00:00:00+00:00\n")
    with pytest.raises(CommandError, match="records seq 9, but the newest entry is seq 2"):
        call_command("audit_verify")


def test_a_malformed_anchor_file_is_reported_with_its_line(anchor_path):
    record_entries(1)
    anchor_write()
    with anchor_path.open("a") as anchors:
        anchors.write("not an anchor\n")
    with pytest.raises(CommandError, match=r"line 2, is not \"seq hash time\""):
        call_command("audit_verify")
