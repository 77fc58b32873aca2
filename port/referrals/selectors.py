"""Reads of referrals. Every function takes the viewer (a Membership) and returns only what that
viewer may see: the one place the scoping rule for referrals lives (docs/architecture.md)."""

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from port.accounts.models import Membership
from port.accounts.roles import ASSIGNABLE_ROLES, PARTNER_ROLES, SUPERVISING_ROLES, TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.referrals.models import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Referral


def referrals_visible_to(viewer: Membership) -> QuerySet[Referral]:
    """All referrals the viewer may know of: the team sees its program's; a partner, its agency's."""
    in_program = Referral.objects.filter(program_id=viewer.program_id)
    if viewer.role in TEAM_ROLES:
        return in_program
    if viewer.role in PARTNER_ROLES and viewer.agency_id:
        return in_program.filter(referring_agency_id=viewer.agency_id)
    return Referral.objects.none()


@dataclass
class QueueFilters:
    status: str = ""
    source: str = ""
    acuity: str = ""
    assigned_to: int | None = None  # a user id; 0 means "nobody yet"
    overdue_only: bool = False


def referral_queue(
    *, viewer: Membership, filters: QueueFilters | None = None, mine: bool = False, now: dt.datetime | None = None
) -> QuerySet[Referral]:
    """Open referrals, the ones whose clock is running first (overdue first), then by deadline.

    The supervisor's queue is the whole program's; "my queue" (mine=True) is the viewer's own. Only
    the team has a queue; partners get nothing here.
    """
    if viewer.role not in TEAM_ROLES:
        return Referral.objects.none()
    filters = filters or QueueFilters()
    now = now or timezone.now()
    queue = referrals_visible_to(viewer).filter(status__in=OPEN_STATUSES)
    if mine or viewer.role not in SUPERVISING_ROLES:
        queue = queue.filter(assigned_to_id=viewer.user_id)
    if filters.status:
        queue = queue.filter(status=filters.status)
    if filters.source:
        queue = queue.filter(source=filters.source)
    if filters.acuity:
        queue = queue.filter(acuity__code=filters.acuity)
    if filters.assigned_to is not None:
        queue = queue.filter(assigned_to_id=filters.assigned_to or None)
    if filters.overdue_only:
        queue = queue.filter(status__in=CLOCK_RUNNING_STATUSES, contact_deadline__lt=now)
    return (
        queue.annotate(
            clock_stopped=Case(
                When(status__in=CLOCK_RUNNING_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("participant", "acuity", "assigned_to", "referring_agency", "program")
        .order_by("clock_stopped", "contact_deadline", "pk")
    )


def referral_get(*, viewer: Membership, public_id: UUID | str, for_update: bool = False) -> Referral:
    """One referral the viewer's team may work on, or 404 (never 403: existence is not leaked).

    Audited as a read of the participant's record.
    """
    if viewer.role not in TEAM_ROLES:
        raise Http404
    try:
        referral = (
            referrals_visible_to(viewer)
            .select_related("participant", "acuity", "assigned_to", "referring_agency", "overdose_event", "program")
            .get(public_id=public_id)
        )
    except (Referral.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not for_update:
        audit_record(
            action=AuditEvent.Action.VIEW,
            by=viewer,
            target_type="referrals.referral",
            target_ids=[referral.pk],
            participant_ids=[referral.participant_id],
        )
    return referral


def referrals_sent(*, viewer: Membership) -> QuerySet[Referral]:
    """A referral partner's own agency's referrals, newest first, with nothing beyond their status."""
    if viewer.role not in PARTNER_ROLES:
        return Referral.objects.none()
    return referrals_visible_to(viewer).order_by("-received_at", "-pk")


def assignable_members(*, viewer: Membership) -> QuerySet[Membership]:
    """Who a supervisor may assign referrals to in their program."""
    if viewer.role not in SUPERVISING_ROLES:
        return Membership.objects.none()
    return (
        Membership.objects.filter(
            program_id=viewer.program_id, role__in=ASSIGNABLE_ROLES, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )


def audit_list_read(*, viewer: Membership, referrals: list[Referral], note: str = "") -> None:
    """A list page showed these referrals: one audit entry naming every participant on it."""
    if referrals:
        audit_record(
            action=AuditEvent.Action.LIST,
            by=viewer,
            target_type="referrals.referral",
            target_ids=[r.pk for r in referrals],
            participant_ids=[r.participant_id for r in referrals],
            note=note,
        )
