"""How audit entries read on the trail pages and in their CSV exports."""

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext as _

from port.accounts.models import Membership
from port.accounts.roles import Role
from port.audit.models import AuditEvent
from port.core.names import display_name
from port.participants.models import BreakGlassAccess, Participant


def role_label(role: str) -> str:
    if role in Role.values:
        return str(Role(role).label)
    if role == "api":
        return _("Organization system (API)")
    return role


def target_label(target_type: str) -> str:
    """ "referrals.referral" → "referral"; unknown labels are shown as recorded."""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def who(event: AuditEvent) -> str:
    if event.user is not None:
        return f"{display_name(event.user)} ({event.user.get_username()})"
    if event.api_token is not None:
        return _("%(agency)s's system (token “%(token)s”)") % {
            "agency": event.api_token.agency.name,
            "token": event.api_token.name,
        }
    if event.action == AuditEvent.Action.LOGIN_FAILED:
        return _("Unknown account")
    return _("The system")


def describe_change(value: object) -> str:
    if isinstance(value, list) and len(value) == 2:
        before, after = ("—" if part in (None, "") else str(part) for part in value)
        return f"{before} → {after}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class TrailEntry:
    """One audit entry as a page shows it."""

    event: AuditEvent
    who: str
    role: str
    what: str
    changes: list[tuple[str, str]]
    participants: list[Participant] = field(default_factory=list)
    more_participants: int = 0


def trail_entries(
    events: Iterable[AuditEvent], *, named: dict[int, Participant] | None = None, shown_per_entry: int = 10
) -> list[TrailEntry]:
    """Entries for a page; `named` gives the participants to name (the caller audits showing them)."""
    rows = []
    for event in events:
        target = target_label(event.target_type) if event.target_type else ""
        ids = ", ".join(str(pk) for pk in event.target_ids[:10])
        if len(event.target_ids) > 10:
            ids += _(" and %(count)d more") % {"count": len(event.target_ids) - 10}
        what = " ".join(part for part in (str(event.get_action_display()), target, ids) if part)
        participants = [named[pk] for pk in event.participant_ids[:shown_per_entry] if pk in named] if named else []
        rows.append(
            TrailEntry(
                event=event,
                who=who(event),
                role=role_label(event.role),
                what=what,
                changes=[(name, describe_change(value)) for name, value in sorted(event.changes.items())],
                participants=participants,
                more_participants=len(event.participant_ids) - len(participants),
            )
        )
    return rows


def participant_ids_shown(events: Iterable[AuditEvent], *, per_entry: int = 10) -> set[int]:
    return {pk for event in events for pk in event.participant_ids[:per_entry]}


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else ""


def _utc(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds") if moment else ""


def event_csv_header() -> list[str]:
    return [
        "seq",
        "time_utc",
        "time_local",
        "user_id",
        "username",
        "name",
        "role",
        "action",
        "action_label",
        "target_type",
        "target_ids",
        "participant_ids",
        "changes",
        "path",
        "ip_address",
        "note",
        "reason",
        "flagged",
        "api_token",
        "entry_hash",
    ]


def event_csv_rows(events: Iterable[AuditEvent], *, zone: dt.tzinfo) -> Iterator[list[object]]:
    """Every recorded field of each entry, as stored (ids, never names of participants)."""
    for event in events:
        user = event.user
        yield [
            event.seq,
            _utc(event.at),
            _local(event.at, zone),
            event.user_id or "",
            user.get_username() if user else "",
            user.get_full_name() if user else "",
            event.role,
            event.action,
            event.get_action_display(),
            event.target_type,
            " ".join(event.target_ids),
            " ".join(str(pk) for pk in event.participant_ids),
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
            event.path,
            event.ip_address or "",
            event.note,
            event.reason,
            "yes" if event.flagged else "no",
            f"{event.api_token.agency.name}: {event.api_token.name}" if event.api_token is not None else "",
            event.entry_hash,
        ]


def break_glass_csv_header() -> list[str]:
    return [
        "id",
        "granted_utc",
        "granted_local",
        "expires_utc",
        "user_id",
        "username",
        "name",
        "role",
        "user_program",
        "participant_program",
        "participant_public_id",
        "reason",
        "reviewed_utc",
        "reviewed_by",
        "review_note",
    ]


def break_glass_csv_rows(accesses: Iterable[BreakGlassAccess], *, viewer: Membership) -> Iterator[list[object]]:
    """One row per access; another program's participant is named by program only."""
    zone = viewer.program.zone
    for access in accesses:
        reviewer = access.reviewed_by
        participant = access.participant
        yield [
            access.pk,
            _utc(access.granted_at),
            _local(access.granted_at, zone),
            _utc(access.expires_at),
            access.user_id,
            access.user.get_username(),
            access.user.get_full_name(),
            access.membership.role,
            access.membership.program.name,
            participant.program.name,
            participant.public_id if participant.program_id == viewer.program_id else "",
            access.reason,
            _utc(access.reviewed_at),
            reviewer.get_username() if reviewer else "",
            access.review_note,
        ]
