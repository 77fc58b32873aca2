"""Reads of participants, scoped to the viewer: the one place the scoping rule for people lives."""

from django.db.models import QuerySet
from django.http import Http404

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.models import MatchCandidate, Participant


def participants_visible_to(viewer: Membership) -> QuerySet[Participant]:
    """The team sees its own program's participants (not merged-away records); nobody else sees any."""
    if viewer.role not in TEAM_ROLES:
        return Participant.objects.none()
    return Participant.objects.filter(program_id=viewer.program_id, merged_into__isnull=True)


def participant_get(*, viewer: Membership, public_id, audit: bool = True) -> Participant:
    """One participant the viewer may see, or 404. Audited as a read."""
    try:
        participant = participants_visible_to(viewer).get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if audit:
        audit_record(action=AuditEvent.Action.VIEW, by=viewer, target_type="participants.participant",
                     target_ids=[participant.pk], participant_ids=[participant.pk])
    return participant


def match_candidates_pending(*, viewer: Membership) -> QuerySet[MatchCandidate]:
    """Likely duplicates waiting for a person to decide, oldest first."""
    if viewer.role not in TEAM_ROLES:
        return MatchCandidate.objects.none()
    return (
        MatchCandidate.objects.filter(program_id=viewer.program_id, status=MatchCandidate.Status.PENDING,
                                      new_participant__merged_into__isnull=True,
                                      existing_participant__merged_into__isnull=True)
        .select_related("new_participant", "existing_participant")
        .order_by("created_at", "pk")
    )
