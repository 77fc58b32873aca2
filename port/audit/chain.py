"""The tamper-evident chain: HMAC-SHA256 over each entry's fields and the previous entry's hash.

The key (settings.AUDIT_HMAC_KEY) comes from the environment, so someone who can write to the database
cannot re-hash the whole table after editing it; the head is anchored outside the database, so deleting
the newest (or, with sequence numbers from 1, the oldest) entries is detected too.
"""

import hashlib
import hmac
import json

from django.conf import settings

GENESIS = "0" * 64


def canonical(event) -> bytes:
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


def entry_hash(event) -> str:
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, canonical(event), hashlib.sha256).hexdigest()
