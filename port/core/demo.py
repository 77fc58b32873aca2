"""Synthetic demo data: a program with a cast of users, and referrals in every status.

Every person here is made up, and looks it: surnames such as "Testperson" and "Sample", phone
numbers in the 555-0100..0199 range reserved for fiction, addresses on "Example St".

- `demo_program_create` makes the demo program, its agencies, its users and an API token
  (`manage.py seed_demo`), its referrals with the contact attempts behind their statuses, and the
  team's field work through the real services: naloxone lots received at the office and carried in
  each peer's bag, supporters, visits and calls with what was given and taught, consents, and one
  hand-off to the recovery center that the demo provider can open.
- `demo_cast_create` makes the agencies and users for any program (a benchmark can use it too).
- `demo_referrals_create` adds N referrals to a program quickly and deterministically for a seed.
  A sample goes through the real intake service, which also produces repeat overdoses of known
  participants and likely duplicates for the review screen. The bulk is written in batches straight
  to the tables (100,000 referrals in about a minute and a half on PostgreSQL), keeping every
  invariant that intake and the status services keep: the contact deadline is computed by
  `port.referrals.clock.contact_deadline`, the ReferralChange history walks only allowed
  transitions and ends at the referral's status, assigned referrals have an assignee and closed
  ones a reason.
"""

import dataclasses
import datetime as dt
import random
import re
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from port.accounts.models import Agency, AgencyKind, ApiToken, Membership, Program, User
from port.accounts.roles import ASSIGNABLE_ROLES, PARTNER_ROLES, SUPERVISING_ROLES, TEAM_ROLES, Role
from port.administration.services import program_set_up
from port.consent.gate import disclose
from port.consent.models import ConsentKind, Disclosure, InformationCategory, SignatureMethod
from port.consent.services import consent_record, consent_revoke
from port.consent.wording import DEFAULT_PURPOSES, REVOCATION_STATEMENT
from port.core.encryption import EncryptedTextField
from port.outreach.models import (
    CLOSING_OUTCOMES,
    CONTACT_OUTCOMES,
    ContactAttempt,
    Encounter,
    EncounterItem,
    Mode,
    Outcome,
    Place,
    StageOfChange,
    Supporter,
    TeamMember,
    TeamRole,
)
from port.outreach.services import (
    EncounterIn,
    ItemIn,
    TeamMemberIn,
    contact_attempt_record,
    encounter_record,
    supporter_save,
)
from port.participants.models import Participant, ParticipantPhone
from port.participants.normalize import name_key
from port.referrals.clock import contact_deadline
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import (
    Channel,
    ClosingReason,
    OverdoseEvent,
    Referral,
    ReferralChange,
    Source,
    Status,
)
from port.security.accounts import api_token_issue
from port.supplies.models import StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.services import DEFAULT_LOCATION_NAME, stock_receive_delivery, stock_transfer

# Demo only: printed by print_demo_logins and documented in the README. Never use it elsewhere.
DEMO_PASSWORD = "demo-port-2026!"  # noqa: S105
DEMO_PROGRAM_SLUG = "demo"
DEMO_PROGRAM_NAME = "Demo County PORT"
DEMO_TIME_ZONE = "America/New_York"
DEMO_SEED = 2026
DEMO_REFERRALS = 300

DEMO_AGENCIES = (
    ("Demo General Hospital ED", AgencyKind.EMERGENCY_DEPARTMENT),
    ("Demo County 2-1-1", AgencyKind.TWO_ONE_ONE),
    ("Demo County EMS", AgencyKind.EMS),
    ("Demo Fire", AgencyKind.FIRE),
    ("Demo County Sheriff", AgencyKind.LAW_ENFORCEMENT),
    ("Demo Recovery Center", AgencyKind.TREATMENT),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str
    agency_kind: str = ""  # for partners and providers: which of the program's agencies they act for


DEMO_LOGINS = (
    DemoLogin("admin", "Dana", "Demo-Admin", Role.ADMIN),
    DemoLogin("supervisor", "Sam", "Demo-Supervisor", Role.SUPERVISOR),
    DemoLogin("peer1", "Pat", "Demo-Peer", Role.PEER),
    DemoLogin("peer2", "Quinn", "Demo-Peer", Role.PEER),
    DemoLogin("peer3", "Robin", "Demo-Peer", Role.PEER),
    DemoLogin("ed", "Erin", "Demo-Liaison", Role.PARTNER, AgencyKind.EMERGENCY_DEPARTMENT),
    DemoLogin("211", "Tess", "Demo-Calltaker", Role.PARTNER, AgencyKind.TWO_ONE_ONE),
    DemoLogin("ems", "Jordan", "Demo-Paramedic", Role.FIRST_RESPONDER, AgencyKind.EMS),
    DemoLogin("police", "Casey", "Demo-Deputy", Role.LAW_ENFORCEMENT, AgencyKind.LAW_ENFORCEMENT),
    DemoLogin("provider", "Morgan", "Demo-Counselor", Role.PROVIDER, AgencyKind.TREATMENT),
    DemoLogin("analyst", "Avery", "Demo-Analyst", Role.ANALYST),
)

FIRST_NAMES = (
    "Aaliyah",
    "Adrian",
    "Alan",
    "Amir",
    "Ana",
    "Andre",
    "Angela",
    "Bao",
    "Brian",
    "Carl",
    "Carmen",
    "Chris",
    "Dakota",
    "Darnell",
    "Deja",
    "Diego",
    "Elena",
    "Eric",
    "Fatima",
    "Frank",
    "Gabriel",
    "Grace",
    "Hector",
    "Imani",
    "Jamal",
    "Jamie",
    "Jeffery",
    "Jon",
    "Jordan",
    "Jose",
    "Kayla",
    "Katherine",
    "Kristin",
    "Lamar",
    "Leah",
    "Lucia",
    "Luis",
    "Marc",
    "Maria",
    "Mathew",
    "Mei",
    "Miguel",
    "Nicole",
    "Noah",
    "Omar",
    "Priya",
    "Rosa",
    "Ryan",
    "Sara",
    "Sean",
    "Stephen",
    "Tanisha",
    "Teresa",
    "Tyrone",
    "Valeria",
    "Wanda",
    "Wei",
    "Xavier",
    "Yolanda",
    "Zoe",
)
# Spelling variants a second referral may use for the same person: likely duplicates for review.
NAME_VARIANTS = {
    "Alan": "Allen",
    "Ana": "Anna",
    "Brian": "Bryan",
    "Carl": "Karl",
    "Eric": "Erik",
    "Jamie": "Jaime",
    "Jeffery": "Jeffrey",
    "Jon": "John",
    "Katherine": "Catherine",
    "Kristin": "Kristen",
    "Marc": "Mark",
    "Mathew": "Matthew",
    "Nicole": "Nichole",
    "Sara": "Sarah",
    "Stephen": "Steven",
    "Teresa": "Theresa",
}
LAST_NAMES = (
    "Testperson",
    "Sample",
    "Example",
    "Placeholder",
    "Fictional",
    "Demo",
    "Madeup",
    "Notreal",
    "Mockwell",
    "Fakeley",
    "Invented",
    "Imaginary",
    "Specimen",
    "Standin",
    "Testcase",
    "Samplesen",
    "Exampleton",
    "Prototype",
    "Dummyford",
    "Loremipsum",
)
STREETS = ("Example St", "Sample Ave", "Placeholder Rd", "Demo Blvd", "Fictional Way", "Test Ln")
AREA_CODES = ("202", "312", "412", "614", "717", "814")
LOCATION_NOTES = (
    "Usually at the library on Demo Blvd in the afternoon.",
    "Stays at the shelter on Sample Ave; ask at the front desk.",
    "Camps behind the store at 200 Example St.",
    "Often at the bus shelter on Placeholder Rd and Test Ln.",
    "Sister's house, blue door, 300 block of Fictional Way.",
    "Motel on Demo Blvd, room number changes; ask for them by first name.",
)
OVERDOSE_LOCATIONS = (
    "Residence",
    "Parking lot near 200 Sample Ave",
    "Restroom, Demo Park",
    "Bus shelter on Example St",
    "Motel on Placeholder Rd",
    "Car on Test Ln",
    "",
)
SUBSTANCES = (
    "fentanyl",
    "heroin",
    "other opioids",
    "cocaine",
    "methamphetamine",
    "xylazine",
    "benzodiazepines",
    "alcohol",
    "unknown",
)
LANGUAGES = (("English", 80), ("Spanish", 12), ("", 5), ("Vietnamese", 1), ("Arabic", 1), ("Haitian Creole", 1))
NOTES = (
    "",
    "",
    "",
    "Demo note: prefers text messages.",
    "Demo note: staying with a cousin this week.",
    "Demo note: asked about treatment options.",
    "Demo note: works nights, call after noon.",
    "Demo note: has a dog; visits outside are easier.",
)
SOURCE_WEIGHTS = (
    (Source.EMERGENCY_DEPARTMENT, 40),
    (Source.TWO_ONE_ONE, 20),
    (Source.EMS, 12),
    (Source.FIRE, 6),
    (Source.LAW_ENFORCEMENT, 6),
    (Source.SELF, 6),
    (Source.FAMILY, 7),
    (Source.OTHER, 3),
)
AGENCY_KIND_FOR_SOURCE = {
    Source.EMERGENCY_DEPARTMENT: AgencyKind.EMERGENCY_DEPARTMENT,
    Source.TWO_ONE_ONE: AgencyKind.TWO_ONE_ONE,
    Source.EMS: AgencyKind.EMS,
    Source.FIRE: AgencyKind.FIRE,
    Source.LAW_ENFORCEMENT: AgencyKind.LAW_ENFORCEMENT,
}
# How a closed referral got there: the last status before closing, and how often.
CLOSING = (
    (ClosingReason.COMPLETED, Status.REACHED, 35),
    (ClosingReason.UNABLE_TO_REACH, Status.ATTEMPTING, 25),
    (ClosingReason.DECLINED, Status.REACHED, 12),
    (ClosingReason.MOVED, Status.ATTEMPTING, 4),
    (ClosingReason.INCARCERATED, Status.ATTEMPTING, 4),
    (ClosingReason.DECEASED, Status.ATTEMPTING, 2),
    (ClosingReason.DUPLICATE, Status.RECEIVED, 6),
    (ClosingReason.OUT_OF_AREA, Status.RECEIVED, 4),
    (ClosingReason.OTHER, Status.ATTEMPTING, 8),
)
# Status mix by the referral's age: the newest are mostly open, old ones mostly closed.
STATUS_WEIGHTS_BY_AGE = (
    (
        72,
        (
            (Status.RECEIVED, 30),
            (Status.ASSIGNED, 28),
            (Status.ATTEMPTING, 22),
            (Status.REACHED, 12),
            (Status.CLOSED, 8),
        ),
    ),
    (
        14 * 24,
        (
            (Status.RECEIVED, 2),
            (Status.ASSIGNED, 5),
            (Status.ATTEMPTING, 10),
            (Status.REACHED, 30),
            (Status.CLOSED, 53),
        ),
    ),
    (None, ((Status.ATTEMPTING, 2), (Status.REACHED, 5), (Status.CLOSED, 93))),
)
REPEAT_SHARE = 0.12  # share of referrals about someone already known: a repeat overdose
HISTORY_DAYS = 182


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _phone(rng: random.Random) -> str:
    """E.164, in the 555-0100..0199 range reserved for fiction."""
    return f"+1{rng.choice(AREA_CODES)}55501{rng.randrange(100):02d}"


# --- The program and its cast ------------------------------------------------------------------


def demo_cast_create(
    *, program: Program, username_prefix: str = "demo", password: str | None = DEMO_PASSWORD
) -> dict[str, Membership]:
    """The demo agencies and users (an admin, a supervisor, three peers, two referral partners, an EMS
    partner, a law enforcement partner, a service provider and an analyst) for `program`.

    Usernames are "<prefix>-admin", "<prefix>-peer1" and so on; with `password=None` nobody can sign
    in as them (and no time goes into hashing). Returns memberships by DemoLogin username.
    """
    agencies = {kind: Agency.objects.create(program=program, name=name, kind=kind) for name, kind in DEMO_AGENCIES}
    memberships = {}
    for login in DEMO_LOGINS:
        username = f"{username_prefix}-{login.username}"
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=login.first_name,
            last_name=login.last_name,
            email=f"{username}@example.org",
        )
        memberships[login.username] = Membership.objects.create(
            user=user, program=program, role=login.role, agency=agencies.get(login.agency_kind)
        )
    return memberships


@dataclass
class DemoProgram:
    program: Program
    memberships: dict[str, Membership]
    api_token: ApiToken
    raw_token: str  # shown once by seed_demo; only its hash is stored
    referrals: int


@transaction.atomic
def demo_program_create(
    *, referrals: int = DEMO_REFERRALS, seed: int = DEMO_SEED, now: dt.datetime | None = None
) -> DemoProgram:
    """The demo program "Demo County PORT" with its cast, an API token for the ED, referrals with the
    contact attempts behind their statuses, and the team's field work: stock, supporters, visits,
    consents and a hand-off to the recovery center."""
    now = now or timezone.now()
    program = program_set_up(name=DEMO_PROGRAM_NAME, slug=DEMO_PROGRAM_SLUG, time_zone=DEMO_TIME_ZONE)
    memberships = demo_cast_create(program=program)
    token, raw = api_token_issue(
        agency=memberships["ed"].agency, name="Demo ED nightly feed", actor=memberships["admin"].user
    )
    made = demo_referrals_create(program=program, count=referrals, seed=seed, now=now, outreach=True)
    _demo_field_work(program=program, memberships=memberships, seed=seed, now=now)
    _demo_visit_with_ems(program=program, ems=memberships["ems"], now=now)
    return DemoProgram(program=program, memberships=memberships, api_token=token, raw_token=raw, referrals=made)


def _demo_visit_with_ems(*, program: Program, ems: Membership, now: dt.datetime) -> None:
    """Make sure demo-ems has a visit sheet to open: unless the attempts already name them on a visit in
    the sheet's window, a home visit with them along on the newest assigned (else attempting) referral,
    through the real outreach service. No such referral, nothing."""
    from port.participants.visit_sheet import VISIT_SHEET_DAYS

    since = now - dt.timedelta(days=VISIT_SHEET_DAYS)
    if TeamMember.objects.filter(user=ems.user, attempt__attempted_at__gte=since).exists():
        return
    referral = (
        Referral.objects.filter(program=program, status__in=[Status.ASSIGNED, Status.ATTEMPTING])
        .select_related("participant")
        .order_by("status", "-received_at")
        .first()
    )
    if referral is None:
        return
    peer = Membership.objects.get(program=program, user_id=referral.assigned_to_id)
    # After everything that already happened to the referral (some of it stamped by services just now),
    # and before now.
    latest = max(
        [
            referral.received_at,
            *referral.changes.values_list("changed_at", flat=True),
            *referral.attempts.values_list("attempted_at", flat=True),
        ]
    )
    attempted_at = latest + (timezone.now() - latest) / 2
    contact_attempt_record(
        by=peer,
        referral=referral,
        mode=Mode.IN_PERSON,
        outcome=Outcome.NOT_AT_ADDRESS,
        place=Place.HOME if referral.participant.address else Place.STREET,
        attempted_at=attempted_at,
        note="Demo note: a neighbour says to try in the morning.",
        team=[TeamMemberIn(role=TeamRole.PEER, user=peer.user), TeamMemberIn(role=TeamRole.EMS, user=ems.user)],
    )


# --- Field work: stock, supporters, visits and a consent (the demo program only) ----------------

# What the office received, one row per lot: item, lot number, days until it expires (None: no date).
DEMO_LOTS = (
    ("Naloxone nasal spray 4 mg", "NX4-24K117", 45),  # expires within 60 days: the dashboard warns
    ("Naloxone nasal spray 4 mg", "NX4-25C052", 430),
    ("Naloxone nasal spray 8 mg", "NX8-25A210", 610),
    ("Fentanyl test strips", "FTS-25-0112", 700),
    ("Hygiene kit", "HYG-2025-01", None),
    ("Wound-care kit", "WC-25-0731", 900),
)
NALOXONE_4, NALOXONE_8 = "Naloxone nasal spray 4 mg", "Naloxone nasal spray 8 mg"
TEST_STRIPS, HYGIENE_KIT, WOUND_CARE = "Fentanyl test strips", "Hygiene kit", "Wound-care kit"
# What each peer's bag starts with beyond what their visits use, and what the office keeps back.
BAG_SPARE = {NALOXONE_4: 6, NALOXONE_8: 2, TEST_STRIPS: 10, HYGIENE_KIT: 3, WOUND_CARE: 2}
OFFICE_SPARE = {NALOXONE_4: 36, NALOXONE_8: 12, TEST_STRIPS: 20, HYGIENE_KIT: 20, WOUND_CARE: 10}
NEAR_EXPIRY_PER_BAG, NEAR_EXPIRY_AT_OFFICE = 8, 24
# Deliveries come in whole cases.
CASE_SIZE = {NALOXONE_4: 12, NALOXONE_8: 12, TEST_STRIPS: 50, HYGIENE_KIT: 10, WOUND_CARE: 10}

# The participant's own words: goals they set and next steps they chose. No field asks for a treatment goal.
GOALS = {
    StageOfChange.PRECONTEMPLATION: (
        "Not looking to stop. I just don't want to die, so I keep the spray on me.",
        "Get my phone fixed so my mom can reach me.",
        "Stay housed. That's the main thing right now.",
    ),
    StageOfChange.CONTEMPLATION: (
        "Thinking about cutting back. Want to know what the clinic is like first.",
        "Maybe talk to someone about meds. Not this week.",
        "Not use alone anymore.",
    ),
    StageOfChange.PREPARATION: (
        "Get an intake appointment somewhere close to the bus line.",
        "Get my ID back so I can apply for housing.",
        "Start meds before I go back to work.",
    ),
    StageOfChange.ACTION: (
        "Keep going to the clinic every morning.",
        "Stay on my meds and see my kids on Sundays.",
        "Two meetings a week, and keep my job.",
    ),
    StageOfChange.MAINTENANCE: (
        "Keep doing what I'm doing. Get my cousin a kit too.",
        "Help other people the way you helped me.",
    ),
    "": ("Sleep somewhere safe this week.", "Didn't want to talk about goals today; that's OK."),
}
GOALS_SPANISH = (
    "Quiero estar bien para mis hijos.",
    "No usar solo. Tener Narcan en casa.",
    "Conseguir una cita en una clínica cerca del autobús.",
)
NEXT_STEPS = (
    "Text me Thursday afternoon.",
    "Meet at the library Monday; we'll go to the ID office together.",
    "Bring more test strips next week.",
    "Drop off a kit for my roommate.",
    "Check in after my court date.",
    "Ride to the clinic Tuesday morning, if I still want it.",
    "Call me after 5, I work days now.",
)
NEXT_STEPS_SPANISH = ("Llámenme el jueves por la tarde.", "Traer más tiras de prueba la próxima semana.")
VISIT_NOTES = {
    Mode.IN_PERSON: (
        "",
        "",
        "Demo note: talked on the porch; open to another visit.",
        "Demo note: staying with a friend; prefers texts.",
        "Demo note: practised with the trainer spray; knows the steps.",
        "Demo note: asked about a sore on the hand; gave the walk-in clinic's hours.",
        "Demo note: short and friendly; wanted strips more than anything.",
    ),
    Mode.PHONE: (
        "",
        "",
        "Demo note: short call; doing OK, wants to meet next week.",
        "Demo note: prefers texts; will text before visiting.",
        "Demo note: went over what to do if a friend overdoses.",
    ),
}
READINESS = {
    StageOfChange.PRECONTEMPLATION: (0, 3),
    StageOfChange.CONTEMPLATION: (2, 6),
    StageOfChange.PREPARATION: (5, 8),
    StageOfChange.ACTION: (7, 10),
    StageOfChange.MAINTENANCE: (8, 10),
}
STAGE_WEIGHTS = (
    (StageOfChange.PRECONTEMPLATION, 25),
    (StageOfChange.CONTEMPLATION, 30),
    (StageOfChange.PREPARATION, 20),
    (StageOfChange.ACTION, 10),
    (StageOfChange.MAINTENANCE, 3),
    ("", 12),
)
RELATIONS = ("mother", "sister", "partner", "friend", "son", "aunt", "roommate", "father")
SUPPORTER_NEEDS = (
    "",
    "",
    "Asked about a family support group.",
    "Would like counseling for themselves.",
    "Worried about the children; asked about support for kids.",
    "Wants naloxone training for everyone in the house.",
)
SUPPORTER_CONTACT_NOTES = ("", "Prefers calls after 5 pm.", "Works nights; text first.", "Lives next door.")
FAMILY_REFERRER = re.compile(r"^(\S+) (\S+) \((\w+)\)$")  # "Rosa Sample (sister)", as the generator writes it


@dataclass
class _SupporterPlan:
    participant: Participant
    by: Membership
    fields: dict
    added_at: dt.datetime
    agreed_at: dt.datetime | None = None
    supporter: Supporter | None = None  # once saved


@dataclass
class _Given:
    kind: str
    item: str = ""  # the supply item's name, for supplies
    quantity: int = 1
    recipient: str = EncounterItem.Recipient.PARTICIPANT
    supporter: _SupporterPlan | None = None


@dataclass
class _Visit:
    by: Membership
    participant: Participant
    referral: Referral
    attempt: ContactAttempt | None  # the attempt that reached them; none for a follow-up visit
    occurred_at: dt.datetime
    mode: str
    place: str
    location: StockLocation  # where supplies come from: the peer's bag, or the office
    team: list[TeamMemberIn]
    data: dict = dataclasses.field(default_factory=dict)  # the rest of EncounterIn
    given: list[_Given] = dataclasses.field(default_factory=list)
    present: list[_SupporterPlan] = dataclasses.field(default_factory=list)


def _demo_field_work(*, program: Program, memberships: dict[str, Membership], seed: int, now: dt.datetime) -> None:
    """The team's work beyond attempts, through the real services: a bag of supplies for each peer,
    stocked from naloxone lots received at the office; supporters, with and without the participant's
    agreement; visits and calls with what was given and taught; consents, and one hand-off to the
    recovery center that the demo provider login can open.

    The services stamp "now"; the demo's history is six months long, so encounters, supporters and
    ledger entries are then moved back to when they would have been recorded (see _backdate).
    """
    rng = random.Random(f"{seed}:field-work")
    team = {m.user_id: m for m in memberships.values() if m.role in TEAM_ROLES}
    users = {m.user_id: m.user for m in memberships.values()}
    office = StockLocation.objects.get(program=program, kind=StockLocation.Kind.OFFICE, name=DEFAULT_LOCATION_NAME)
    bags = {
        m.user_id: StockLocation.objects.create(
            program=program, name=f"{m.user.first_name}'s outreach bag", kind=StockLocation.Kind.BAG, holder=m.user
        )
        for m in memberships.values()
        if m.role == Role.PEER
    }
    visits, supporters = _plan_visits(
        rng=rng, program=program, team=team, users=users, office=office, bags=bags, now=now
    )
    handoff = _plan_handoff(visits)
    lots = _stock_up(
        program=program, supervisor=memberships["supervisor"], team=team, office=office, bags=bags, visits=visits
    )
    for plan in sorted(supporters, key=lambda s: s.added_at):
        plan.supporter = supporter_save(by=plan.by, participant=plan.participant, **plan.fields)
    encounters = [(_visit_record(visit, lots), visit) for visit in visits]
    _backdate(encounters=encounters, supporters=supporters, program=program, now=now, rng=rng)
    _demo_consents(program=program, memberships=memberships, visits=visits, handoff=handoff, now=now)


def _plan_visits(*, rng, program, team, users, office, bags, now) -> tuple[list[_Visit], list[_SupporterPlan]]:
    """A visit or call after most attempts that reached someone, sometimes a follow-up visit, and the
    supporters they involve; in time order."""
    closed_at = dict(
        ReferralChange.objects.filter(referral__program=program, to_status=Status.CLOSED).values_list(
            "referral_id", "changed_at"
        )
    )
    reached = (
        ContactAttempt.objects.filter(program=program, outcome__in=sorted(CONTACT_OUTCOMES))
        .select_related("referral", "participant")
        .prefetch_related("team")
        .order_by("attempted_at", "pk")
    )
    supporters: dict[int, list[_SupporterPlan]] = {}
    visits: list[_Visit] = []
    for attempt in reached:
        by = team.get(attempt.recorded_by_id)
        share = 0.8 if attempt.outcome == Outcome.REACHED_PARTICIPANT else 0.35
        if by is None or rng.random() > share:
            continue
        referral, participant = attempt.referral, attempt.participant
        known = supporters.setdefault(participant.pk, [])
        if not known:
            known += _supporters_of(
                rng=rng,
                referral=referral,
                participant=participant,
                by=by,
                referred_at=referral.first_attempt_at or attempt.attempted_at,
                named_at=attempt.attempted_at,
            )
        visit = _Visit(
            by=by,
            participant=participant,
            referral=referral,
            attempt=attempt,
            occurred_at=attempt.attempted_at,
            mode=attempt.mode,
            place=attempt.place,
            location=bags.get(by.user_id, office),
            team=[TeamMemberIn(role=m.role, user=users.get(m.user_id), name=m.name) for m in attempt.team.all()],
        )
        _plan_talk(rng, visit, declined=attempt.outcome == Outcome.DECLINED)
        for plan in known:  # the participant agrees, at this first visit, that the team may talk with them
            if plan.agreed_at is None and attempt.outcome == Outcome.REACHED_PARTICIPANT and rng.random() < 0.75:
                plan.fields["consent_to_contact"], plan.agreed_at = True, attempt.attempted_at
        _plan_given(rng, visit, [s for s in known if s.agreed_at is not None])
        visits.append(visit)
        # Some get a follow-up visit, before the referral closed.
        end = min(closed_at.get(referral.pk, now), now) - dt.timedelta(hours=2)
        follow_up_at = attempt.attempted_at + dt.timedelta(days=rng.uniform(2, 14))
        if attempt.outcome == Outcome.REACHED_PARTICIPANT and rng.random() < 0.3 and follow_up_at < end:
            in_person = rng.random() < 0.7
            follow_up = _Visit(
                by=by,
                participant=participant,
                referral=referral,
                attempt=None,
                occurred_at=follow_up_at,
                mode=Mode.IN_PERSON if in_person else Mode.PHONE,
                place=(Place.HOME if participant.address else Place.STREET) if in_person else "",
                location=visit.location,
                team=[TeamMemberIn(role=TeamRole.PEER, user=by.user)],
            )
            _plan_talk(rng, follow_up, declined=False, after=visit)
            _plan_given(rng, follow_up, [s for s in known if s.agreed_at is not None])
            visits.append(follow_up)
    # Family members who asked for help for someone the team has not reached: known, not yet agreed.
    family = (
        Referral.objects.filter(
            program=program, source=Source.FAMILY, first_contact_at__isnull=True, assigned_to__isnull=False
        )
        .exclude(participant_id__in=list(supporters))
        .select_related("participant")
        .order_by("received_at", "pk")
    )
    for referral in family:
        by = team.get(referral.assigned_to_id)
        if by is not None and referral.participant_id not in supporters:
            supporters[referral.participant_id] = _supporters_of(
                rng=rng,
                referral=referral,
                participant=referral.participant,
                by=by,
                referred_at=referral.first_attempt_at or referral.received_at + dt.timedelta(hours=1),
            )
    visits.sort(key=lambda v: v.occurred_at)
    _ensure_a_kit_for_a_supporter(visits)
    return visits, [plan for plans in supporters.values() for plan in plans]


def _ensure_a_kit_for_a_supporter(visits: list[_Visit]) -> None:
    """Whatever the dice said, the demo shows a family member given naloxone and trained to use it: the
    first visit a supporter was present at gives them what no visit did."""
    Kind, Recipient = EncounterItem.Kind, EncounterItem.Recipient  # noqa: N806
    visit = next((v for v in visits if v.present), None)
    if visit is None:
        return
    for wanted in (
        _Given(Kind.SUPPLY, NALOXONE_4, recipient=Recipient.SUPPORTER, supporter=visit.present[0]),
        _Given(Kind.NALOXONE_TRAINING, recipient=Recipient.SUPPORTER, supporter=visit.present[0]),
    ):
        if not any(g.kind == wanted.kind and g.recipient == Recipient.SUPPORTER for v in visits for g in v.given):
            visit.given.append(wanted)


def _supporters_of(
    *, rng, referral, participant, by, referred_at: dt.datetime, named_at: dt.datetime | None = None
) -> list[_SupporterPlan]:
    """The family member who asked for help on the public form (known from the start, `referred_at`),
    or now and then someone the person names at a visit (`named_at`; none if not visited)."""
    match = FAMILY_REFERRER.match(referral.referrer_name) if referral.source == Source.FAMILY else None
    added_at = referred_at
    if match:
        first, last, relation = match.groups()
        phone = referral.referrer_contact
    elif named_at is None or rng.random() > 0.22:
        return []
    else:
        added_at = named_at
        first, last, relation = rng.choice(FIRST_NAMES), participant.last_name, rng.choice(RELATIONS)
        phone = _phone(rng) if rng.random() < 0.8 else ""
        if relation in ("friend", "roommate"):
            last = rng.choice(LAST_NAMES)
    fields = {
        "first_name": first,
        "last_name": last,
        "relationship": relation,
        "phone": phone,
        "contact_notes": rng.choice(SUPPORTER_CONTACT_NOTES),
        "needs": rng.choice(SUPPORTER_NEEDS),
        "consent_to_contact": False,
    }
    return [_SupporterPlan(participant=participant, by=by, fields=fields, added_at=added_at)]


def _plan_talk(rng: random.Random, visit: _Visit, *, declined: bool, after: _Visit | None = None) -> None:
    """How long, the stage of change and readiness, and the person's own goals and next steps."""
    spanish = visit.participant.preferred_language == "Spanish"
    stage = _pick(rng, STAGE_WEIGHTS) if not declined else rng.choice([StageOfChange.PRECONTEMPLATION, ""])
    if after is not None and after.data["stage_of_change"] and rng.random() < 0.5:
        stages = [s for s, _w in STAGE_WEIGHTS if s]
        stage = stages[min(stages.index(after.data["stage_of_change"]) + 1, len(stages) - 1)]  # a step along
    readiness = rng.randint(*READINESS[stage]) if stage and rng.random() < 0.9 else None
    goals = "" if declined else rng.choice(GOALS_SPANISH if spanish and rng.random() < 0.7 else GOALS[stage])
    next_steps = "" if declined else rng.choice(NEXT_STEPS_SPANISH if spanish and rng.random() < 0.7 else NEXT_STEPS)
    minutes = rng.randrange(20, 80, 5) if visit.mode == Mode.IN_PERSON else rng.randrange(5, 30, 5)
    visit.data = {
        "duration_minutes": minutes // 2 if declined else minutes,
        "stage_of_change": stage,
        "readiness": readiness,
        "goals": goals,
        "next_steps": next_steps,
        "notes": rng.choice(VISIT_NOTES[visit.mode]),
    }


def _plan_given(rng: random.Random, visit: _Visit, agreed: list[_SupporterPlan]) -> None:
    """What was given and taught: supplies only in person; education by phone too."""
    Kind, Recipient = EncounterItem.Kind, EncounterItem.Recipient  # noqa: N806
    given = visit.given
    in_person = visit.mode == Mode.IN_PERSON
    if in_person:
        if rng.random() < 0.85:
            given.append(_Given(Kind.SUPPLY, NALOXONE_8 if rng.random() < 0.15 else NALOXONE_4, rng.choice((1, 2, 2))))
        if rng.random() < 0.6:
            given.append(_Given(Kind.NALOXONE_TRAINING))
        if rng.random() < 0.45:
            given.append(_Given(Kind.SUPPLY, TEST_STRIPS, rng.randint(3, 5)))
        if rng.random() < 0.4:
            given.append(_Given(Kind.SUPPLY, HYGIENE_KIT))
        if rng.random() < 0.1:
            given.append(_Given(Kind.SUPPLY, WOUND_CARE))
        if rng.random() < 0.1:  # a kit for a friend who uses with them
            given.append(_Given(Kind.SUPPLY, NALOXONE_4, recipient=Recipient.COMMUNITY))
        present = [s for s in agreed if rng.random() < 0.5]
        visit.present = present
        for supporter in present:
            if rng.random() < 0.7:
                given.append(_Given(Kind.SUPPLY, NALOXONE_4, recipient=Recipient.SUPPORTER, supporter=supporter))
            if rng.random() < 0.8:
                given.append(_Given(Kind.NALOXONE_TRAINING, recipient=Recipient.SUPPORTER, supporter=supporter))
    if rng.random() < (0.7 if in_person else 0.5):
        given.append(_Given(Kind.OVERDOSE_PREVENTION_EDUCATION))
    if rng.random() < 0.45:
        given.append(_Given(Kind.SAFER_USE_EDUCATION))
    if rng.random() < 0.25:
        given.append(_Given(Kind.SYRINGE_SERVICES_INFO))


def _plan_handoff(visits: list[_Visit]) -> _Visit | None:
    """The person who wants to talk with the recovery center: the latest in-person first visit of an
    open referral, in their own words."""
    candidates = [
        v
        for v in visits
        if v.attempt is not None
        and v.referral.status == Status.REACHED
        and v.mode == Mode.IN_PERSON
        and v.attempt.outcome == Outcome.REACHED_PARTICIPANT
    ]
    if not candidates:
        return None
    visit = candidates[-1]
    visit.data.update(
        stage_of_change=StageOfChange.PREPARATION,
        readiness=7,
        goals="I want to try the Recovery Center. Not sure about meds yet, but I want to ask.",
        next_steps="Share my information with the Recovery Center so their intake worker can call me this week.",
    )
    return visit


def _stock_up(*, program, supervisor, team, office, bags, visits) -> dict[str, list]:
    """Receive lots at the office and fill each peer's bag with what their visits will give and a little
    more. Returns the program's lots per item name, earliest expiry first."""
    items = {item.name: item for item in SupplyItem.objects.filter(program=program)}
    needs: dict[tuple[int, str], int] = {}
    for visit in visits:
        for given in visit.given:
            if given.item:
                key = (visit.location.pk, given.item)
                needs[key] = needs.get(key, 0) + given.quantity
    today = timezone.localdate(timezone.now(), program.zone)
    transfers: list[tuple[int, str, str, int]] = []  # bag holder, item, lot number, quantity
    received: dict[str, int] = defaultdict(int)
    for holder_id, bag in bags.items():
        for name, spare in BAG_SPARE.items():
            wanted = needs.get((bag.pk, name), 0) + spare
            if name == NALOXONE_4:  # the lot that expires soon goes out first
                transfers.append((holder_id, name, DEMO_LOTS[0][1], NEAR_EXPIRY_PER_BAG))
                wanted = max(spare, wanted - NEAR_EXPIRY_PER_BAG)
            lot_number = next(number for item, number, _days in DEMO_LOTS[1:] if item == name)
            transfers.append((holder_id, name, lot_number, wanted))
    for _holder, _name, lot_number, quantity in transfers:
        received[lot_number] += quantity
    for name, spare in OFFICE_SPARE.items():
        lot_number = next(number for item, number, _days in DEMO_LOTS[1:] if item == name)
        received[lot_number] += needs.get((office.pk, name), 0) + spare
    received[DEMO_LOTS[0][1]] += NEAR_EXPIRY_AT_OFFICE + needs.get((office.pk, NALOXONE_4), 0)
    lots = {}
    for name, lot_number, days in DEMO_LOTS:
        case = CASE_SIZE[name]
        quantity = -(-received[lot_number] // case) * case  # whole cases
        movement = stock_receive_delivery(
            by=supervisor,
            item=items[name],
            lot_number=lot_number,
            location=office,
            quantity=quantity,
            expires_on=today + dt.timedelta(days=days) if days is not None else None,
        )
        lots[lot_number] = movement.lot
    for holder_id, _name, lot_number, quantity in transfers:
        # Each peer fills their own bag from the office.
        stock_transfer(
            by=team[holder_id], lot=lots[lot_number], source=office, destination=bags[holder_id], quantity=quantity
        )
    # Levels that make the dashboard warn: test strips are running low; naloxone is fine.
    strips_on_hand = sum(StockBalance.objects.filter(lot__item=items[TEST_STRIPS]).values_list("quantity", flat=True))
    strips_left = strips_on_hand - sum(quantity for (_l, name), quantity in needs.items() if name == TEST_STRIPS)
    SupplyItem.objects.filter(pk=items[TEST_STRIPS].pk).update(low_stock_level=(strips_left // 50 + 2) * 50)
    SupplyItem.objects.filter(pk=items[NALOXONE_4].pk).update(low_stock_level=24)
    by_item: dict[str, list] = {}
    for lot in sorted(lots.values(), key=lambda lot: (lot.expires_on is None, lot.expires_on, lot.pk)):
        by_item.setdefault(lot.item.name, []).append(lot)
    return by_item


def _visit_record(visit: _Visit, lots: dict[str, list]) -> Encounter:
    """Record one visit through encounter_record, giving from the earliest-expiring lot with enough stock."""
    items = []
    balances = dict(StockBalance.objects.filter(location=visit.location).values_list("lot_id", "quantity"))
    for given in visit.given:
        lot = None
        if given.item:
            lot = next((lot for lot in lots[given.item] if balances.get(lot.pk, 0) >= given.quantity), None)
            if lot is None:
                continue  # the bag ran out of that; the peer gave something else
            balances[lot.pk] -= given.quantity
        items.append(
            ItemIn(
                kind=given.kind,
                quantity=given.quantity,
                recipient_type=given.recipient,
                supporter=given.supporter.supporter if given.supporter else None,
                lot=lot,
                location=visit.location if lot else None,
            )
        )
    data = EncounterIn(
        mode=visit.mode,
        occurred_at=visit.occurred_at,
        place=visit.place,
        supporters_present=[plan.supporter for plan in visit.present],
        team=visit.team,
        items=items,
        **visit.data,
    )
    if visit.attempt is not None:
        return encounter_record(by=visit.by, participant=visit.participant, data=data, attempt=visit.attempt)
    return encounter_record(by=visit.by, participant=visit.participant, data=data, referral=visit.referral)


def _backdate(*, encounters, supporters, program, now, rng) -> None:
    """Move what the services stamped "now" back to when it would have been recorded: each encounter
    (and what it gave) shortly after the visit, so old ones are locked as they would be; stock received
    and bags filled before the first visit; supporters when the team learned of them and of the
    participant's agreement."""
    for encounter, _visit in encounters:
        entered = min(now, encounter.occurred_at + dt.timedelta(minutes=rng.uniform(20, 300)))
        Encounter.objects.filter(pk=encounter.pk).update(created_at=entered, updated_at=entered)
        StockMovement.objects.filter(encounter_item__encounter=encounter).update(recorded_at=entered)
    first_visit = min((encounter.occurred_at for encounter, _visit in encounters), default=now)
    received_at = first_visit - dt.timedelta(days=4)
    StockMovement.objects.filter(program=program, kind=StockMovement.Kind.RECEIVE).update(recorded_at=received_at)
    StockMovement.objects.filter(
        program=program, kind__in=[StockMovement.Kind.TRANSFER_OUT, StockMovement.Kind.TRANSFER_IN]
    ).update(recorded_at=received_at + dt.timedelta(days=1))
    for plan in supporters:
        Supporter.objects.filter(pk=plan.supporter.pk).update(
            created_at=plan.added_at, consent_recorded_at=plan.agreed_at if plan.fields["consent_to_contact"] else None
        )


def _demo_consents(*, program, memberships, visits, handoff, now) -> None:
    """Consents the participants gave, through consent_record: to take part, for several people; to share
    with the recovery center, for one, who is then handed off through the disclosure gate (the demo
    provider sees them); and one consent to tell the hospital, revoked since."""
    Category = InformationCategory  # noqa: N806
    provider_agency = memberships["provider"].agency
    peers = [m for m in memberships.values() if m.role == Role.PEER]

    def witness(by: Membership) -> str:
        other = next(m for m in peers + [memberships["supervisor"]] if m.user_id != by.user_id)
        return other.user.get_full_name()

    def signed(visit: _Visit) -> dict:
        language = "es" if visit.participant.preferred_language == "Spanish" else "en"
        return {
            "language": language,
            "signature_method": SignatureMethod.VERBAL,
            "witness_name": witness(visit.by),
            "signed_on": timezone.localdate(visit.occurred_at, program.zone),
            "revocation_statement": REVOCATION_STATEMENT[language].format(program=program.name),
        }

    first_visits = [
        v
        for v in visits
        if v.attempt is not None
        and v.mode == Mode.IN_PERSON
        and v is not handoff
        and v.attempt.outcome == Outcome.REACHED_PARTICIPANT
    ]
    consented = set()
    for visit in first_visits[-6:]:
        if visit.participant.pk in consented:
            continue
        consented.add(visit.participant.pk)
        elements = signed(visit)
        consent_record(
            by=visit.by,
            participant=visit.participant,
            kind=ConsentKind.PARTICIPATION,
            information_categories=[Category.IDENTITY, Category.CONTACT, Category.SERVICES, Category.ASSESSMENTS],
            information_description="My name, phone and address, the visits and calls with the team, the supplies "
            "I receive, and the goals I set",
            purpose=DEFAULT_PURPOSES[elements["language"]][ConsentKind.PARTICIPATION],
            expiry_event="When I tell the team I no longer want follow-up",
            **elements,
        )
    if handoff is not None and provider_agency is not None:
        elements = signed(handoff)
        today = timezone.localdate(now, program.zone)
        shared = [
            Category.IDENTITY,
            Category.CONTACT,
            Category.REFERRAL_STATUS,
            Category.SERVICES,
            Category.ASSESSMENTS,
        ]
        purpose = f"To arrange an intake appointment at {provider_agency.name}"
        consent_record(
            by=handoff.by,
            participant=handoff.participant,
            kind=ConsentKind.DISCLOSURE,
            recipient_agency=provider_agency,
            information_categories=shared,
            information_description="My name, date of birth, phone and address; that the team is following up "
            "with me and how; the naloxone and supplies I received; my readiness and goals "
            "from my visits",
            purpose=purpose,
            expires_on=today + dt.timedelta(days=365),
            expiry_event=f"When I finish intake at {provider_agency.name}",
            **elements,
        )
        disclose(
            participant=handoff.participant,
            recipient=provider_agency,
            categories=shared,
            purpose=purpose,
            channel=Disclosure.Channel.HANDOFF,
            by=handoff.by,
        )
    hospital = Agency.objects.filter(program=program, kind=AgencyKind.EMERGENCY_DEPARTMENT).order_by("pk").first()
    changed_mind = next((v for v in reversed(first_visits) if v.participant.pk not in consented), None)
    if hospital is not None and changed_mind is not None:
        elements = signed(changed_mind)
        consent = consent_record(
            by=changed_mind.by,
            participant=changed_mind.participant,
            kind=ConsentKind.DISCLOSURE,
            recipient_agency=hospital,
            information_categories=[Category.IDENTITY, Category.REFERRAL_STATUS],
            information_description="My name and date of birth, and whether the team reached me after my hospital "
            "visit",
            purpose="So the hospital's social worker knows the team reached me",
            expires_on=timezone.localdate(now, program.zone) + dt.timedelta(days=180),
            **elements,
        )
        consent_revoke(
            by=changed_mind.by,
            consent=consent,
            note="Told the peer by phone that the hospital should not be told anything.",
        )


# --- Referrals ---------------------------------------------------------------------------------


@dataclass
class _Person:
    """A made-up participant, as a referral describes them."""

    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date | None
    phone: str
    address: str
    location_notes: str
    preferred_language: str
    participant_id: int | None = None  # set when the participant's row is written

    def submitted(self) -> dict:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "preferred_name": self.preferred_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "phone": self.phone,
            "address": self.address,
            "location_notes": self.location_notes,
            "preferred_language": self.preferred_language,
        }

    def details(self) -> ParticipantDetails:
        return ParticipantDetails(
            first_name=self.first_name,
            last_name=self.last_name,
            preferred_name=self.preferred_name,
            date_of_birth=self.date_of_birth,
            phone=self.phone,
            address=self.address,
            location_notes=self.location_notes,
            preferred_language=self.preferred_language,
        )


def _person(rng: random.Random, today: dt.date) -> _Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    date_of_birth = None
    if rng.random() < 0.85:
        date_of_birth = today - dt.timedelta(days=rng.randrange(18 * 365, 70 * 365))
    phone = _phone(rng) if rng.random() < 0.55 else ""
    address = f"{rng.randrange(1, 40) * 100} {rng.choice(STREETS)}" if rng.random() < 0.45 else ""
    # Intake needs a way to reach the person: without phone or address, a place to find them.
    notes = rng.choice(LOCATION_NOTES) if not (phone or address) or rng.random() < 0.1 else ""
    preferred = first[:3] if len(first) >= 6 and rng.random() < 0.1 else ""  # "Katherine" goes by "Kat"
    return _Person(first, last, preferred, date_of_birth, phone, address, notes, _pick(rng, LANGUAGES))


@dataclass
class _Team:
    """Who works a program's referrals and who sends them, looked up once."""

    supervisors: list[Membership]
    assignable: list[Membership]
    agencies: dict[str, Agency]
    partners: dict[int, Membership]
    responders: list[Membership]  # EMS/fire partners with a login, who may go along on visits

    @classmethod
    def of(cls, program: Program) -> "_Team":
        members = list(
            Membership.objects.filter(program=program, is_active=True, user__is_active=True)
            .select_related("user", "agency")
            .order_by("pk")
        )
        assignable = [m for m in members if m.role in ASSIGNABLE_ROLES]
        if not assignable:
            raise ValueError(f"{program} needs an active peer specialist or supervisor to assign referrals to.")
        agencies: dict[str, Agency] = {}
        for agency in Agency.objects.filter(program=program).order_by("pk"):
            agencies.setdefault(agency.kind, agency)
        return cls(
            supervisors=[m for m in members if m.role in SUPERVISING_ROLES] or assignable,
            assignable=assignable,
            agencies=agencies,
            partners={m.agency_id: m for m in members if m.role in PARTNER_ROLES and m.agency_id},
            responders=[m for m in members if m.role == Role.FIRST_RESPONDER],
        )

    def sender(self, source: str) -> tuple[Agency | None, Membership | None]:
        """The agency a referral from `source` comes from, and the partner who sends for it."""
        agency = self.agencies.get(AGENCY_KIND_FOR_SOURCE.get(source, ""))
        return agency, (self.partners.get(agency.pk) if agency else None)


def _status_walk(rng: random.Random, status: str) -> tuple[list[str], str]:
    """The statuses a referral passed through after 'received' to reach `status`, and a closing reason."""
    if status == Status.RECEIVED:
        return [], ""
    if status == Status.ASSIGNED:
        return [Status.ASSIGNED], ""
    if status == Status.ATTEMPTING:
        return [Status.ASSIGNED, Status.ATTEMPTING], ""
    if status == Status.REACHED:
        # Some are reached on the first try, with no separate "attempting" step.
        return ([Status.ASSIGNED, Status.ATTEMPTING] if rng.random() < 0.8 else [Status.ASSIGNED]) + [
            Status.REACHED
        ], ""
    reason, before = _pick(rng, [((reason, before), weight) for reason, before, weight in CLOSING])
    walk, _ = _status_walk(rng, before)
    return [*walk, Status.CLOSED], reason


# Hours from the previous step to each status, as (low, high).
STEP_HOURS = {
    Status.ASSIGNED: (0.3, 18),
    Status.ATTEMPTING: (0.5, 36),
    Status.REACHED: (1, 72),
    Status.CLOSED: (24, 30 * 24),
}


def _step_times(rng: random.Random, received_at: dt.datetime, walk: list[str], now: dt.datetime) -> list[dt.datetime]:
    offsets, total = [], 0.0
    for status in walk:
        total += rng.uniform(*STEP_HOURS[status])
        offsets.append(total)
    available = (now - received_at).total_seconds() / 3600 * 0.98
    if total > available:  # a young referral moved faster: squeeze its history into its age
        offsets = [offset * available / total for offset in offsets]
    return [received_at + dt.timedelta(hours=offset) for offset in offsets]


def _age_hours(rng: random.Random) -> float:
    """How long ago a referral came in: about one in eight in the last three days, a few more in the
    last two weeks, the rest over six months, so the demo queue has a realistic amount of work."""
    roll = rng.random()
    if roll < 0.12:
        return rng.uniform(0.2, 72)
    if roll < 0.30:
        return rng.uniform(72, 14 * 24)
    return rng.uniform(14 * 24, HISTORY_DAYS * 24)


def _overdose(rng: random.Random, source: str, received_at: dt.datetime) -> dict:
    responders = {Source.EMS: "ems", Source.FIRE: "fire", Source.LAW_ENFORCEMENT: "law_enforcement"}
    if source in (Source.SELF, Source.FAMILY):
        occurred = received_at - dt.timedelta(hours=rng.uniform(6, 120)) if rng.random() < 0.7 else None
        given_by = rng.choice(["bystander", "self", "unknown", ""])
        doses = rng.choice([None, 0, 1, 2])
        transported = None
    else:
        occurred = received_at - dt.timedelta(hours=rng.uniform(0.5, 10))
        given_by = responders.get(source) or rng.choice(["ems", "bystander", "hospital", "fire"])
        doses = rng.choice([0, 1, 1, 2, 2, 3])
        transported = True if source == Source.EMERGENCY_DEPARTMENT else rng.choice([True, False, None])
    substances = rng.sample(SUBSTANCES[:-1], rng.choice([1, 1, 2, 2, 3])) if rng.random() < 0.85 else ["unknown"]
    return {
        "occurred_at": occurred,
        "location": rng.choice(OVERDOSE_LOCATIONS),
        "substances": substances,
        "naloxone_doses": doses,
        "naloxone_given_by": given_by,
        "transported": transported,
        "created_at": received_at,
    }


class _Table:
    """Writes rows of one model (COPY on PostgreSQL, executemany elsewhere), primary keys reserved first.

    At 100,000 referrals (about 700,000 rows) the ORM's bulk_create spends minutes compiling each
    value; this takes seconds. Each value still goes through its field's get_db_prep_save, and a
    field a row leaves out gets its model default (or "now" for auto_now), so the rows are the ones
    the ORM would write.
    """

    # DateField covers DateTimeField; EncryptedTextField encrypts the notes.
    CONVERTED = (models.DateField, models.UUIDField, models.JSONField, EncryptedTextField)

    def __init__(self, model: type[models.Model]) -> None:
        # The connection itself, not django.db.connection's per-thread proxy: it is used ~10 times a row.
        db = connections[DEFAULT_DB_ALIAS]
        meta = model._meta
        self.table, self.pk_column = meta.db_table, meta.pk.column
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.converters = [
            partial(f.get_db_prep_save, connection=db) if isinstance(f, self.CONVERTED) else None for f in self.fields
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in [self.pk_column, *(f.column for f in self.fields)])
        placeholders = ", ".join(["%s"] * (len(self.fields) + 1))
        # Names from the model's _meta, quoted by the backend; values are parameters (bandit B608).
        self.sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec
        self.copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"

    def reserve_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Taken from the table's own sequence, so concurrent inserts elsewhere never collide.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.table, self.pk_column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the transaction holds the database's write lock, so nobody else inserts meanwhile.
            # Past both the highest id and AUTOINCREMENT's counter, so a deleted row's id is never reused.
            column, table = connection.ops.quote_name(self.pk_column), connection.ops.quote_name(self.table)
            cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608  # nosec
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [self.table])
            first = max(highest, cursor.fetchone()[0]) + 1
            return list(range(first, first + count))

    def insert(self, rows: list[tuple[int, dict]]) -> None:
        if not rows:
            return
        now = timezone.now()
        defaults = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                defaults[field.attname] = now
            elif not callable(field.default):
                defaults[field.attname] = field.get_default()
        values = []
        for pk, row in rows:
            prepared = [pk]
            for field, convert in zip(self.fields, self.converters, strict=True):
                name = field.attname
                value = row[name] if name in row else defaults[name] if name in defaults else field.get_default()
                prepared.append(convert(value) if convert is not None and value is not None else value)
            values.append(prepared)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: PostgreSQL's bulk path, many times faster than row-by-row inserts.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, values)


@transaction.atomic
def demo_referrals_create(
    *,
    program: Program,
    count: int,
    seed: int = 0,
    now: dt.datetime | None = None,
    through_intake: int | None = None,
    batch_size: int = 5000,
    outreach: bool = False,
    attempts_through_service: int = 40,
) -> int:
    """Add `count` synthetic referrals to `program`, received over the last six months before `now`.

    Deterministic for a given seed and starting database. `through_intake` referrals (by default
    one in ten, at most 30) go through `referral_intake`, received in the last day and a half: new
    people, repeat overdoses of people already known (an exact match) and spelling variants of them
    (likely matches, waiting on the review screen). The rest are written in batches of
    `batch_size`. The program needs acuity levels and an active peer or supervisor; agencies and
    partners are used where the program has them. Returns the number of referrals made.

    With `outreach`, every referral that went past "assigned" also gets the contact attempts its
    status history implies (see `_AttemptPlanner`), and its first-attempt and first-contact stamps.
    The newest `attempts_through_service` open ones are logged through the real
    `contact_attempt_record`; the rest are written in the batches. Off by default: the benchmark
    makes 100,000 referrals and needs no attempts.
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    team = _Team.of(program)
    levels = list(program.acuity_levels.order_by("rank"))
    if not levels:
        raise ValueError(f"{program} has no acuity levels.")
    level_weights = [30] + [70 / max(1, len(levels) - 1)] * (len(levels) - 1)
    if through_intake is None:
        through_intake = min(30, count // 10)
    through_intake = max(0, min(through_intake, count))
    batch = _Batch(
        rng=rng,
        program=program,
        team=team,
        levels=levels,
        level_weights=level_weights,
        now=now,
        serial=Referral.objects.filter(program=program).count(),
        # Its own generator, so the referrals themselves are the same with or without attempts.
        outreach_rng=random.Random(f"{seed}:outreach") if outreach else None,
    )

    received = sorted(now - dt.timedelta(hours=_age_hours(rng)) for _ in range(count - through_intake))
    for start in range(0, len(received), batch_size):
        for received_at in received[start : start + batch_size]:
            batch.add(received_at)
        batch.write()
    batch.write_open_attempts(through_service=attempts_through_service)
    _through_intake(
        rng=rng,
        program=program,
        team=team,
        count=through_intake,
        known=list(batch.known),
        levels=levels,
        level_weights=level_weights,
        today=batch.today,
        now=now,
    )
    return count


STATUS_CHANGE, ASSIGNMENT = ReferralChange.Kind.STATUS, ReferralChange.Kind.ASSIGNMENT


# --- Contact attempts behind each referral's status (outreach=True) -----------------------------

# Failed tries, by how they were made, and how often each outcome comes up.
FAILED_OUTCOMES = {
    Mode.PHONE: ((Outcome.NO_ANSWER, 45), (Outcome.LEFT_MESSAGE, 45), (Outcome.WRONG_NUMBER, 10)),
    Mode.TEXT: ((Outcome.NO_ANSWER, 60), (Outcome.LEFT_MESSAGE, 40)),
    Mode.IN_PERSON: ((Outcome.NOT_AT_ADDRESS, 75), (Outcome.NO_ANSWER, 25)),
    Mode.OTHER: ((Outcome.LEFT_MESSAGE, 100),),
}
# Notes a peer might write: short, and never a word about the overdose (whoever answers may not know).
ATTEMPT_NOTES = {
    (Mode.PHONE, Outcome.NO_ANSWER): ("Demo note: rang out, no voicemail set up.",),
    (Mode.PHONE, Outcome.LEFT_MESSAGE): (
        "Demo note: left the neutral “community outreach” message and a callback number.",
    ),
    (Mode.PHONE, Outcome.WRONG_NUMBER): (
        "Demo note: the number is disconnected.",
        "Demo note: someone else answered and does not know them; said nothing more.",
    ),
    (Mode.TEXT, Outcome.NO_ANSWER): ("Demo note: sent the “Checking in” text; no reply yet.",),
    (Mode.TEXT, Outcome.LEFT_MESSAGE): ("Demo note: sent the “First message” text.",),
    (Mode.IN_PERSON, Outcome.NOT_AT_ADDRESS): (
        "Demo note: nobody home; left a card with the outreach number only.",
        "Demo note: a neighbour says to try in the morning.",
    ),
    (Mode.IN_PERSON, Outcome.NO_ANSWER): ("Demo note: knocked twice, no answer.",),
    (Mode.OTHER, Outcome.LEFT_MESSAGE): (
        "Demo note: left a card with the front desk: first name and callback number only.",
    ),
    (Mode.PHONE, Outcome.REACHED_PARTICIPANT): ("Demo note: good call; they asked for a visit.",),
    (Mode.IN_PERSON, Outcome.REACHED_PARTICIPANT): ("Demo note: talked on the porch; visit recorded.",),
    (Mode.PHONE, Outcome.DECLINED): ("Demo note: polite, not interested right now; OK with a text next month.",),
    (Mode.IN_PERSON, Outcome.DECLINED): ("Demo note: not interested right now; took a card.",),
    (Mode.IN_PERSON, Outcome.MOVED): ("Demo note: the landlord says they moved out of state.",),
    (Mode.PHONE, Outcome.MOVED): ("Demo note: they called back; living with family in another state now.",),
    (Mode.OTHER, Outcome.INCARCERATED): ("Demo note: listed on the county jail's public roster.",),
    (Mode.PHONE, Outcome.DECEASED): (
        "Demo note: a relative answered and shared the news; offered grief support information.",
    ),
    (Mode.IN_PERSON, Outcome.DECEASED): (
        "Demo note: family shared the news at the door; offered grief support information.",
    ),
}
# A referral closed for one of these reasons was closed by the attempt that learned it.
OUTCOME_FOR_REASON = {reason: outcome for outcome, reason in CLOSING_OUTCOMES.items()}
# When peers go out and call: 8 am to 8 pm, local time.
WORKING_HOURS = (8, 20)
# People without a login who sometimes go along on a home visit.
PARTNER_NAMES = {
    TeamRole.EMS: ("Riley Demo-Medic", "Jesse Demo-Medic"),
    TeamRole.FIRE: ("Alex Demo-Firefighter",),
    TeamRole.BEHAVIORAL_HEALTH: ("Kim Demo-Counselor",),
}


@dataclass
class _TeamSlot:
    role: str
    user_id: int | None = None
    name: str = ""


@dataclass
class _PlannedAttempt:
    at: dt.datetime
    mode: str
    place: str
    outcome: str
    note: str
    team: list[_TeamSlot]
    recorded_at: dt.datetime


@dataclass
class _Attempts:
    """The attempts planned for one referral, all logged by the peer it is assigned to."""

    attempter: Membership
    received_at: dt.datetime
    attempts: list[_PlannedAttempt]
    referral_id: int | None = None  # set when the referral's row is written
    participant_id: int | None = None

    def stamps(self) -> dict:
        """What contact_attempt_record stamps: the earliest attempt, and the earliest contact."""
        contacts = [a.at for a in self.attempts if a.outcome in CONTACT_OUTCOMES]
        return {
            "first_attempt_at": min(a.at for a in self.attempts),
            "first_contact_at": min(contacts) if contacts else None,
        }


class _AttemptPlanner:
    """The contact attempts a referral's status history implies, timed by that history:

    - attempting: one to three failed tries, the first when it became "attempting", the others over
      the days after;
    - reached, and closed after contact: the failed tries (if it was "attempting" first), then the
      one that reached the person, when it became "reached" (some declined there and then);
    - closed as unable to reach: the program's attempt policy used up (by default at least three tries
      over at least seven days in at least two ways), then the supervisor's decision;
    - closed as deceased, moved or incarcerated: failed tries, then the one that learned it and closed it;
    - closed for another reason after attempts: a few failed tries.

    The status changes an attempt makes are credited to the peer who logged it, as the service does.
    """

    def __init__(self, *, rng: random.Random, program: Program, team: _Team, now: dt.datetime) -> None:
        self.rng, self.team, self.now = rng, team, now
        self.min_attempts = program.attempt_policy_min_attempts
        self.min_days = program.attempt_policy_min_days
        self.min_modes = program.attempt_policy_min_modes
        self.zone = program.zone

    @staticmethod
    def _ways(person: _Person) -> list[tuple[str, int]]:
        """How the person can be tried, and how often peers use each way."""
        if person.phone:
            return [(Mode.PHONE, 40), (Mode.TEXT, 20), (Mode.IN_PERSON, 35), (Mode.OTHER, 5)]
        return [(Mode.IN_PERSON, 85), (Mode.OTHER, 15)]

    def fit_times(self, *, walk: list[str], times: list[dt.datetime], reason: str, person: _Person) -> str:
        """Adjust a referral's history to the attempts behind it, and return its closing reason.

        Attempts are made in the team's working hours, so a step an attempt makes (attempting, reached,
        closed by what an attempt learned) that fell in the night moves to the next morning, and the
        steps after it follow. A referral closed as unable to reach gets the time to use up the attempt
        policy before the supervisor closes it; one too young for that was closed for another reason.
        """
        latest = self.now - dt.timedelta(minutes=30)
        for index, step in enumerate(walk):
            if index and times[index] <= times[index - 1]:
                times[index] = min(
                    times[index - 1] + dt.timedelta(minutes=self.rng.uniform(30, 180)),
                    max(times[index - 1], self.now - dt.timedelta(minutes=10)),
                )
            if step in (Status.ATTEMPTING, Status.REACHED) or (step == Status.CLOSED and reason in OUTCOME_FOR_REASON):
                times[index] = self._daytime(times[index], latest=latest)
        if reason != ClosingReason.UNABLE_TO_REACH:
            return reason
        first = times[walk.index(Status.ATTEMPTING)]
        earliest_close = first + dt.timedelta(days=self.min_days, hours=self.rng.uniform(3, 72))
        if len(self._ways(person)) < self.min_modes or earliest_close > self.now - dt.timedelta(hours=1):
            return ClosingReason.OTHER
        times[-1] = max(times[-1], earliest_close)
        return reason

    def _daytime(self, when: dt.datetime, *, latest: dt.datetime) -> dt.datetime:
        """`when`, or if it falls outside working hours (8 am to 8 pm where the program is), the next
        morning, unless that is after `latest`."""
        local = timezone.localtime(when, self.zone)
        if WORKING_HOURS[0] <= local.hour < WORKING_HOURS[1]:
            return when
        day = local.date() if local.hour < WORKING_HOURS[0] else local.date() + dt.timedelta(days=1)
        morning = dt.datetime.combine(day, dt.time(WORKING_HOURS[0]), tzinfo=self.zone) + dt.timedelta(
            minutes=self.rng.uniform(0, 240)
        )
        return morning if morning <= latest else when

    def _between(self, start: dt.datetime, end: dt.datetime, count: int) -> list[dt.datetime]:
        """`count` times strictly between start and end, in working hours where they fit (fewer if start
        and end are minutes apart), in order."""
        low, high = start + dt.timedelta(minutes=20), end - dt.timedelta(minutes=20)
        if high <= low or count <= 0:
            return []
        return sorted(self._daytime(low + (high - low) * self.rng.random(), latest=high) for _ in range(count))

    def plan(
        self,
        *,
        person: _Person,
        walk: list[str],
        times: list[dt.datetime],
        reason: str,
        attempter: Membership,
        available_from: dt.datetime | None,
        history: list[dict],
    ) -> "_Attempts | None":
        at = dict(zip(walk, times, strict=True))
        if Status.ATTEMPTING not in at and Status.REACHED not in at:
            return None  # never tried: received, assigned, or closed as a duplicate or out of area
        rng = self.rng
        ways = self._ways(person)
        failed_times: list[dt.datetime] = []
        modes: list[str] = []
        if Status.ATTEMPTING in at:
            start = at[Status.ATTEMPTING]
            end = at.get(Status.REACHED) or at.get(Status.CLOSED) or self.now
            if reason == ClosingReason.UNABLE_TO_REACH:
                policy = dt.timedelta(days=self.min_days)
                latest = min(end - dt.timedelta(hours=1), start + 3 * policy)
                last = self._daytime(start + policy + (latest - start - policy) * rng.random(), latest=latest)
                count = max(rng.randint(self.min_attempts, self.min_attempts + 2), self.min_modes, 2)
                failed_times = [start, *self._between(start, last, count - 2), last]
                # Every way the policy asks for, in some order, then whatever the peer tried next.
                modes = [mode for mode, _weight in rng.sample(ways, self.min_modes)]
                modes += [_pick(rng, ways) for _ in range(len(failed_times) - len(modes))]
                rng.shuffle(modes)
            else:
                count = rng.choice((1, 1, 2, 2, 3))
                horizon = min(end, start + dt.timedelta(days=10))
                failed_times = [start, *self._between(start, horizon, count - 1)]
                modes = [_pick(rng, ways) for _ in failed_times]
        attempts = []
        for when, planned_mode in zip(failed_times, modes, strict=True):
            mode = planned_mode if any(m == planned_mode for m, _w in ways) else Mode.IN_PERSON
            outcomes = FAILED_OUTCOMES[mode]
            if reason == ClosingReason.UNABLE_TO_REACH:  # keeps every way the policy needs open
                outcomes = [(o, w) for o, w in outcomes if o != Outcome.WRONG_NUMBER]
            outcome = _pick(rng, outcomes)
            attempts.append(self._attempt(when, mode, outcome, person, available_from, attempter))
            if outcome == Outcome.WRONG_NUMBER:  # nobody calls or texts that number again
                ways = [(m, w) for m, w in ways if m not in (Mode.PHONE, Mode.TEXT)]
        phone_works = any(m == Mode.PHONE for m, _w in ways)
        if Status.REACHED in at:
            mode = Mode.PHONE if phone_works and rng.random() < 0.45 else Mode.IN_PERSON
            outcome = (
                Outcome.DECLINED
                if reason == ClosingReason.DECLINED and rng.random() < 0.5
                else Outcome.REACHED_PARTICIPANT
            )
            attempts.append(self._attempt(at[Status.REACHED], mode, outcome, person, available_from, attempter))
        if reason in OUTCOME_FOR_REASON:
            outcome = OUTCOME_FOR_REASON[reason]
            if outcome == Outcome.INCARCERATED:
                mode = Mode.OTHER
            elif outcome == Outcome.MOVED:
                mode = Mode.IN_PERSON if person.address or not phone_works else Mode.PHONE
            else:
                mode = Mode.PHONE if phone_works and rng.random() < 0.5 else Mode.IN_PERSON
            attempts.append(self._attempt(at[Status.CLOSED], mode, outcome, person, available_from, attempter))

        # The history says who moved the referral along: the attempt's author, as contact_attempt_record
        # does; closing as unable to reach is the supervisor's decision.
        for change in history:
            if change["kind"] != STATUS_CHANGE:
                continue
            if change["to_status"] in (Status.ATTEMPTING, Status.REACHED) or (
                change["to_status"] == Status.CLOSED and reason in OUTCOME_FOR_REASON
            ):
                change["changed_by_id"] = attempter.user_id
            elif change["to_status"] == Status.CLOSED and reason == ClosingReason.UNABLE_TO_REACH:
                change["changed_by_id"] = rng.choice(self.team.supervisors).user_id
        return _Attempts(attempter=attempter, received_at=history[0]["changed_at"], attempts=attempts)

    def _attempt(
        self,
        when: dt.datetime,
        mode: str,
        outcome: str,
        person: _Person,
        available_from: dt.datetime | None,
        attempter: Membership,
    ) -> _PlannedAttempt:
        rng = self.rng
        place = ""
        if mode == Mode.IN_PERSON:
            if available_from and when < available_from:
                place = Place.HOSPITAL  # still in the hospital: a bedside visit
            elif person.address:
                place = Place.HOME
            else:
                place = Place.SHELTER if "shelter" in person.location_notes.lower() else Place.STREET
        elif mode == Mode.OTHER and outcome != Outcome.INCARCERATED:
            place = Place.SHELTER if "shelter" in person.location_notes.lower() else Place.OTHER
        notes = ATTEMPT_NOTES.get((mode, outcome), ())
        always = outcome in CONTACT_OUTCOMES or outcome in CLOSING_OUTCOMES
        note = rng.choice(notes) if notes and (always or rng.random() < 0.45) else ""
        team = [_TeamSlot(TeamRole.PEER, attempter.user_id)]
        if mode == Mode.IN_PERSON:
            roll = rng.random()
            if roll < 0.22:
                if self.team.responders and rng.random() < 0.5:
                    responder = rng.choice(self.team.responders)
                    fire = responder.agency is not None and responder.agency.kind == AgencyKind.FIRE
                    team.append(_TeamSlot(TeamRole.FIRE if fire else TeamRole.EMS, responder.user_id))
                else:
                    team.append(_TeamSlot(TeamRole.EMS, name=rng.choice(PARTNER_NAMES[TeamRole.EMS])))
            elif roll < 0.27:
                team.append(_TeamSlot(TeamRole.FIRE, name=rng.choice(PARTNER_NAMES[TeamRole.FIRE])))
            elif roll < 0.31:
                team.append(
                    _TeamSlot(TeamRole.BEHAVIORAL_HEALTH, name=rng.choice(PARTNER_NAMES[TeamRole.BEHAVIORAL_HEALTH]))
                )
        recorded_at = min(self.now, when + dt.timedelta(minutes=rng.uniform(2, 180)))
        return _PlannedAttempt(when, mode, place, outcome, note, team, recorded_at)


def _attempts_through_service(planned: list[_Attempts]) -> None:
    """Log planned attempts of open referrals through the real service, which stamps the referral."""
    if not planned:
        return
    referrals = Referral.objects.in_bulk([plan.referral_id for plan in planned])
    users = User.objects.in_bulk(
        {slot.user_id for plan in planned for attempt in plan.attempts for slot in attempt.team if slot.user_id}
    )
    for plan in planned:
        for attempt in sorted(plan.attempts, key=lambda a: a.at):
            contact_attempt_record(
                by=plan.attempter,
                referral=referrals[plan.referral_id],
                mode=attempt.mode,
                outcome=attempt.outcome,
                attempted_at=attempt.at,
                place=attempt.place,
                note=attempt.note,
                team=[
                    TeamMemberIn(role=slot.role, user=users[slot.user_id] if slot.user_id else None, name=slot.name)
                    for slot in attempt.team
                ],
            )


class _Batch:
    """Plans referrals (with their participants, overdose events and history) and writes them."""

    def __init__(self, *, rng, program, team, levels, level_weights, now, serial, outreach_rng=None) -> None:
        self.rng, self.program, self.team, self.now, self.serial = rng, program, team, now, serial
        self.levels, self.level_weights = levels, level_weights
        self.zone = program.zone
        self.today = timezone.localdate(now, program.zone)
        self.known: deque[_Person] = deque(maxlen=5000)  # recent participants, for repeat overdoses
        models_written = [Participant, ParticipantPhone, OverdoseEvent, Referral, ReferralChange]
        self.outreach = outreach_rng and _AttemptPlanner(rng=outreach_rng, program=program, team=team, now=now)
        if self.outreach:
            models_written += [ContactAttempt, TeamMember]
        self.tables = {model: _Table(model) for model in models_written}
        # Attempts of open referrals, kept until every batch is written: the newest go through the service.
        self.open_attempts: list[_Attempts] = []
        self._reset()

    def _reset(self) -> None:
        self.new_people: list[tuple[_Person, dict]] = []
        # person, event, referral, history, and the referral's attempts (with outreach)
        self.referrals: list[tuple[_Person, dict, dict, list[dict], _Attempts | None]] = []

    def add(self, received_at: dt.datetime) -> None:
        rng, team = self.rng, self.team
        self.serial += 1
        repeat = bool(self.known) and rng.random() < REPEAT_SHARE
        if repeat:
            person = rng.choice(self.known)
        else:
            person = _person(rng, self.today)
            self.new_people.append(
                (
                    person,
                    {
                        "program_id": self.program.pk,
                        "public_id": uuid.uuid4(),
                        "first_name": person.first_name,
                        "last_name": person.last_name,
                        "preferred_name": person.preferred_name,
                        "name_key": name_key(person.first_name, person.last_name),
                        "date_of_birth": person.date_of_birth,
                        "address": person.address,
                        "location_notes": person.location_notes,
                        "preferred_language": person.preferred_language,
                        "created_at": received_at,
                    },
                )
            )
            self.known.append(person)

        source = _pick(rng, SOURCE_WEIGHTS)
        agency, partner = team.sender(source)
        channel, referred_by, external_id, referrer_name, referrer_contact = Channel.STAFF_FORM, None, "", "", ""
        if source in (Source.SELF, Source.FAMILY):
            channel = Channel.PUBLIC_FORM
            if source == Source.FAMILY:
                relation = rng.choice(["sister", "mother", "partner", "friend", "son", "aunt"])
                referrer_name = f"{rng.choice(FIRST_NAMES)} {person.last_name} ({relation})"
                referrer_contact = _phone(rng)
        elif source == Source.EMERGENCY_DEPARTMENT and agency:
            channel = _pick(rng, ((Channel.API, 50), (Channel.CSV, 30), (Channel.STAFF_FORM, 20)))
        if channel in (Channel.API, Channel.CSV):
            external_id = f"DEMO-{self.serial:07d}"
        if channel in (Channel.STAFF_FORM, Channel.CSV):
            referred_by = partner or rng.choice(team.assignable)
        referred_by_id = referred_by.user_id if referred_by else None
        acuity = rng.choices(self.levels, self.level_weights)[0]
        available_from = None
        if source == Source.EMERGENCY_DEPARTMENT and rng.random() < 0.3:
            available_from = received_at + dt.timedelta(hours=rng.uniform(2, 36))  # expected discharge
        age_hours = (self.now - received_at).total_seconds() / 3600
        status = _pick(
            rng, next(weights for limit, weights in STATUS_WEIGHTS_BY_AGE if limit is None or age_hours < limit)
        )
        walk, reason = _status_walk(rng, status)
        times = _step_times(rng, received_at, walk, self.now)
        if self.outreach:
            reason = self.outreach.fit_times(walk=walk, times=times, reason=reason, person=person)

        history = [
            {
                "kind": STATUS_CHANGE,
                "from_status": "",
                "to_status": Status.RECEIVED,
                "changed_by_id": referred_by_id,
                "changed_at": received_at,
            }
        ]
        previous, assignee = Status.RECEIVED, None
        for index, (step, at) in enumerate(zip(walk, times, strict=True)):
            if step == Status.ASSIGNED:
                assignee = rng.choice(team.assignable)
                history.append(
                    {
                        "kind": ASSIGNMENT,
                        "from_status": previous,
                        "to_status": step,
                        "assigned_to_id": assignee.user_id,
                        "changed_by_id": rng.choice(team.supervisors).user_id,
                        "changed_at": at,
                    }
                )
                if len(team.assignable) > 1 and rng.random() < 0.06:  # handed to a colleague later
                    next_at = times[index + 1] if index + 1 < len(times) else self.now
                    assignee = rng.choice([m for m in team.assignable if m != assignee])
                    history.append(
                        {
                            "kind": ASSIGNMENT,
                            "from_status": step,
                            "to_status": step,
                            "assigned_to_id": assignee.user_id,
                            "changed_by_id": rng.choice(team.supervisors).user_id,
                            "changed_at": at + (next_at - at) * rng.uniform(0.1, 0.9),
                        }
                    )
            else:
                by = assignee if assignee and rng.random() < 0.8 else rng.choice(team.supervisors)
                history.append(
                    {
                        "kind": STATUS_CHANGE,
                        "from_status": previous,
                        "to_status": step,
                        "reason": reason if step == Status.CLOSED else "",
                        "changed_by_id": by.user_id,
                        "changed_at": at,
                    }
                )
            previous = step

        event = _overdose(rng, source, received_at)
        event["program_id"] = self.program.pk
        referral = {
            "program_id": self.program.pk,
            "public_id": uuid.uuid4(),
            "source": source,
            "channel": channel,
            "referring_agency_id": agency.pk if agency else None,
            "referred_by_id": referred_by_id,
            "referrer_name": referrer_name,
            "referrer_contact": referrer_contact,
            "external_id": external_id,
            "received_at": received_at,
            "available_from": available_from,
            "acuity_id": acuity.pk,
            "contact_deadline": contact_deadline(
                received_at=received_at, available_from=available_from, window_hours=acuity.window_hours
            ),
            "status": status,
            "closed_reason": reason,
            "assigned_to_id": assignee.user_id if assignee else None,
            "consent_to_contact": rng.choice([True, True, None]) if channel != Channel.PUBLIC_FORM else True,
            "notes": rng.choice(NOTES),
            "submitted_participant": person.submitted(),
            "match_result": "exact" if repeat else "new",
            "created_at": received_at,
        }
        attempts = None
        if self.outreach and assignee is not None:
            attempts = self.outreach.plan(
                person=person,
                walk=walk,
                times=times,
                reason=reason,
                attempter=assignee,
                available_from=available_from,
                history=history,
            )
            if attempts is not None and status == Status.CLOSED:
                # Open referrals are stamped when their attempts are written (write_open_attempts).
                referral.update(attempts.stamps())
        self.referrals.append((person, event, referral, history, attempts))

    def write(self) -> None:
        """Save the planned rows, parents first, each pointing at the ids reserved for its parent."""
        tables = self.tables
        ids = tables[Participant].reserve_ids(len(self.new_people))
        for pk, (person, _) in zip(ids, self.new_people, strict=True):
            person.participant_id = pk
        tables[Participant].insert([(person.participant_id, row) for person, row in self.new_people])
        phones = [
            {"participant_id": person.participant_id, "number": person.phone, "created_at": row["created_at"]}
            for person, row in self.new_people
            if person.phone
        ]
        tables[ParticipantPhone].insert(
            list(zip(tables[ParticipantPhone].reserve_ids(len(phones)), phones, strict=True))
        )
        event_ids = tables[OverdoseEvent].reserve_ids(len(self.referrals))
        referral_ids = tables[Referral].reserve_ids(len(self.referrals))
        events, referrals, history, closed_attempts = [], [], [], []
        for event_id, referral_id, (person, event, referral, changes, attempts) in zip(
            event_ids, referral_ids, self.referrals, strict=True
        ):
            event["participant_id"] = referral["participant_id"] = person.participant_id
            referral["overdose_event_id"] = event_id
            events.append((event_id, event))
            referrals.append((referral_id, referral))
            for change in changes:
                change["referral_id"] = referral_id
                history.append(change)
            if attempts is not None:
                attempts.referral_id, attempts.participant_id = referral_id, person.participant_id
                (closed_attempts if referral["status"] == Status.CLOSED else self.open_attempts).append(attempts)
        tables[OverdoseEvent].insert(events)
        tables[Referral].insert(referrals)
        tables[ReferralChange].insert(list(zip(tables[ReferralChange].reserve_ids(len(history)), history, strict=True)))
        self._insert_attempts(closed_attempts)
        self._reset()

    def _insert_attempts(self, planned: list["_Attempts"]) -> None:
        """Contact attempts and who went on them, straight to the tables (the service refuses attempts on a
        closed referral, and these are the history behind one)."""
        if not planned:
            return
        attempts_table, team_table = self.tables[ContactAttempt], self.tables[TeamMember]
        rows = [(plan, attempt) for plan in planned for attempt in plan.attempts]
        attempt_rows, team_rows = [], []
        for attempt_id, (plan, attempt) in zip(attempts_table.reserve_ids(len(rows)), rows, strict=True):
            attempt_rows.append(
                (
                    attempt_id,
                    {
                        "program_id": self.program.pk,
                        "referral_id": plan.referral_id,
                        "participant_id": plan.participant_id,
                        "attempted_at": attempt.at,
                        "mode": attempt.mode,
                        "place": attempt.place,
                        "outcome": attempt.outcome,
                        "supporter_id": None,
                        "note": attempt.note,
                        "recorded_by_id": plan.attempter.user_id,
                        "recorded_at": attempt.recorded_at,
                    },
                )
            )
            team_rows += [
                {
                    "attempt_id": attempt_id,
                    "encounter_id": None,
                    "user_id": member.user_id,
                    "name": member.name,
                    "role": member.role,
                }
                for member in attempt.team
            ]
        attempts_table.insert(attempt_rows)
        team_table.insert(list(zip(team_table.reserve_ids(len(team_rows)), team_rows, strict=True)))

    def write_open_attempts(self, *, through_service: int) -> None:
        """The attempts of open referrals: the newest `through_service` referrals' through
        `contact_attempt_record` (which stamps them), the rest written here with the same stamps."""
        if not self.open_attempts:
            return
        newest_first = sorted(self.open_attempts, key=lambda plan: plan.received_at, reverse=True)
        by_service, direct = newest_first[: max(0, through_service)], newest_first[max(0, through_service) :]
        self._insert_attempts(direct)
        Referral.objects.bulk_update(
            [Referral(pk=plan.referral_id, **plan.stamps()) for plan in direct],
            ["first_attempt_at", "first_contact_at"],
            batch_size=500,
        )
        _attempts_through_service(by_service)
        self.open_attempts = []


def _through_intake(*, rng, program, team, count, known, levels, level_weights, today, now) -> None:
    """Recent referrals made by the real intake service, so they follow its rules and matching."""
    with_birth_date = [p for p in known if p.date_of_birth]
    variants = [p for p in with_birth_date if p.first_name in NAME_VARIANTS]
    repeats = min(len(with_birth_date), max(1, count // 6)) if count >= 3 else 0
    duplicates = min(len(variants), max(1, count // 6)) if count >= 3 else 0
    plan = ["duplicate"] * duplicates + ["repeat"] * repeats
    plan += ["new"] * (count - len(plan))
    for kind in plan:
        if kind == "duplicate":
            # The same person spelled differently, with the same birth date: a likely match.
            original = variants.pop(rng.randrange(len(variants)))
            person = _Person(
                NAME_VARIANTS[original.first_name],
                original.last_name,
                "",
                original.date_of_birth,
                "",
                "",
                rng.choice(LOCATION_NOTES),
                original.preferred_language,
            )
        elif kind == "repeat":
            original = with_birth_date.pop(rng.randrange(len(with_birth_date)))
            person = _Person(
                original.first_name,
                original.last_name,
                "",
                original.date_of_birth,
                original.phone,
                original.address,
                original.location_notes or rng.choice(LOCATION_NOTES),
                original.preferred_language,
            )
        else:
            person = _person(rng, today)
        source = _pick(
            rng, ((Source.EMERGENCY_DEPARTMENT, 50), (Source.TWO_ONE_ONE, 30), (Source.SELF, 10), (Source.FAMILY, 10))
        )
        agency, partner = team.sender(source)
        received_at = now - dt.timedelta(hours=rng.uniform(0.1, 36))
        public = source in (Source.SELF, Source.FAMILY)
        submission = ReferralSubmission(
            source=source,
            participant=person.details(),
            received_at=received_at,
            acuity=rng.choices(levels, level_weights)[0].code,
            overdose=OverdoseDetails(
                occurred_at=received_at - dt.timedelta(hours=rng.uniform(1, 8)),
                location=rng.choice(OVERDOSE_LOCATIONS),
                substances=["fentanyl"],
                naloxone_doses=rng.choice([1, 2]),
                naloxone_given_by="ems",
                transported=source == Source.EMERGENCY_DEPARTMENT,
            ),
            consent_to_contact=True if public else None,
            referrer_name=f"{rng.choice(FIRST_NAMES)} {person.last_name} (family)" if source == Source.FAMILY else "",
            referrer_contact=_phone(rng) if source == Source.FAMILY else "",
        )
        referral_intake(
            program=program,
            submission=submission,
            channel=Channel.PUBLIC_FORM if public else Channel.STAFF_FORM,
            agency=None if public else agency,
            submitted_by=None if public else partner,
            now=now,
        )
