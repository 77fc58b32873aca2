"""Reads of hand-offs and tasks, each taking the viewer.

- The team sees its program's hand-offs and tasks; a peer's task list is their own, a supervisor's everyone's.
- A service provider sees only hand-offs sent to their own organization, under a consent still in force
  (an information-only hand-off shares nothing, so it is never theirs to see), and of the person only
  what the consent named; each hand-off page they open asks the gate and is recorded in the accounting
  of disclosures (Disclosure.Channel.PROVIDER_VIEW).
- Anyone else: nothing, and record pages answer 404.
"""

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from port.accounts.models import Membership, User
from port.accounts.roles import ASSIGNABLE_ROLES, SUPERVISING_ROLES, TEAM_ROLES, Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.consent.gate import DisclosureRefused, disclose
from port.consent.models import Disclosure, InformationCategory, in_force_q
from port.consent.selectors import category_labels
from port.directory.categories import category_name
from port.linkage.models import OPEN_STATUSES, HandOff, HandOffChange, Task, TaskState, Transport
from port.participants.models import Participant
from port.referrals.models import Referral


def need_label(code: str) -> str:
    try:
        return category_name(code)
    except (KeyError, LookupError, ValueError):
        return code


# ---- the team ------------------------------------------------------------------------------------


def handoffs_visible_to(viewer: Membership) -> QuerySet[HandOff]:
    if viewer.role in TEAM_ROLES:
        return HandOff.objects.filter(program_id=viewer.program_id)
    if viewer.role == Role.PROVIDER and viewer.agency_id:
        return HandOff.objects.filter(
            program_id=viewer.program_id,
            organization_id=viewer.agency_id,
            disclosure__isnull=False,
            participant__merged_into__isnull=True,
        ).filter(in_force_q(viewer.program.today(), prefix="consent__"))
    return HandOff.objects.none()


def handoff_get(*, viewer: Membership, public_id: UUID | str) -> HandOff:
    """One hand-off of the team's program, or 404. Audited as a read of the person's record."""
    if viewer.role not in TEAM_ROLES:
        raise Http404
    try:
        handoff = (
            handoffs_visible_to(viewer)
            .select_related(
                "participant", "organization", "service", "referral", "supporter", "consent", "disclosure", "created_by"
            )
            .get(public_id=public_id)
        )
    except (HandOff.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="linkage.handoff",
        target_ids=[handoff.pk],
        participant_ids=[handoff.participant_id],
    )
    return handoff


def handoff_changes(handoff: HandOff) -> list[HandOffChange]:
    return list(handoff.changes.select_related("changed_by").order_by("changed_at", "pk"))


def participant_handoffs(*, viewer: Membership, participant: Participant) -> list[HandOff]:
    """The person's hand-offs, newest first, for their page (whose read is audited). One query."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    return list(
        HandOff.objects.filter(program_id=viewer.program_id, participant=participant)
        .select_related("organization", "service")
        .order_by("-created_at", "-pk")
    )


@dataclass
class Upcoming:
    """An appointment or a ride still to come."""

    at: dt.datetime
    kind: str  # "appointment" or "ride"
    handoff: HandOff


def upcoming_for(
    *, viewer: Membership, participant: Participant | None = None, referral: Referral | None = None
) -> list[Upcoming]:
    """Appointments and rides from now on, soonest first, of the person's (or the referral's) open
    hand-offs. One query; shown on pages whose read is already audited."""
    if viewer.role not in TEAM_ROLES:
        return []
    now = timezone.now()
    handoffs = HandOff.objects.filter(program_id=viewer.program_id, status__in=OPEN_STATUSES).filter(
        Q(appointment_at__gte=now) | Q(ride_at__gte=now)
    )
    if participant is not None:
        handoffs = handoffs.filter(participant=participant)
    if referral is not None:
        handoffs = handoffs.filter(
            Q(referral=referral) | Q(referral__isnull=True, participant_id=referral.participant_id)
        )
    rows = []
    for handoff in handoffs.select_related("organization", "service"):
        if handoff.appointment_at and handoff.appointment_at >= now:
            rows.append(Upcoming(handoff.appointment_at, "appointment", handoff))
        if handoff.ride_at and handoff.ride_at >= now and handoff.transport != Transport.NONE:
            rows.append(Upcoming(handoff.ride_at, "ride", handoff))
    rows.sort(key=lambda row: row.at)
    return rows


def timeline_changes(*, viewer: Membership, participant: Participant) -> list[HandOffChange]:
    """Every status change of the person's hand-offs, for the timeline of their page. One query."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        return []
    return list(
        HandOffChange.objects.filter(handoff__program_id=viewer.program_id, handoff__participant=participant)
        .select_related("handoff__organization", "changed_by")
        .order_by("-changed_at", "-pk")
    )


# ---- tasks ---------------------------------------------------------------------------------------


def tasks_visible_to(viewer: Membership) -> QuerySet[Task]:
    """A supervisor's (or admin's): the program's tasks. A peer's: their own."""
    if viewer.role not in TEAM_ROLES:
        return Task.objects.none()
    tasks = Task.objects.filter(program_id=viewer.program_id)
    if viewer.role not in SUPERVISING_ROLES:
        tasks = tasks.filter(owner_id=viewer.user_id)
    return tasks


def task_list(*, viewer: Membership, owner_id: int | None = None, state: str = TaskState.OPEN) -> QuerySet[Task]:
    """Open tasks (or done, or cancelled), overdue first, then by due date: due_on ascending puts every
    overdue task before today's and the rest. The page audits the rows it shows."""
    tasks = tasks_visible_to(viewer).filter(state=state)
    if owner_id is not None and viewer.role in SUPERVISING_ROLES:
        tasks = tasks.filter(owner_id=owner_id)
    order = ("due_on", "pk") if state == TaskState.OPEN else ("-completed_at", "-pk")
    return tasks.select_related("participant", "owner", "handoff__organization").order_by(*order)


def task_owners(*, viewer: Membership) -> list[User]:
    """The people a supervisor may filter the list by: the program's active peers and supervisors."""
    if viewer.role not in SUPERVISING_ROLES:
        return []
    return [
        m.user
        for m in Membership.objects.filter(program_id=viewer.program_id, role__in=ASSIGNABLE_ROLES, is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    ]


def audit_task_list(*, viewer: Membership, tasks: list[Task]) -> None:
    if tasks:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="linkage.task",
            target_ids=[t.pk for t in tasks],
            participant_ids=[t.participant_id for t in tasks],
            note="tasks",
        )


def task_get(*, viewer: Membership, pk: int) -> Task:
    """One task the viewer may see, or 404. Audited as a read."""
    try:
        task = (
            tasks_visible_to(viewer)
            .select_related("participant", "referral", "owner", "completed_by", "handoff__organization")
            .get(pk=pk)
        )
    except Task.DoesNotExist as exc:
        raise Http404 from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="linkage.task",
        target_ids=[task.pk],
        participant_ids=[task.participant_id],
    )
    return task


def open_due_count(*, viewer: Membership) -> int:
    """How many of the viewer's open tasks are due today or overdue: one COUNT."""
    if viewer.role not in TEAM_ROLES:
        return 0
    return (
        Task.objects.filter(program_id=viewer.program_id, owner_id=viewer.user_id, state=TaskState.OPEN)
        .filter(due_on__lte=viewer.program.today())
        .count()
    )


# ---- service providers ---------------------------------------------------------------------------


@dataclass
class ReceivedRow:
    handoff: HandOff

    @property
    def shows_name(self) -> bool:
        return (
            self.handoff.disclosure is not None and InformationCategory.IDENTITY in self.handoff.disclosure.categories
        )

    @property
    def need(self) -> str:
        return need_label(self.handoff.need)


def handoffs_received(*, viewer: Membership) -> QuerySet[HandOff]:
    """Hand-offs sent to the provider's organization under a consent in force, newest first."""
    if viewer.role != Role.PROVIDER:
        return HandOff.objects.none()
    return (
        handoffs_visible_to(viewer)
        .select_related("participant", "service", "disclosure")
        .order_by("-created_at", "-pk")
    )


def audit_received_list(*, viewer: Membership, handoffs: list[HandOff]) -> None:
    if handoffs:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="linkage.handoff",
            target_ids=[h.pk for h in handoffs],
            participant_ids=[h.participant_id for h in handoffs],
            note="hand-offs sent to the provider",
        )


@dataclass
class ReceivedView:
    handoff: HandOff
    disclosure: Disclosure
    notice: str
    categories: list[str]

    @property
    def shows_name(self) -> bool:
        return InformationCategory.IDENTITY in self.categories

    @property
    def labels(self) -> list[str]:
        return category_labels(self.categories)


def handoff_received_get(*, viewer: Membership, public_id: UUID | str) -> ReceivedView:
    """A hand-off as its receiving provider sees it: asks the gate (so the read is refused once the consent
    is revoked or expired, and recorded in the person's accounting of disclosures). Anyone else: 404."""
    try:
        handoff = (
            handoffs_received(viewer=viewer)
            .select_related("participant__program", "disclosure", "service", "program")
            .get(public_id=public_id)
        )
    except (HandOff.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    assert handoff.disclosure is not None and viewer.agency is not None  # handoffs_received requires both
    try:
        disclosure, notice = disclose(
            participant=handoff.participant,
            recipient=viewer.agency,
            categories=handoff.disclosure.categories,
            purpose=handoff.disclosure.purpose,
            channel=Disclosure.Channel.PROVIDER_VIEW,
            by=viewer,
            recipient_user=viewer.user,
        )
    except DisclosureRefused as exc:
        raise Http404 from exc
    return ReceivedView(handoff, disclosure, notice, list(disclosure.categories))
