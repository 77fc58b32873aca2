"""The database itself refuses to change or delete audit entries (on SQLite and on PostgreSQL), the
chain stays whole when entries are appended at the same moment, and flush still empties a database."""

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from port.audit.chain import chain_verify
from port.audit.models import AuditChainHead, AuditEvent, AuditParticipant
from port.audit.services import audit_record
from port.audit.triggers import triggers_installed
from port.testing.audit import record_entries


def refused(action) -> str:
    # Its own transaction: on PostgreSQL the refused statement aborts the transaction it runs in.
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    return str(error.value)


@pytest.mark.django_db
def test_the_triggers_are_installed_by_the_migrations():
    assert triggers_installed(connection)


@pytest.mark.django_db
def test_an_entry_cannot_be_updated():
    event = audit_record(action=AuditEvent.Action.VIEW, note="original")
    assert "append-only" in refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(note="edited"))
    event.note = "edited"
    assert "append-only" in refused(lambda: event.save())
    assert AuditEvent.objects.get(pk=event.pk).note == "original"


@pytest.mark.django_db
def test_an_entry_cannot_be_deleted():
    event = audit_record(action=AuditEvent.Action.VIEW)
    assert "append-only" in refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    assert "append-only" in refused(lambda: AuditEvent.objects.all()._raw_delete(connection.alias))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_the_participant_index_cannot_be_updated_or_deleted():
    event = audit_record(action=AuditEvent.Action.VIEW, participant_ids=[7])
    assert "append-only" in refused(lambda: AuditParticipant.objects.filter(event=event).update(participant_id=8))
    assert "append-only" in refused(lambda: AuditParticipant.objects.filter(event=event)._raw_delete(connection.alias))
    assert list(AuditParticipant.objects.filter(event=event).values_list("participant_id", flat=True)) == [7]


@pytest.mark.django_db
def test_raw_sql_is_refused_too():
    event = audit_record(action=AuditEvent.Action.VIEW)

    def raw_update() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET note = 'x' WHERE id = %s", [event.pk])

    assert "append-only" in refused(raw_update)


@pytest.mark.django_db
def test_new_entries_can_still_be_appended_and_the_head_moves():
    record_entries(2)
    assert AuditChainHead.objects.get(pk=1).seq == 2


@pytest.mark.django_db(transaction=True)
def test_two_threads_appending_at_once_leave_one_valid_chain(cast):
    start = threading.Barrier(2)
    problems: list[str] = []

    def append(membership, count: int) -> None:
        try:
            start.wait(timeout=10)
            for n in range(count):
                audit_record(
                    action=AuditEvent.Action.VIEW,
                    by=membership,
                    target_type="participants.participant",
                    target_ids=[n],
                    participant_ids=[n + 1],
                )
        except Exception as error:  # shown by the assertion below instead of being lost in the thread
            problems.append(repr(error))
        finally:
            connection.close()  # each thread has its own connection; the test database must be freed

    threads = [threading.Thread(target=append, args=(member, 25)) for member in (cast.peer, cast.peer2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert problems == []
    report = chain_verify()
    assert report.ok, report.broken
    assert report.count == AuditEvent.objects.count() == 50
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 51))


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_keeps_the_triggers():
    record_entries(2, participant_ids=[3])
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert triggers_installed(connection)
    event = audit_record(action=AuditEvent.Action.VIEW)
    assert event.seq == 1
    assert "append-only" in refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(note="x"))
