"""The hash chain: entries link up, `audit_verify` says OK, and names the first broken entry for every
kind of tampering: a changed field, a deleted middle row, deleted oldest rows, deleted newest rows
(against the anchor), a table re-hashed with another key, a rewrite by someone who has the key, rows
written around the service, and a pruned participant index."""

import datetime as dt
import importlib
import types

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from port.audit.chain import GENESIS, anchor_write, canonical, chain_verify, entry_hash
from port.audit.models import AuditChainHead, AuditEvent, AuditParticipant
from port.audit.services import audit_record
from port.testing.audit import record_entries, tampering

pytestmark = pytest.mark.django_db


def verify_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def verify_failure() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    return str(failure.value)


def test_entries_are_chained_in_order_from_seq_1():
    events = record_entries(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].entry_hash
    assert events[2].prev_hash == events[1].entry_hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.entry_hash) == (3, events[2].entry_hash)


def test_the_hash_recomputed_from_the_stored_row_matches(cast):
    # Everything round-trips: aware times, JSON with dates in it, an IPv6 address in non-canonical form.
    from port.audit.context import RequestOrigin, _origin

    token = _origin.set(RequestOrigin(path="/participants/x/", ip_address="2001:DB8:0:0:0:0:0:1"))
    try:
        event = audit_record(
            action=AuditEvent.Action.UPDATE,
            by=cast.supervisor,
            target_type="referrals.referral",
            target_ids=[7],
            participant_ids=[3, 2, 3],
            changes={"when": [None, timezone.now()], "day": dt.date(2026, 3, 1), "n": 1.5},
            note="ñ and ✓",
            reason="a reason",
            flagged=True,
        )
    finally:
        _origin.reset(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.ip_address == "2001:db8::1"
    assert stored.participant_ids == [2, 3]
    assert canonical(stored) == canonical(event)
    assert entry_hash(stored) == stored.entry_hash


def test_verify_says_ok_with_the_count_and_the_head():
    events = record_entries(5, participant_ids=[11, 12])
    output = verify_output()
    assert "Audit chain OK: 5 entries" in output
    assert f"head seq 5 hash {events[-1].entry_hash}" in output


def test_verify_of_an_empty_trail_is_ok():
    assert "Audit chain OK: 0 entries" in verify_output()


def test_a_changed_field_is_named_as_the_first_broken_entry():
    events = record_entries(5)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = %s WHERE id = %s", ["nothing to see", events[2].pk])
    message = verify_failure()
    assert f"Entry seq 3, id {events[2].pk}: its contents do not match its hash" in message
    assert "after 2 good entries" in message


def test_a_changed_participant_list_is_detected():
    events = record_entries(3, participant_ids=[5])
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET participant_ids = %s WHERE id = %s", ["[]", events[1].pk])
    assert f"Entry seq 2, id {events[1].pk}: its contents do not match" in verify_failure()


def test_a_deleted_middle_entry_is_detected_at_the_next_one():
    events = record_entries(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    message = verify_failure()
    assert f"Entry seq 4, id {events[3].pk}: entry 3 before it is missing (deleted)" in message


def test_a_deleted_and_renumbered_middle_entry_is_detected_by_the_broken_link():
    events = record_entries(4)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
        # One row at a time, oldest first: a single UPDATE may meet the unique seq in any row order.
        cursor.execute("SELECT seq FROM audit_auditevent WHERE seq > 2 ORDER BY seq")
        for (seq,) in cursor.fetchall():
            cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [seq - 1, seq])
    # Renumbering changes the hashed fields; without the key the entry cannot be re-signed.
    assert f"Entry seq 2, id {events[2].pk}: its contents do not match its hash" in verify_failure()


def test_deleted_oldest_entries_are_detected():
    events = record_entries(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq <= 2")
    message = verify_failure()
    assert f"Entry seq 3, id {events[2].pk}: the chain starts here, not at seq 1: the 2 oldest entries" in message


def test_deleted_newest_entries_are_detected_by_the_head_row():
    record_entries(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert "Entry seq 4: missing: the chain head records seq 5, but the newest entry is seq 3" in verify_failure()


def test_deleted_newest_entries_with_the_head_moved_back_are_detected_by_the_anchor():
    events = record_entries(5)
    anchor_write()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq >= 4")
    # The attacker also moves the head row back; only the anchor outside the database remembers.
    AuditChainHead.objects.filter(pk=1).update(seq=3, entry_hash=events[2].entry_hash)
    message = verify_failure()
    assert "Entry seq 4: missing: the anchor written at" in message
    assert "records seq 5, but the newest entry is seq 3; entries 4 to 5 were deleted" in message


def test_an_emptied_table_is_detected_by_the_anchor():
    record_entries(3)
    anchor_write()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    AuditChainHead.objects.filter(pk=1).delete()
    assert "records seq 3, but the newest entry is seq 0" in verify_failure()


def test_a_table_rehashed_with_another_key_is_detected_at_seq_1(settings):
    events = record_entries(4)
    real_key = settings.AUDIT_HMAC_KEY
    # Someone without the key changes an entry and re-hashes every row so that the links agree again.
    settings.AUDIT_HMAC_KEY = "a key the attacker guessed"
    previous = GENESIS
    with tampering() as cursor:
        for event in AuditEvent.objects.order_by("seq"):
            if event.seq == 2:
                event.note = "rewritten"
            event.prev_hash = previous
            event.entry_hash = previous = entry_hash(event)
            cursor.execute(
                "UPDATE audit_auditevent SET note = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
                [event.note, event.prev_hash, event.entry_hash, event.pk],
            )
    AuditChainHead.objects.filter(pk=1).update(entry_hash=previous)
    settings.AUDIT_HMAC_KEY = real_key
    assert f"Entry seq 1, id {events[0].pk}: its contents do not match its hash" in verify_failure()


def test_a_rewrite_by_someone_holding_the_key_is_detected_by_an_earlier_anchor():
    events = record_entries(4)
    anchor_write()
    previous = events[1].entry_hash
    with tampering() as cursor:
        for event in AuditEvent.objects.filter(seq__gte=3).order_by("seq"):
            event.note = "rewritten"
            event.prev_hash = previous
            event.entry_hash = previous = entry_hash(event)
            cursor.execute(
                "UPDATE audit_auditevent SET note = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
                [event.note, event.prev_hash, event.entry_hash, event.pk],
            )
    AuditChainHead.objects.filter(pk=1).update(entry_hash=previous)
    message = verify_failure()
    assert f"Entry seq 4, id {events[3].pk}: it does not match the anchor written at" in message


def test_an_entry_written_around_the_service_is_detected():
    record_entries(2)
    stray = AuditEvent.objects.create(action=AuditEvent.Action.VIEW, note="inserted directly")
    assert f"Entry id {stray.pk}: it has no sequence number" in verify_failure()


def test_a_removed_participant_index_row_is_named():
    events = record_entries(3, participant_ids=[41, 42])
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditparticipant WHERE event_id = %s AND participant_id = 42", [events[1].pk])
    message = verify_failure()
    assert f"Entry seq 2, id {events[1].pk}: its participant index" in message
    assert "index rows missing for participant ids [42]" in message


def test_an_added_participant_index_row_is_named():
    events = record_entries(2, participant_ids=[41])
    AuditParticipant.objects.create(event=events[0], participant_id=99)
    assert "index rows added for participant ids [99]" in verify_failure()


def test_verify_walks_in_chunks():
    record_entries(7)
    report = chain_verify(chunk_size=2)
    assert report.ok and report.count == 7


def test_entries_appended_after_verification_started_are_left_for_next_time():
    record_entries(3)
    # An entry beyond the head read at the start: as if appended while the walk was running.
    report = chain_verify()
    record_entries(1, start=10)
    assert report.ok and report.head_seq == 3


def test_a_missing_head_row_is_restored_from_the_newest_entry():
    events = record_entries(3)
    AuditChainHead.objects.all().delete()
    later = audit_record(action=AuditEvent.Action.VIEW, note="after the head row went missing")
    assert later.seq == 4 and later.prev_hash == events[-1].entry_hash
    assert chain_verify().ok


def test_the_data_migration_creates_the_head_row_on_an_empty_trail():
    migration = importlib.import_module("port.audit.migrations.0003_chain_existing_entries")
    AuditChainHead.objects.all().delete()
    migration.chain_existing_entries(apps, types.SimpleNamespace(connection=connection))
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.entry_hash) == (0, GENESIS)


def test_the_data_migration_chains_entries_written_before_the_chain_existed():
    migration = importlib.import_module("port.audit.migrations.0003_chain_existing_entries")
    old = [
        AuditEvent.objects.create(action=AuditEvent.Action.VIEW, participant_ids=[8, 9], note=f"old {n}")
        for n in range(3)
    ]
    AuditChainHead.objects.all().delete()
    with tampering():
        migration.chain_existing_entries(apps, types.SimpleNamespace(connection=connection))
    chained = list(AuditEvent.objects.order_by("seq"))
    assert [e.pk for e in chained] == [e.pk for e in old]
    assert [e.seq for e in chained] == [1, 2, 3]
    assert set(AuditParticipant.objects.values_list("event_id", "participant_id")) == {
        (e.pk, p) for e in old for p in (8, 9)
    }
    assert AuditChainHead.objects.get(pk=1).seq == 3
    assert chain_verify().ok
    # And the service goes on from there.
    assert audit_record(action=AuditEvent.Action.VIEW).seq == 4
    assert chain_verify().ok
