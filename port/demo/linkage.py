"""The demo's hand-offs beyond the one under consent (port/demo/consents.py), and the follow-up tasks:
information-only hand-offs in different states, check-ins for the people reached, some already overdue,
and the hand-off checks the periodic job would have made by now."""

import datetime as dt

from port.accounts.models import Membership, Organization, OrganizationKind, Program
from port.demo.field_work import Visit
from port.linkage.models import How, PersonReport, StatusReason, TaskKind, TaskStatus
from port.linkage.services import (
    HandOffRequest,
    checkins_create,
    handoff_checks_create,
    handoff_create,
    handoff_person_report,
    handoff_transition,
)
from port.referrals.models import Referral, ReferralChange, Status

# (need, what happens next) for the information-only hand-offs, one per visited person.
INFORMATION_ONLY = (
    ("harm_reduction.syringe_services", "reported"),
    ("housing", "cancelled"),
    ("recovery_support.meetings", "passed"),
)


def demo_linkage_create(*, program: Program, visits: list[Visit], now: dt.datetime) -> int:
    """Returns how many tasks were made. Safe to run again: every task is unique per kind."""
    others = list(
        Organization.objects.filter(program=program)
        .exclude(kind__in=(OrganizationKind.LAW_ENFORCEMENT, OrganizationKind.PORT_TEAM))
        .order_by("pk")
    )
    # People still being followed (a closed case gets no hand-off check), each once.
    open_ids = set(
        Referral.objects.filter(program=program, pk__in=[v.referral.pk for v in visits])
        .exclude(status=Status.CLOSED)
        .values_list("pk", flat=True)
    )
    people: list[Visit] = []
    for visit in visits:
        if visit.referral.pk in open_ids and visit.participant.pk not in {p.participant.pk for p in people}:
            people.append(visit)
    for (need, fate), visit, organization in zip(INFORMATION_ONLY, people, others, strict=False):
        by: Membership = visit.by
        appointment = now - dt.timedelta(days=1) if fate == "passed" else now + dt.timedelta(days=5)
        handoff = handoff_create(
            by=by,
            participant=visit.participant,
            ask=HandOffRequest(
                organization=organization,
                need=need,
                how=How.INFORMATION_ONLY,
                categories=[],
                appointment_at=appointment,
                referral=visit.referral,
            ),
        )
        if fate == "reported":
            handoff_person_report(handoff=handoff, report=PersonReport.ATTENDED, by=by)
        elif fate == "cancelled":
            handoff_transition(
                handoff=handoff, to_status=TaskStatus.CANCELLED, by=by, reason=StatusReason.DECLINED, note="Not now"
            )
    made = 0
    # Check-ins for everyone reached, from the day they were reached: the older ones are overdue now.
    reached = Referral.objects.filter(program=program, status=Status.REACHED).exclude(tasks__kind=TaskKind.CHECK_IN)
    for referral in reached.select_related("program"):
        change = (
            ReferralChange.objects.filter(referral=referral, to_status=Status.REACHED).order_by("-changed_at").first()
        )
        made += len(checkins_create(referral=referral, reached_at=change.changed_at if change else now))
    return made + handoff_checks_create(now=now)
