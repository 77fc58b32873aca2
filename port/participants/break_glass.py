"""Break-the-glass: a supervisor opens a participant's record outside their normal scope, giving a reason.

In this installation "outside the normal scope" means a participant of another program (someone who moved
counties, say). There is no browsing: the supervisor states a reason and the person's exact first name,
last name and date of birth, and sees only exact matches in the installation's other programs. Opening
one grants read-only access to that record for BREAK_GLASS_MINUTES (a BreakGlassAccess row) and writes a
flagged audit entry with the reason; every read during the grant is audited with the reason and flagged
too. The audit helper's review screens work from BreakGlassAccess (reviewed_by/at/note).
"""

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership
from port.accounts.roles import SUPERVISING_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.models import BreakGlassAccess, Participant
from port.participants.normalize import name_key, normalize_name

BREAK_GLASS_MINUTES = 60
REASON_MIN_LENGTH = 15
REASON_MAX_LENGTH = 500


class BreakGlassRefused(Exception):
    """The access cannot be granted; the message says why, and names nobody."""


@dataclass(frozen=True)
class BreakGlassRequest:
    """Why, and exactly whom: the only way to find a record outside the viewer's program."""

    reason: str
    first_name: str
    last_name: str
    date_of_birth: dt.date


def _check(viewer: Membership, request: BreakGlassRequest) -> None:
    if viewer.role not in SUPERVISING_ROLES:
        raise BreakGlassRefused(_("Only a supervisor or a program admin can open a record outside their program."))
    if len(request.reason.strip()) < REASON_MIN_LENGTH:
        raise BreakGlassRefused(_("Give the reason in at least %(count)d characters.") % {"count": REASON_MIN_LENGTH})
    if not (normalize_name(request.first_name) and normalize_name(request.last_name)):
        raise BreakGlassRefused(_("Give the person's first and last name exactly as their record has them."))


def _exact_matches(viewer: Membership, request: BreakGlassRequest) -> list[Participant]:
    key = name_key(request.first_name, request.last_name)
    matching = (
        Participant.objects.exclude(program_id=viewer.program_id)
        .filter(merged_into__isnull=True, date_of_birth=request.date_of_birth)
        .filter(Q(name_key=key) | Q(aliases__name_key=key))
        .values("pk")
    )
    return list(
        Participant.objects.filter(pk__in=matching)
        .select_related("program")
        .order_by("program__name", "last_name", "first_name", "pk")
    )


def break_glass_search(*, viewer: Membership, request: BreakGlassRequest) -> list[Participant]:
    """Exact matches for the name and date of birth in the installation's other programs.

    Every search is audited with its reason and flagged, whether it found anyone or not: looking outside
    one's program is itself what a reviewer needs to see."""
    _check(viewer, request)
    matches = _exact_matches(viewer, request)
    ids = [p.pk for p in matches]
    audit_record(
        action=AuditEvent.Action.LIST,
        by=viewer,
        target_type="participants.participant",
        target_ids=ids,
        participant_ids=ids,
        reason=request.reason.strip()[:REASON_MAX_LENGTH],
        flagged=True,
        note=f"break-the-glass search: {len(ids)} exact match(es)",
    )
    return matches


def break_glass_open(
    *, viewer: Membership, request: BreakGlassRequest, public_id: UUID | str, now: dt.datetime | None = None
) -> BreakGlassAccess:
    """Grant the viewer read-only access to one of the exact matches for BREAK_GLASS_MINUTES.

    The record must be one the same request finds (no opening records by id alone). Flagged for review."""
    _check(viewer, request)
    participant = next((p for p in _exact_matches(viewer, request) if str(p.public_id) == str(public_id)), None)
    if participant is None:
        raise BreakGlassRefused(_("No record in another program matches that name and date of birth exactly."))
    now = now or timezone.now()
    reason = request.reason.strip()[:REASON_MAX_LENGTH]
    grant = BreakGlassAccess.objects.create(
        user=viewer.user,
        membership=viewer,
        participant=participant,
        reason=reason,
        granted_at=now,
        expires_at=now + dt.timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    audit_record(
        action=AuditEvent.Action.BREAK_GLASS,
        by=viewer,
        target_type="participants.participant",
        target_ids=[participant.pk],
        participant_ids=[participant.pk],
        reason=reason,
        flagged=True,
        note=f"break-the-glass access {grant.pk} to a record of program {participant.program_id}, "
        f"{BREAK_GLASS_MINUTES} minutes",
    )
    return grant


def break_glass_active(
    *, viewer: Membership, public_id: UUID | str, now: dt.datetime | None = None
) -> BreakGlassAccess | None:
    """The viewer's unexpired grant for this participant, if any. Bound to the membership that asked for it,
    so it ends when the user acts in another program or stops being a supervisor."""
    if viewer.role not in SUPERVISING_ROLES or viewer.pk is None:
        return None
    try:
        return (
            BreakGlassAccess.objects.filter(
                user_id=viewer.user_id,
                membership_id=viewer.pk,
                participant__public_id=public_id,
                participant__merged_into__isnull=True,
                expires_at__gt=now or timezone.now(),
            )
            .select_related("participant", "participant__program")
            .order_by("-expires_at")
            .first()
        )
    except (ValueError, TypeError):  # not a UUID
        return None


def break_glass_reader(*, viewer: Membership, grant: BreakGlassAccess) -> Membership:
    """A read-only stand-in for the grant's holder, acting in the participant's program, for the selectors
    that build the participant's page (its timeline). Never saved, and only ever used for
    `grant.participant`: the participant detail view is the one caller."""
    if grant.membership_id != viewer.pk or grant.user_id != viewer.user_id:
        raise BreakGlassRefused(_("That access was granted to someone else."))
    return Membership(user=viewer.user, program=grant.participant.program, role=viewer.role, agency=None)
