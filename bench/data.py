"""The bench programs: a large one and a neighbour in the same tables, built with the demo generator."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.database import rebuild_database

if TYPE_CHECKING:
    from port.accounts.models import Program

PROGRAM_NAME = "Bench PORT"
OTHER_PROGRAM_NAME = "Bench Neighbour PORT"
API_AGENCY_NAME = "Bench API sender"
EXTERNAL_ID_PREFIX = "bench-api-"


# Beyond the demo cast (one supervisor, three peers, four agencies): a large program's team.
EXTRA_SUPERVISORS = 2
EXTRA_PEERS = 22
# The demo generator sends referrals from the first agency of each kind, so this second emergency
# department sends none of them: the bench's own API requests come from it, easy to tell apart.
EXTRA_AGENCIES = (
    (API_AGENCY_NAME, "emergency_department"),
    ("Bench County Police", "law_enforcement"),
    ("Bench St. Example Hospital ED", "emergency_department"),
    ("Bench Recovery Community Center", "recovery"),
    ("Bench Treatment Partners", "treatment"),
    ("Bench Faith Outreach", "faith"),
)


def program_with_team(*, name: str, slug: str, username_prefix: str, large: bool) -> Program:
    """A program with the demo cast and, for the main program, 3 supervisors, 25 peers and 10
    agencies."""
    from port.accounts.models import Membership, Organization, User
    from port.accounts.roles import Role
    from port.administration.services import program_set_up
    from port.demo.cast import demo_cast_create

    program = program_set_up(name=name, slug=slug, time_zone="America/New_York")
    demo_cast_create(program=program, username_prefix=username_prefix)
    if not large:
        return program
    Organization.objects.bulk_create(Organization(program=program, name=n, kind=k) for n, k in EXTRA_AGENCIES)
    extra = [("supervisor", Role.SUPERVISOR, n) for n in range(2, 2 + EXTRA_SUPERVISORS)]
    extra += [("peer", Role.PEER, n) for n in range(4, 4 + EXTRA_PEERS)]
    for kind, role, n in extra:
        # The bench signs in with force_login: no password, so no slow hashing either.
        user = User.objects.create_user(
            username=f"{username_prefix}-{kind}{n}", password=None, first_name=kind.title(), last_name=f"Bench-{n}"
        )
        Membership.objects.create(user=user, program=program, role=role)
    return program


def load_data(*, referrals: int, seed: int) -> float:
    """Build both bench programs with the shared synthetic generator; returns the seconds taken."""
    from port.demo.referrals import demo_referrals_create

    started = time.perf_counter()
    program = program_with_team(name=PROGRAM_NAME, slug="bench-port", username_prefix="bench", large=True)
    demo_referrals_create(program=program, count=referrals, seed=seed)
    print(f"  {PROGRAM_NAME}: {time.perf_counter() - started:.0f} s", flush=True)
    # A neighbouring program in the same tables: its rows must cost the first one nothing.
    other = program_with_team(name=OTHER_PROGRAM_NAME, slug="bench-neighbour", username_prefix="bench2", large=False)
    demo_referrals_create(program=other, count=max(1000, referrals // 5), seed=seed + 1)
    return time.perf_counter() - started


def program_named(name: str) -> Program | None:
    from port.accounts.models import Program

    return Program.objects.filter(name=name).first()


@dataclass
class BenchCast:
    program_id: int
    other_program_id: int
    supervisor_id: int  # Membership ids from here on
    peer_id: int
    other_supervisor_id: int
    api_agency_id: int


def bench_cast() -> BenchCast:
    """Who the bench acts as: the first supervisor, the busiest peer, the API sending agency."""
    from django.db.models import Count, Q

    from port.accounts.models import Membership, Organization
    from port.accounts.roles import Role
    from port.referrals.models import OPEN_STATUSES

    program, other = program_named(PROGRAM_NAME), program_named(OTHER_PROGRAM_NAME)
    assert program is not None and other is not None  # ensure_data built them first
    active = Membership.objects.filter(is_active=True).order_by("pk")
    open_assigned = Q(user__assigned_referrals__status__in=OPEN_STATUSES, user__assigned_referrals__program=program)
    peer = (
        active.filter(program=program, role=Role.PEER)
        .annotate(open_count=Count("user__assigned_referrals", filter=open_assigned))
        .order_by("-open_count", "pk")[0]
    )
    return BenchCast(
        program_id=program.pk,
        other_program_id=other.pk,
        supervisor_id=active.filter(program=program, role=Role.SUPERVISOR)[0].pk,
        peer_id=peer.pk,
        other_supervisor_id=active.filter(program=other, role=Role.SUPERVISOR)[0].pk,
        api_agency_id=Organization.objects.get(program=program, name=API_AGENCY_NAME).pk,
    )


def close_bench_referrals(cast: BenchCast) -> int:
    """Close what the intake measurements sent, so the queue keeps its shape from run to run.

    A direct update rather than the transition service: these are the bench's own rows.
    """
    from port.referrals.models import ClosingReason, Referral, Status

    sent = Referral.objects.filter(referring_agency_id=cast.api_agency_id, external_id__startswith=EXTERNAL_ID_PREFIX)
    return sent.exclude(status=Status.CLOSED).update(status=Status.CLOSED, closed_reason=ClosingReason.DUPLICATE)


def data_shape(program_id: int) -> dict:
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from port.accounts.models import Membership, Organization
    from port.accounts.roles import Role
    from port.participants.models import Participant
    from port.referrals.models import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Referral

    referrals = Referral.objects.filter(program_id=program_id)
    open_referrals = referrals.filter(status__in=OPEN_STATUSES)
    span = referrals.aggregate(first=Min("received_at"), last=Max("received_at"))
    roles = dict(
        Membership.objects.filter(program_id=program_id).values_list("role").annotate(n=Count("pk")).order_by()
    )
    return {
        "referrals": referrals.count(),
        "open": open_referrals.count(),
        "open_by_status": dict(open_referrals.values_list("status").annotate(n=Count("pk")).order_by()),
        "overdue": referrals.filter(status__in=CLOCK_RUNNING_STATUSES, contact_deadline__lt=timezone.now()).count(),
        "participants": Participant.objects.filter(program_id=program_id).count(),
        "agencies": Organization.objects.filter(program_id=program_id).count(),
        "supervisors": roles.get(Role.SUPERVISOR, 0),
        "peers": roles.get(Role.PEER, 0),
        "received_from": span["first"].date().isoformat() if span["first"] else None,
        "received_to": span["last"].date().isoformat() if span["last"] else None,
    }


def ensure_data(*, referrals: int, seed: int) -> float | None:
    """Reuse the bench programs if they are big enough, else build them; seconds spent loading."""
    from port.referrals.models import Referral

    program, other = program_named(PROGRAM_NAME), program_named(OTHER_PROGRAM_NAME)
    have = Referral.objects.filter(program=program).count() if program else 0
    if have >= referrals and other:
        print(f"Reusing {have:,} referrals in {PROGRAM_NAME} (--fresh rebuilds).", flush=True)
        return None
    if program or other:
        # Fewer than asked for, or an interrupted load: start again from an empty database.
        print(f"{PROGRAM_NAME} has {have:,} referrals; rebuilding the database.", flush=True)
        rebuild_database()
    print(f"Loading {referrals:,} referrals (a few minutes; later runs reuse them)...", flush=True)
    seconds = round(load_data(referrals=referrals, seed=seed), 1)
    print(f"Loaded in {seconds} s.", flush=True)
    return seconds
