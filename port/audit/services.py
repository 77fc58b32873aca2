"""The one audit path: every read, change and export of participant data goes through audit_record."""

from collections.abc import Iterable
from typing import Any

from port.audit.context import current_origin
from port.audit.models import AuditEvent


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
    return AuditEvent.objects.create(
        user=user,
        program=program,
        role=getattr(by, "role", "") or ("api" if api_token is not None else ""),
        api_token=api_token,
        action=action,
        target_type=target_type,
        target_ids=[str(pk) for pk in target_ids],
        participant_ids=sorted({int(pk) for pk in participant_ids}),
        changes=changes or {},
        path=origin.path if origin else "",
        ip_address=origin.ip_address if origin else None,
        note=note[:300],
    )
