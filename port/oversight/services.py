"""Break-the-glass reviews: someone other than the person who opened a record says what they found."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.core.names import display_name
from port.participants.models import BreakGlassAccess

REVIEW_NOTE_MAX = 500


class ReviewRefused(Exception):
    """A break-the-glass review that cannot be recorded; the message says why, for the reviewer."""


def break_glass_review(*, access: BreakGlassAccess, by: Membership, note: str) -> BreakGlassAccess:
    """Record that `by` reviewed a break-the-glass access: who, when, and what they concluded.

    Someone other than the person who opened the record reviews it, once. The review is itself audited.
    """
    note = note.strip()
    if not note:
        raise ReviewRefused(_("Write what you found, e.g. “Covering a colleague's crisis call; appropriate.”"))
    if len(note) > REVIEW_NOTE_MAX:
        raise ReviewRefused(
            _("Keep the review note to %(max)d characters; it has %(count)d.")
            % {"max": REVIEW_NOTE_MAX, "count": len(note)}
        )
    with transaction.atomic():
        locked = BreakGlassAccess.objects.select_for_update().get(pk=access.pk)
        if locked.reviewed_at is not None:
            raise ReviewRefused(
                _("This access was already reviewed, by %(name)s.") % {"name": display_name(locked.reviewed_by)}
            )
        if locked.user_id == by.user_id:
            raise ReviewRefused(
                _(
                    "You opened this record yourself, so someone else (another supervisor or a "
                    "program admin) reviews it."
                )
            )
        locked.reviewed_by, locked.reviewed_at, locked.review_note = by.user, timezone.now(), note
        locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            by=by,
            target_type="audit.breakglassaccess",
            target_ids=[locked.pk],
            participant_ids=[locked.participant_id],
            changes={
                "reviewed_by": [None, by.user_id],
                "reviewed_at": [None, locked.reviewed_at],
                "review_note": ["", note],
            },
            note="break-the-glass review",
        )
    return locked
