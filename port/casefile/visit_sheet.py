"""The visit sheet: what an EMS/fire partner who goes on visits with the team may know about a person.

A first responder (Role.FIRST_RESPONDER) who was named, with their own login, among those who went on a
contact attempt or an encounter with a participant may open that participant's sheet for
VISIT_SHEET_DAYS after that visit: name, preferred name, phones, address and where to find them (safety
notes included). The sensitive groups (substances, notes, assessments) appear only where the program's
field visibility shows them to first responders; by default it does not. Anyone else gets a 404.
"""

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from port.accounts.models import Membership
from port.accounts.roles import Role
from port.accounts.visibility import Group, can_see
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.outreach.models import ContactAttempt, Encounter
from port.participants.models import Participant
from port.participants.normalize import format_phone
from port.referrals.models import OPEN_STATUSES, Referral

# How long after a visit the partner who went may still open the sheet: long enough for the follow-up
# visits of one episode, not a standing window onto the person's record.
VISIT_SHEET_DAYS = 30


def _since(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=VISIT_SHEET_DAYS)


def _visited_by(viewer: Membership, since: dt.datetime) -> Q:
    """Participants with an attempt or an encounter since `since` on whose team the viewer was named."""
    return Q(attempts__team__user_id=viewer.user_id, attempts__attempted_at__gte=since) | Q(
        encounters__team__user_id=viewer.user_id, encounters__occurred_at__gte=since
    )


def participants_visited_by(viewer: Membership, *, now: dt.datetime | None = None) -> QuerySet[Participant]:
    """The participants whose visit sheet this first responder may open; nobody for any other role."""
    if viewer.role != Role.FIRST_RESPONDER:
        return Participant.objects.none()
    since = _since(now)
    visited = (
        Participant.objects.filter(program_id=viewer.program_id, merged_into__isnull=True)
        .filter(_visited_by(viewer, since))
        .values("pk")
    )
    return Participant.objects.filter(pk__in=visited)


@dataclass
class VisitRow:
    participant: Participant
    last_visit_at: dt.datetime


def visits_list(*, viewer: Membership, now: dt.datetime | None = None) -> list[VisitRow]:
    """The first responder's recent visits, newest first, one row per person. Audited as a list read."""
    people = list(participants_visited_by(viewer, now=now).order_by("last_name", "first_name", "pk"))
    if not people:
        return []
    since = _since(now)
    last: dict[int, dt.datetime] = {}
    for model, stamp in ((ContactAttempt, "attempted_at"), (Encounter, "occurred_at")):
        visits = (
            model.objects.filter(participant__in=people, team__user_id=viewer.user_id, **{f"{stamp}__gte": since})
            .order_by()
            .values_list("participant_id")
            .annotate(at=Max(stamp))
        )
        for participant_id, at in visits:
            last[participant_id] = max(at, last.get(participant_id, at))
    ids = [p.pk for p in people]
    audit_record(
        action=AuditEvent.Action.LIST,
        by=viewer,
        target_type="participants.participant",
        target_ids=ids,
        participant_ids=ids,
        note="visit sheets",
    )
    rows = [VisitRow(p, last[p.pk]) for p in people if p.pk in last]
    return sorted(rows, key=lambda row: row.last_visit_at, reverse=True)


@dataclass
class OverdoseFacts:
    occurred_at: dt.datetime | None
    substances: list[str]
    naloxone_doses: int | None
    naloxone_given_by: str


@dataclass
class VisitSheet:
    """What the sheet shows. The sensitive parts are None (not empty) when hidden from the viewer."""

    participant: Participant
    phones: list[tuple[str, str]]
    overdoses: list[OverdoseFacts] | None = None  # substances group
    referral_notes: list[str] | None = None  # notes group
    assessment: Encounter | None = None  # assessments group: the latest encounter's stage, readiness, goals
    shows: frozenset[str] = field(default_factory=frozenset)


def visit_sheet_get(*, viewer: Membership, public_id: UUID | str, now: dt.datetime | None = None) -> VisitSheet:
    """The visit sheet of a participant this first responder went to see, or 404. Audited as a read."""
    try:
        participant = participants_visited_by(viewer, now=now).prefetch_related("phones").get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    sheet = VisitSheet(
        participant=participant, phones=[(p.number, format_phone(p.number)) for p in participant.phones.all()]
    )
    shows = set()
    open_referrals = Referral.objects.filter(
        program_id=viewer.program_id, participant=participant, status__in=OPEN_STATUSES
    ).select_related("overdose_event")
    if can_see(viewer, Group.SUBSTANCES):
        shows.add(Group.SUBSTANCES)
        sheet.overdoses = [
            OverdoseFacts(
                r.overdose_event.occurred_at,
                list(r.overdose_event.substances),
                r.overdose_event.naloxone_doses,
                r.overdose_event.get_naloxone_given_by_display(),
            )
            for r in open_referrals.order_by("-received_at", "-pk")
        ]
    if can_see(viewer, Group.NOTES):
        shows.add(Group.NOTES)
        sheet.referral_notes = [
            notes for notes in open_referrals.order_by("-received_at", "-pk").values_list("notes", flat=True) if notes
        ]
    if can_see(viewer, Group.ASSESSMENTS):
        shows.add(Group.ASSESSMENTS)
        sheet.assessment = (
            Encounter.objects.filter(program_id=viewer.program_id, participant=participant)
            .only("occurred_at", "stage_of_change", "readiness", "goals", "next_steps")
            .order_by("-occurred_at", "-pk")
            .first()
        )
    sheet.shows = frozenset(shows)
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="participants.participant",
        target_ids=[participant.pk],
        participant_ids=[participant.pk],
        note="visit sheet" + (f" with {', '.join(sorted(shows))}" if shows else ""),
    )
    return sheet
