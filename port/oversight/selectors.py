"""Reads of the audit trail, for program admins and supervisors, always scoped to the viewer's program."""

import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from port.accounts.models import Membership, User
from port.accounts.roles import SUPERVISING_ROLES
from port.audit.models import AuditEvent, AuditParticipant
from port.participants.models import BreakGlassAccess, Participant
from port.participants.selectors import participant_record_ids

# Who reads the trail: the program's admins and supervisors.
TRAIL_ROLES = SUPERVISING_ROLES


def _reads_trail(viewer: Membership) -> bool:
    return viewer.role in TRAIL_ROLES


def _entries() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("user", "api_token__agency").order_by("-at", "-pk")


def trail_of_participant(*, viewer: Membership, participant: Participant) -> QuerySet[AuditEvent]:
    """Everything recorded about this participant (reads, lists they appeared in, changes, exports,
    disclosures), newest first. The participant must be one the viewer's program follows."""
    if not _reads_trail(viewer) or participant.program_id != viewer.program_id:
        return AuditEvent.objects.none()
    about = AuditParticipant.objects.filter(participant_id__in=participant_record_ids(participant))
    return _entries().filter(pk__in=about.values("event_id"))


def trail_users(*, viewer: Membership) -> QuerySet[User]:
    """The people whose trail the viewer may read: everyone with a membership in the viewer's program."""
    if not _reads_trail(viewer):
        return User.objects.none()
    return User.objects.filter(
        pk__in=Membership.objects.filter(program_id=viewer.program_id).values("user_id")
    ).order_by("last_name", "first_name", "username")


def trail_of_user(*, viewer: Membership, user: User, start: dt.datetime, end: dt.datetime) -> QuerySet[AuditEvent]:
    """What `user` saw and did in the viewer's program between `start` (inclusive) and `end`
    (exclusive), with their sign-ins, sign-outs and failed sign-ins, newest first."""
    if not _reads_trail(viewer) or not trail_users(viewer=viewer).filter(pk=user.pk).exists():
        return AuditEvent.objects.none()
    # Sign-ins belong to no program; everything else must be this program's.
    return (
        _entries()
        .filter(user=user, at__gte=start, at__lt=end)
        .filter(Q(program_id=viewer.program_id) | Q(program__isnull=True))
    )


def participants_named(*, viewer: Membership, ids: set[int]) -> dict[int, Participant]:
    """The viewer's program's participants among `ids` (merged-away records included: old entries
    name them), for showing who an entry was about. The caller audits what it shows."""
    if not _reads_trail(viewer) or not ids:
        return {}
    return {p.pk: p for p in Participant.objects.filter(program_id=viewer.program_id, pk__in=ids)}


def break_glass_accesses(*, viewer: Membership) -> QuerySet[BreakGlassAccess]:
    """Break-the-glass accesses the viewer's program reviews: those its own people took (to another
    program's participant), and those others took to its participants. Waiting ones first, then newest.

    Either program may review; each sees the other program's participant only as "a participant of
    <program>" (BreakGlassAccess.participant is shown by name only to the participant's own program)."""
    if not _reads_trail(viewer):
        return BreakGlassAccess.objects.none()
    waiting = ExpressionWrapper(Q(reviewed_at__isnull=True), output_field=BooleanField())
    return (
        BreakGlassAccess.objects.filter(
            Q(membership__program_id=viewer.program_id) | Q(participant__program_id=viewer.program_id)
        )
        .select_related("user", "membership__program", "participant__program", "reviewed_by")
        .order_by(waiting.desc(), "-granted_at", "-pk")
    )


def break_glass_waiting_count(*, viewer: Membership) -> int:
    return break_glass_accesses(viewer=viewer).filter(reviewed_at__isnull=True).count()


def break_glass_get(*, viewer: Membership, pk: int) -> BreakGlassAccess:
    """One of the program's break-the-glass accesses, or 404."""
    try:
        return break_glass_accesses(viewer=viewer).get(pk=pk)
    except BreakGlassAccess.DoesNotExist as exc:
        raise Http404 from exc
