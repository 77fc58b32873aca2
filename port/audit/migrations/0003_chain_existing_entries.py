"""Chain the entries written before the hash chain existed, index their participants, and create the
chain's head row, so an older database verifies (`manage.py audit_verify`). Runs before 0004 makes
the table append-only."""

from django.db import migrations

from port.audit.chain import GENESIS, entry_hash

BATCH = 1000


def chain_existing_entries(apps, schema_editor) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditParticipant = apps.get_model("audit", "AuditParticipant")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    events = AuditEvent.objects.using(schema_editor.connection.alias)
    newest = events.filter(seq__isnull=False).order_by("-seq").values_list("seq", "entry_hash").first()
    seq, previous = newest or (0, GENESIS)
    # The ids first: rows are updated while they are walked, which a live SQLite cursor would see.
    unchained = list(events.filter(seq__isnull=True).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(unchained), BATCH):
        batch = list(events.filter(pk__in=unchained[start:start + BATCH]).order_by("pk"))
        for event in batch:
            seq += 1
            event.seq, event.prev_hash = seq, previous
            event.entry_hash = previous = entry_hash(event)
        events.bulk_update(batch, ["seq", "prev_hash", "entry_hash"])
        AuditParticipant.objects.using(schema_editor.connection.alias).bulk_create(
            [AuditParticipant(event_id=event.pk, participant_id=int(pk))
             for event in batch for pk in sorted(set(event.participant_ids))],
            ignore_conflicts=True)
    AuditChainHead.objects.using(schema_editor.connection.alias).update_or_create(
        pk=1, defaults={"seq": seq, "entry_hash": previous})


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_chain_and_break_glass"),
    ]

    operations = [
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
