"""The one audit path: every read, change and export of participant data goes through audit_record.

Admins' changes are recorded here too (`admin_record_save`, `admin_records_delete`, `admin_audit`): who,
which record (ids), the action and the fields that changed, with before and after values. Secrets
(passwords, token hashes) are named as changed, never recorded. None of these records holds participant
data.
"""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from port.accounts.models import Membership, Program, User
from port.accounts.roles import Role
from port.audit.chain import GENESIS, entry_hash
from port.audit.context import current_origin, normalize_ip
from port.audit.models import AuditChainHead, AuditEvent, AuditParticipant

# Fields whose values never reach the audit trail: only that they changed.
SECRET_FIELDS = frozenset({"password", "token_hash", "hint", "key", "secret", "bin_key"})
NOT_RECORDED = "(not recorded)"


def audit_record(
    *,
    action: str,
    by: Any = None,
    user: Any = None,
    api_token: Any = None,
    program: Any = None,
    target_type: str = "",
    target_ids: Iterable[Any] = (),
    participant_ids: Iterable[Any] = (),
    changes: dict | None = None,
    note: str = "",
    reason: str = "",
    flagged: bool = False,
) -> AuditEvent:
    """Record one audited action.

    `by` is the Membership acting (user, program and role); `user` alone is for events outside a
    program (sign-in); `api_token` for an agency's system. Targets are primary keys, never names.
    """
    origin = current_origin()
    if by is not None:
        user, program = by.user, by.program
    if api_token is not None and program is None:
        program = api_token.agency.program
    participant_ids = sorted({int(pk) for pk in participant_ids})
    # Stored exactly as it will be read back, so the hash can be recomputed from the row.
    changes = json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))
    event = AuditEvent(
        # Whole microseconds in UTC, identical after a round trip through either database.
        at=timezone.now().astimezone(dt.UTC),
        user=user,
        program=program,
        role=getattr(by, "role", "") or ("api" if api_token is not None else ""),
        api_token=api_token,
        action=action,
        target_type=target_type,
        target_ids=[str(pk) for pk in target_ids],
        participant_ids=participant_ids,
        changes=changes,
        path=origin.path if origin else "",
        ip_address=normalize_ip(origin.ip_address) if origin else None,
        note=note[:300],
        reason=reason[:500],
        flagged=flagged,
    )
    # savepoint=False: inside a service's transaction the entry commits or rolls back with the change.
    with transaction.atomic(savepoint=False):
        # One head row, locked: entries are appended one at a time, so the chain never forks.
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = _chain_head_restore()
        event.seq = head.seq + 1
        event.prev_hash = head.entry_hash or GENESIS
        event.entry_hash = entry_hash(event)
        event.save()
        if participant_ids:
            AuditParticipant.objects.bulk_create(
                AuditParticipant(event=event, participant_id=pk) for pk in participant_ids
            )
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, entry_hash=event.entry_hash)
    return event


def _chain_head_restore() -> AuditChainHead:
    """The head row, if it is missing (migration 0003 creates it; a flushed database has none): it
    continues from the newest entry, so the chain goes on instead of restarting at 1. Locked."""
    newest = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "entry_hash").first()
    seq, digest = newest or (0, GENESIS)
    # Two first writers at once: one inserts, the other's insert is ignored and it waits on the lock.
    AuditChainHead.objects.bulk_create([AuditChainHead(pk=1, seq=seq, entry_hash=digest)], ignore_conflicts=True)
    return AuditChainHead.objects.select_for_update().get(pk=1)


# --- Recording what changed --------------------------------------------------------------------


def _field_values(record: models.Model | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        field.attname: field.value_from_object(record)
        for field in record._meta.concrete_fields
        if not field.primary_key
    }


def record_changes(before: models.Model | None, after: models.Model | None) -> dict[str, list]:
    """{field: [before, after]} for every field that differs (foreign keys as ids); secrets are named only."""
    old, new = _field_values(before), _field_values(after)
    changes = {}
    for name in old | new:
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        if name in SECRET_FIELDS:
            was, now = (NOT_RECORDED if was else None), (NOT_RECORDED if now else None)
        changes[name.removesuffix("_id") if name.endswith("_id") else name] = [was, now]
    return changes


def _stored(record: models.Model) -> models.Model | None:
    """The record as the database has it now (None for a new one)."""
    if record._state.adding or record.pk is None:
        return None
    return type(record)._default_manager.filter(pk=record.pk).first()


def admin_audit(
    *,
    actor: User | None,
    program: Program | None,
    action: str,
    target: type[models.Model],
    target_ids: Iterable[Any],
    changes: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """One entry for an admin's change; as their admin membership of `program` when they have one
    (so it shows in that program's trail with the role), otherwise as the operator they are."""
    by = None
    if actor is not None and program is not None:
        by = Membership.objects.filter(user=actor, program=program, role=Role.ADMIN, is_active=True).first()
    return audit_record(
        action=action,
        by=by,
        user=None if by else actor,
        program=None if by else program,
        target_type=target._meta.label_lower,
        target_ids=list(target_ids),
        changes=changes,
        note=note,
    )


@transaction.atomic
def admin_record_save(
    *,
    actor: User | None,
    record: models.Model,
    program: Program | None,
    related: Sequence[models.Model] = (),
    related_deleted: Sequence[models.Model] = (),
    note: str = "admin",
) -> models.Model:
    """Save `record` and the rows edited with it on the same page (inlines: saved or deleted), and write
    one audit entry: created or changed, with each field's before and after values; a related row's
    changes are under "<model label>:<id>"."""
    before = _stored(record)
    record.save()
    changes: dict[str, Any] = record_changes(before, record)
    for row in related:
        row_before = _stored(row)
        row.save()
        row_changes = record_changes(row_before, row)
        if row_changes:
            changes[f"{row._meta.label_lower}:{row.pk}"] = row_changes
    for row in related_deleted:
        key = f"{row._meta.label_lower}:{row.pk}"
        changes[key] = record_changes(row, None)
        row.delete()
    action = AuditEvent.Action.CREATE if before is None else AuditEvent.Action.UPDATE
    admin_audit(
        actor=actor,
        program=program,
        action=action,
        target=type(record),
        target_ids=[record.pk],
        changes=changes,
        note=note,
    )
    return record


@transaction.atomic
def admin_records_delete(
    *, actor: User | None, records: Sequence[models.Model], program: Program | None, note: str = "admin"
) -> int:
    """Delete `records` (of one model and one program) and write one audit entry with what each held."""
    if not records:
        return 0
    model = type(records[0])
    changes = {str(record.pk): record_changes(record, None) for record in records}
    ids = [record.pk for record in records]
    model._default_manager.filter(pk__in=ids).delete()
    admin_audit(
        actor=actor,
        program=program,
        action=AuditEvent.Action.DELETE,
        target=model,
        target_ids=ids,
        changes=changes,
        note=note,
    )
    return len(ids)
