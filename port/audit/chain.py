"""The tamper-evident chain: HMAC-SHA256 over each entry's fields and the previous entry's hash.

The key (settings.AUDIT_HMAC_KEY) comes from the environment, so someone who can write to the database
cannot re-hash the whole table after editing it; the head is anchored outside the database, so deleting
the newest (or, with sequence numbers from 1, the oldest) entries is detected too.
"""

import datetime as dt
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from port.audit.models import AuditEvent

GENESIS = "0" * 64


def canonical(event: "AuditEvent") -> bytes:
    """The fields an entry's hash covers, in a fixed, portable form."""
    body = {
        "seq": event.seq,
        "prev": event.prev_hash,
        "at": event.at.isoformat(timespec="microseconds"),
        "user": event.user_id,
        "program": event.program_id,
        "role": event.role,
        "token": event.api_token_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_ids": event.target_ids,
        "participant_ids": event.participant_ids,
        "changes": event.changes,
        "path": event.path,
        "ip": event.ip_address,
        "note": event.note,
        "reason": event.reason,
        "flagged": event.flagged,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(event: "AuditEvent") -> str:
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, canonical(event), hashlib.sha256).hexdigest()


# --- Anchors: the chain's head, written outside the database -------------------------------------


class AnchorFileError(Exception):
    """The anchor file has a line that is not "seq hash time"."""


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment, as written to the anchor file (line `line`)."""

    seq: int
    entry_hash: str
    written_at: str
    line: int = 0


def anchor_write() -> Anchor:
    """Append the chain's current head to settings.AUDIT_ANCHOR_PATH as "seq hash time".

    The file is opened for appending only and synced to disk. Production ships it off the machine
    (write-once storage, another host's log): someone who can rewrite the database then still cannot
    make the anchors agree with a shortened or rewritten chain.
    """
    from port.audit.models import AuditChainHead, AuditEvent

    head: tuple[int | None, str] | None = AuditChainHead.objects.filter(pk=1).values_list("seq", "entry_hash").first()
    if head is None:
        head = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "entry_hash").first()
    seq, digest = head or (0, GENESIS)
    assert seq is not None  # the head row's seq is not null, and entries without one are left out above
    anchor = Anchor(
        seq=seq,
        entry_hash=digest or GENESIS,
        written_at=timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
    )
    path = Path(settings.AUDIT_ANCHOR_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="ascii") as anchors:
        anchors.write(f"{anchor.seq} {anchor.entry_hash} {anchor.written_at}\n")
        anchors.flush()
        os.fsync(anchors.fileno())
    return anchor


def anchors_read(path: str | os.PathLike | None = None) -> list[Anchor]:
    """Every anchor in the file, in the order written; none if there is no file yet."""
    path = Path(path or settings.AUDIT_ANCHOR_PATH)
    if not path.exists():
        return []
    anchors = []
    with path.open(encoding="ascii", errors="replace") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            parts = text.split()
            if len(parts) != 3 or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-f]{64}", parts[1]):
                raise AnchorFileError(f'{path}, line {number}, is not "seq hash time": {text.strip()[:120]!r}')
            anchors.append(Anchor(seq=int(parts[0]), entry_hash=parts[1], written_at=parts[2], line=number))
    return anchors


# --- Verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain is broken: the entry (or the missing entries) and what is wrong."""

    seq: int | None
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = []
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        if self.event_id is not None:
            where.append(f"id {self.event_id}")
        return f"Entry {', '.join(where)}: {self.problem}" if where else self.problem


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    newest_anchor: Anchor | None
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


# The fields entry_hash() reads, by the names canonical() uses.
_HASHED_FIELDS = (
    "seq",
    "prev_hash",
    "at",
    "user_id",
    "program_id",
    "role",
    "api_token_id",
    "action",
    "target_type",
    "target_ids",
    "participant_ids",
    "changes",
    "path",
    "ip_address",
    "note",
    "reason",
    "flagged",
)


def chain_verify(*, chunk_size: int = 5000, anchors: list[Anchor] | None = None) -> ChainReport:
    """Walk the chain from seq 1, recomputing every entry's HMAC and link, and compare it with the head
    row and the anchors written outside the database. Stops at the first broken entry.

    Entries appended while this runs are beyond the head read at the start and are left for next time.
    Raises AnchorFileError if the anchor file cannot be read.
    """
    from port.audit.models import AuditChainHead, AuditEvent, AuditParticipant

    # Anchors first, then the head: every anchor read is then at or behind the head read.
    anchors = anchors_read() if anchors is None else anchors
    by_seq: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    newest_anchor = max(anchors, key=lambda anchor: anchor.seq, default=None)
    head: tuple[int | None, str] | None = AuditChainHead.objects.filter(pk=1).values_list("seq", "entry_hash").first()
    if head is None:
        head = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "entry_hash").first()
    head_seq, head_hash = head or (0, GENESIS)
    assert head_seq is not None  # the head row's seq is not null, and entries without one are left out above

    def report(count: int, broken: ChainBreak | None) -> ChainReport:
        return ChainReport(
            count=count,
            head_seq=head_seq,
            head_hash=head_hash or GENESIS,
            anchors_checked=len(anchors),
            newest_anchor=newest_anchor,
            broken=broken,
        )

    for anchor in by_seq.get(0, []):
        if anchor.entry_hash != GENESIS:
            return report(
                0,
                ChainBreak(
                    None,
                    None,
                    f"The anchor written at {anchor.written_at} (line "
                    f"{anchor.line}) records seq 0 with a hash other than the start.",
                ),
            )

    rows = (
        AuditEvent.objects.filter(seq__lte=head_seq)
        .order_by("seq")
        .values_list("id", "entry_hash", *_HASHED_FIELDS, named=True)
        .iterator(chunk_size=chunk_size)
    )
    expected, previous, previous_id, count, indexed = 1, GENESIS, None, 0, 0
    for row in rows:
        if row.seq != expected:
            if expected == 1:
                problem = (
                    f"the chain starts here, not at seq 1: the {row.seq - 1} oldest entries are missing (deleted)."
                )
            else:
                problem = (
                    f"entries {expected} to {row.seq - 1} before it are missing (deleted)."
                    if row.seq - 1 > expected
                    else f"entry {expected} before it is missing (deleted)."
                )
            return report(count, ChainBreak(row.seq, row.id, problem))
        if entry_hash(row) != row.entry_hash:
            return report(
                count,
                ChainBreak(
                    row.seq,
                    row.id,
                    (
                        "its contents do not match its hash: it was changed after it was written, or the chain "
                        "was re-hashed without the audit key (AUDIT_HMAC_KEY)."
                    ),
                ),
            )
        if row.prev_hash != previous:
            return report(
                count,
                ChainBreak(
                    row.seq,
                    row.id,
                    (
                        "it does not link to the entry before it: the entry before was replaced, or entries were "
                        "removed and the rest re-hashed."
                    ),
                ),
            )
        for anchor in by_seq.get(row.seq, []):
            if anchor.entry_hash != row.entry_hash:
                return report(
                    count,
                    ChainBreak(
                        row.seq,
                        row.id,
                        (
                            f"it does not match the anchor written at {anchor.written_at} (anchor file line "
                            f"{anchor.line}): the chain was rewritten from here on."
                        ),
                    ),
                )
        previous, previous_id, expected, count = row.entry_hash, row.id, expected + 1, count + 1
        indexed += len(row.participant_ids)

    last_seq = expected - 1
    if last_seq < head_seq:
        return report(
            count,
            ChainBreak(
                last_seq + 1,
                None,
                (
                    f"missing: the chain head records seq {head_seq}, but the newest entry is seq {last_seq}; "
                    f"entries {last_seq + 1} to {head_seq} were deleted."
                ),
            ),
        )
    if previous != (head_hash or GENESIS):
        return report(
            count,
            ChainBreak(
                last_seq or None,
                previous_id,
                ("the newest entry does not match the hash the chain head records for it."),
            ),
        )
    if newest_anchor is not None and newest_anchor.seq > last_seq:
        return report(
            count,
            ChainBreak(
                last_seq + 1,
                None,
                (
                    f"missing: the anchor written at {newest_anchor.written_at} "
                    f"(anchor file line {newest_anchor.line}) records seq {newest_anchor.seq}, "
                    f"but the newest entry is seq {last_seq}; entries {last_seq + 1} "
                    f"to {newest_anchor.seq} were deleted."
                ),
            ),
        )
    unchained = AuditEvent.objects.filter(seq__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    if unchained is not None:
        return report(
            count,
            ChainBreak(
                None,
                unchained,
                (
                    "it has no sequence number: it was written to the table directly, not through the audit "
                    "service, and is not part of the chain."
                ),
            ),
        )
    # The participant index ("who saw this participant") must list exactly the participants each entry
    # names; it is not in the hash, so it is counted here and searched only when the count is off.
    if AuditParticipant.objects.filter(event__seq__lte=head_seq).count() != indexed:
        return report(count, _participant_index_break(head_seq, chunk_size))
    return report(count, None)


def _participant_index_break(head_seq: int, chunk_size: int) -> ChainBreak:
    from port.audit.models import AuditEvent, AuditParticipant

    events = (
        AuditEvent.objects.filter(seq__lte=head_seq)
        .order_by("seq")
        .values_list("id", "seq", "participant_ids")
        .iterator(chunk_size=chunk_size)
    )
    while chunk := list(islice(events, chunk_size)):
        indexed: dict[int, set[int]] = {}
        for event_id, participant_id in AuditParticipant.objects.filter(
            event_id__in=[event_id for event_id, _seq, _ids in chunk]
        ).values_list("event_id", "participant_id"):
            indexed.setdefault(event_id, set()).add(participant_id)
        for event_id, seq, participant_ids in chunk:
            named, listed = set(participant_ids), indexed.get(event_id, set())
            if named != listed:
                missing, extra = sorted(named - listed), sorted(listed - named)
                details = "; ".join(
                    part
                    for part in (
                        f"index rows missing for participant ids {missing}" if missing else "",
                        f"index rows added for participant ids {extra}" if extra else "",
                    )
                    if part
                )
                return ChainBreak(
                    seq,
                    event_id,
                    f'its participant index ("who saw this participant") '
                    f"does not match the participants it names: {details}.",
                )
    return ChainBreak(None, None, "The participant index has rows for entries outside the chain.")
