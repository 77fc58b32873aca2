"""The one audit path: every read, change and export of participant data goes through audit_record."""

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from port.audit.chain import GENESIS, entry_hash
from port.audit.context import current_origin, normalize_ip
from port.audit.models import AuditChainHead, AuditEvent, AuditParticipant


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
