"""Synthetic demo data: a program with a cast of users, and referrals in every status.

Every person here is made up, and looks it: surnames such as "Testperson" and "Sample", phone
numbers in the 555-0100..0199 range reserved for fiction, addresses on "Example St".

- `demo_program_create` makes the demo program, its agencies, its users and an API token
  (`manage.py seed_demo`).
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

import datetime as dt
import random
import uuid
from collections import deque
from dataclasses import dataclass
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from port.accounts.models import Agency, AgencyKind, ApiToken, Membership, Program, User
from port.accounts.roles import ASSIGNABLE_ROLES, PARTNER_ROLES, SUPERVISING_ROLES, Role
from port.accounts.services import program_create
from port.core.encryption import EncryptedTextField
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
    "Aaliyah", "Adrian", "Alan", "Amir", "Ana", "Andre", "Angela", "Bao", "Brian", "Carl", "Carmen",
    "Chris", "Dakota", "Darnell", "Deja", "Diego", "Elena", "Eric", "Fatima", "Frank", "Gabriel",
    "Grace", "Hector", "Imani", "Jamal", "Jamie", "Jeffery", "Jon", "Jordan", "Jose", "Kayla",
    "Katherine", "Kristin", "Lamar", "Leah", "Lucia", "Luis", "Marc", "Maria", "Mathew", "Mei",
    "Miguel", "Nicole", "Noah", "Omar", "Priya", "Rosa", "Ryan", "Sara", "Sean", "Stephen", "Tanisha",
    "Teresa", "Tyrone", "Valeria", "Wanda", "Wei", "Xavier", "Yolanda", "Zoe",
)
# Spelling variants a second referral may use for the same person: likely duplicates for review.
NAME_VARIANTS = {
    "Alan": "Allen", "Ana": "Anna", "Brian": "Bryan", "Carl": "Karl", "Eric": "Erik", "Jamie": "Jaime",
    "Jeffery": "Jeffrey", "Jon": "John", "Katherine": "Catherine", "Kristin": "Kristen", "Marc": "Mark",
    "Mathew": "Matthew", "Nicole": "Nichole", "Sara": "Sarah", "Stephen": "Steven", "Teresa": "Theresa",
}
LAST_NAMES = (
    "Testperson", "Sample", "Example", "Placeholder", "Fictional", "Demo", "Madeup", "Notreal",
    "Mockwell", "Fakeley", "Invented", "Imaginary", "Specimen", "Standin", "Testcase", "Samplesen",
    "Exampleton", "Prototype", "Dummyford", "Loremipsum",
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
    "Residence", "Parking lot near 200 Sample Ave", "Restroom, Demo Park", "Bus shelter on Example St",
    "Motel on Placeholder Rd", "Car on Test Ln", "",
)
SUBSTANCES = ("fentanyl", "heroin", "other opioids", "cocaine", "methamphetamine", "xylazine",
              "benzodiazepines", "alcohol", "unknown")
LANGUAGES = (("English", 80), ("Spanish", 12), ("", 5), ("Vietnamese", 1), ("Arabic", 1), ("Haitian Creole", 1))
NOTES = (
    "", "", "", "Demo note: prefers text messages.", "Demo note: staying with a cousin this week.",
    "Demo note: asked about treatment options.", "Demo note: works nights, call after noon.",
    "Demo note: has a dog; visits outside are easier.",
)
SOURCE_WEIGHTS = (
    (Source.EMERGENCY_DEPARTMENT, 40), (Source.TWO_ONE_ONE, 20), (Source.EMS, 12), (Source.FIRE, 6),
    (Source.LAW_ENFORCEMENT, 6), (Source.SELF, 6), (Source.FAMILY, 7), (Source.OTHER, 3),
)
AGENCY_KIND_FOR_SOURCE = {
    Source.EMERGENCY_DEPARTMENT: AgencyKind.EMERGENCY_DEPARTMENT, Source.TWO_ONE_ONE: AgencyKind.TWO_ONE_ONE,
    Source.EMS: AgencyKind.EMS, Source.FIRE: AgencyKind.FIRE, Source.LAW_ENFORCEMENT: AgencyKind.LAW_ENFORCEMENT,
}
# How a closed referral got there: the last status before closing, and how often.
CLOSING = (
    (ClosingReason.COMPLETED, Status.REACHED, 35), (ClosingReason.UNABLE_TO_REACH, Status.ATTEMPTING, 25),
    (ClosingReason.DECLINED, Status.REACHED, 12), (ClosingReason.MOVED, Status.ATTEMPTING, 4),
    (ClosingReason.INCARCERATED, Status.ATTEMPTING, 4), (ClosingReason.DECEASED, Status.ATTEMPTING, 2),
    (ClosingReason.DUPLICATE, Status.RECEIVED, 6), (ClosingReason.OUT_OF_AREA, Status.RECEIVED, 4),
    (ClosingReason.OTHER, Status.ATTEMPTING, 8),
)
# Status mix by the referral's age: the newest are mostly open, old ones mostly closed.
STATUS_WEIGHTS_BY_AGE = (
    (72, ((Status.RECEIVED, 30), (Status.ASSIGNED, 28), (Status.ATTEMPTING, 22), (Status.REACHED, 12),
          (Status.CLOSED, 8))),
    (14 * 24, ((Status.RECEIVED, 2), (Status.ASSIGNED, 5), (Status.ATTEMPTING, 10), (Status.REACHED, 30),
               (Status.CLOSED, 53))),
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


def demo_cast_create(*, program: Program, username_prefix: str = "demo",
                     password: str | None = DEMO_PASSWORD) -> dict[str, Membership]:
    """The demo agencies and users (an admin, a supervisor, three peers, two referral partners, an EMS
    partner, a law enforcement partner, a service provider and an analyst) for `program`.

    Usernames are "<prefix>-admin", "<prefix>-peer1" and so on; with `password=None` nobody can sign
    in as them (and no time goes into hashing). Returns memberships by DemoLogin username.
    """
    agencies = {kind: Agency.objects.create(program=program, name=name, kind=kind) for name, kind in DEMO_AGENCIES}
    memberships = {}
    for login in DEMO_LOGINS:
        username = f"{username_prefix}-{login.username}"
        user = User.objects.create_user(username=username, password=password, first_name=login.first_name,
                                        last_name=login.last_name, email=f"{username}@example.org")
        memberships[login.username] = Membership.objects.create(
            user=user, program=program, role=login.role, agency=agencies.get(login.agency_kind))
    return memberships


@dataclass
class DemoProgram:
    program: Program
    memberships: dict[str, Membership]
    api_token: ApiToken
    raw_token: str  # shown once by seed_demo; only its hash is stored
    referrals: int


@transaction.atomic
def demo_program_create(*, referrals: int = DEMO_REFERRALS, seed: int = DEMO_SEED,
                        now: dt.datetime | None = None) -> DemoProgram:
    """The demo program "Demo County PORT" with its cast, an API token for the ED, and referrals."""
    program = program_create(name=DEMO_PROGRAM_NAME, slug=DEMO_PROGRAM_SLUG, time_zone=DEMO_TIME_ZONE)
    memberships = demo_cast_create(program=program)
    token, raw = ApiToken.issue(agency=memberships["ed"].agency, name="Demo ED nightly feed",
                                created_by=memberships["admin"].user)
    made = demo_referrals_create(program=program, count=referrals, seed=seed, now=now)
    _demo_visit_with_ems(program=program, ems=memberships["ems"])
    return DemoProgram(program=program, memberships=memberships, api_token=token, raw_token=raw, referrals=made)


def _demo_visit_with_ems(*, program: Program, ems: Membership) -> None:
    """One home visit by a peer with the EMS partner along, through the real outreach service, so that
    demo-ems has a visit sheet to open. The newest assigned referral gets it; none, nothing."""
    from port.outreach.models import Mode, Outcome, Place, TeamRole
    from port.outreach.services import TeamMemberIn, contact_attempt_record

    referral = (Referral.objects.filter(program=program, status__in=[Status.ASSIGNED, Status.ATTEMPTING])
                .order_by("-received_at").first())
    if referral is None:
        return
    peer = Membership.objects.get(program=program, user_id=referral.assigned_to_id)
    attempted_at = min(timezone.now(), referral.received_at + dt.timedelta(hours=2))
    contact_attempt_record(
        by=peer, referral=referral, mode=Mode.IN_PERSON, place=Place.HOME, outcome=Outcome.NOT_AT_ADDRESS,
        attempted_at=attempted_at, note="Demo note: a neighbour says to try in the morning.",
        team=[TeamMemberIn(role=TeamRole.PEER, user=peer.user), TeamMemberIn(role=TeamRole.EMS, user=ems.user)])


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
        return {"first_name": self.first_name, "last_name": self.last_name, "preferred_name": self.preferred_name,
                "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
                "phone": self.phone, "address": self.address, "location_notes": self.location_notes,
                "preferred_language": self.preferred_language}

    def details(self) -> ParticipantDetails:
        return ParticipantDetails(first_name=self.first_name, last_name=self.last_name,
                                  preferred_name=self.preferred_name, date_of_birth=self.date_of_birth,
                                  phone=self.phone, address=self.address, location_notes=self.location_notes,
                                  preferred_language=self.preferred_language)


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

    @classmethod
    def of(cls, program: Program) -> "_Team":
        members = list(Membership.objects.filter(program=program, is_active=True, user__is_active=True)
                       .select_related("user", "agency").order_by("pk"))
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
            Status.REACHED], ""
    reason, before = _pick(rng, [((reason, before), weight) for reason, before, weight in CLOSING])
    walk, _ = _status_walk(rng, before)
    return [*walk, Status.CLOSED], reason


# Hours from the previous step to each status, as (low, high).
STEP_HOURS = {Status.ASSIGNED: (0.3, 18), Status.ATTEMPTING: (0.5, 36), Status.REACHED: (1, 72),
              Status.CLOSED: (24, 30 * 24)}


def _step_times(rng: random.Random, received_at: dt.datetime, walk: list[str],
                now: dt.datetime) -> list[dt.datetime]:
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
    return {"occurred_at": occurred, "location": rng.choice(OVERDOSE_LOCATIONS), "substances": substances,
            "naloxone_doses": doses, "naloxone_given_by": given_by, "transported": transported,
            "created_at": received_at}


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
        self.converters = [partial(f.get_db_prep_save, connection=db) if isinstance(f, self.CONVERTED)
                           else None for f in self.fields]
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
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [self.table, self.pk_column, count])
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
def demo_referrals_create(*, program: Program, count: int, seed: int = 0, now: dt.datetime | None = None,
                          through_intake: int | None = None, batch_size: int = 5000) -> int:
    """Add `count` synthetic referrals to `program`, received over the last six months before `now`.

    Deterministic for a given seed and starting database. `through_intake` referrals (by default
    one in ten, at most 30) go through `referral_intake`, received in the last day and a half: new
    people, repeat overdoses of people already known (an exact match) and spelling variants of them
    (likely matches, waiting on the review screen). The rest are written in batches of
    `batch_size`. The program needs acuity levels and an active peer or supervisor; agencies and
    partners are used where the program has them. Returns the number of referrals made.
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
    batch = _Batch(rng=rng, program=program, team=team, levels=levels, level_weights=level_weights, now=now,
                   serial=Referral.objects.filter(program=program).count())

    received = sorted(now - dt.timedelta(hours=_age_hours(rng)) for _ in range(count - through_intake))
    for start in range(0, len(received), batch_size):
        for received_at in received[start:start + batch_size]:
            batch.add(received_at)
        batch.write()
    _through_intake(rng=rng, program=program, team=team, count=through_intake, known=list(batch.known),
                    levels=levels, level_weights=level_weights, today=batch.today, now=now)
    return count


STATUS_CHANGE, ASSIGNMENT = ReferralChange.Kind.STATUS, ReferralChange.Kind.ASSIGNMENT


class _Batch:
    """Plans referrals (with their participants, overdose events and history) and writes them."""

    def __init__(self, *, rng, program, team, levels, level_weights, now, serial) -> None:
        self.rng, self.program, self.team, self.now, self.serial = rng, program, team, now, serial
        self.levels, self.level_weights = levels, level_weights
        self.zone = program.zone
        self.today = timezone.localdate(now, program.zone)
        self.known: deque[_Person] = deque(maxlen=5000)  # recent participants, for repeat overdoses
        self.tables = {model: _Table(model) for model in (Participant, ParticipantPhone, OverdoseEvent, Referral,
                                                          ReferralChange)}
        self._reset()

    def _reset(self) -> None:
        self.new_people: list[tuple[_Person, dict]] = []
        self.referrals: list[tuple[_Person, dict, dict, list[dict]]] = []  # person, event, referral, history

    def add(self, received_at: dt.datetime) -> None:
        rng, team = self.rng, self.team
        self.serial += 1
        repeat = bool(self.known) and rng.random() < REPEAT_SHARE
        if repeat:
            person = rng.choice(self.known)
        else:
            person = _person(rng, self.today)
            self.new_people.append((person, {
                "program_id": self.program.pk, "public_id": uuid.uuid4(), "first_name": person.first_name,
                "last_name": person.last_name, "preferred_name": person.preferred_name,
                "name_key": name_key(person.first_name, person.last_name), "date_of_birth": person.date_of_birth,
                "address": person.address, "location_notes": person.location_notes,
                "preferred_language": person.preferred_language, "created_at": received_at}))
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
        status = _pick(rng, next(weights for limit, weights in STATUS_WEIGHTS_BY_AGE
                                 if limit is None or age_hours < limit))
        walk, reason = _status_walk(rng, status)
        times = _step_times(rng, received_at, walk, self.now)

        history = [{"kind": STATUS_CHANGE, "from_status": "", "to_status": Status.RECEIVED,
                    "changed_by_id": referred_by_id, "changed_at": received_at}]
        previous, assignee = Status.RECEIVED, None
        for index, (step, at) in enumerate(zip(walk, times, strict=True)):
            if step == Status.ASSIGNED:
                assignee = rng.choice(team.assignable)
                history.append({"kind": ASSIGNMENT, "from_status": previous, "to_status": step,
                                "assigned_to_id": assignee.user_id,
                                "changed_by_id": rng.choice(team.supervisors).user_id, "changed_at": at})
                if len(team.assignable) > 1 and rng.random() < 0.06:  # handed to a colleague later
                    next_at = times[index + 1] if index + 1 < len(times) else self.now
                    assignee = rng.choice([m for m in team.assignable if m != assignee])
                    history.append({"kind": ASSIGNMENT, "from_status": step, "to_status": step,
                                    "assigned_to_id": assignee.user_id,
                                    "changed_by_id": rng.choice(team.supervisors).user_id,
                                    "changed_at": at + (next_at - at) * rng.uniform(0.1, 0.9)})
            else:
                by = assignee if assignee and rng.random() < 0.8 else rng.choice(team.supervisors)
                history.append({"kind": STATUS_CHANGE, "from_status": previous, "to_status": step,
                                "reason": reason if step == Status.CLOSED else "", "changed_by_id": by.user_id,
                                "changed_at": at})
            previous = step

        event = _overdose(rng, source, received_at)
        event["program_id"] = self.program.pk
        referral = {
            "program_id": self.program.pk, "public_id": uuid.uuid4(), "source": source, "channel": channel,
            "referring_agency_id": agency.pk if agency else None, "referred_by_id": referred_by_id,
            "referrer_name": referrer_name, "referrer_contact": referrer_contact, "external_id": external_id,
            "received_at": received_at, "available_from": available_from, "acuity_id": acuity.pk,
            "contact_deadline": contact_deadline(received_at=received_at, available_from=available_from,
                                                 window_hours=acuity.window_hours, zone=self.zone),
            "status": status, "closed_reason": reason, "assigned_to_id": assignee.user_id if assignee else None,
            "consent_to_contact": rng.choice([True, True, None]) if channel != Channel.PUBLIC_FORM else True,
            "notes": rng.choice(NOTES), "submitted_participant": person.submitted(),
            "match_result": "exact" if repeat else "new", "created_at": received_at,
        }
        self.referrals.append((person, event, referral, history))

    def write(self) -> None:
        """Save the planned rows, parents first, each pointing at the ids reserved for its parent."""
        tables = self.tables
        ids = tables[Participant].reserve_ids(len(self.new_people))
        for pk, (person, _) in zip(ids, self.new_people, strict=True):
            person.participant_id = pk
        tables[Participant].insert([(person.participant_id, row) for person, row in self.new_people])
        phones = [{"participant_id": person.participant_id, "number": person.phone, "created_at": row["created_at"]}
                  for person, row in self.new_people if person.phone]
        tables[ParticipantPhone].insert(list(zip(tables[ParticipantPhone].reserve_ids(len(phones)), phones,
                                                 strict=True)))
        event_ids = tables[OverdoseEvent].reserve_ids(len(self.referrals))
        referral_ids = tables[Referral].reserve_ids(len(self.referrals))
        events, referrals, history = [], [], []
        for event_id, referral_id, (person, event, referral, changes) in zip(event_ids, referral_ids, self.referrals,
                                                                              strict=True):
            event["participant_id"] = referral["participant_id"] = person.participant_id
            referral["overdose_event_id"] = event_id
            events.append((event_id, event))
            referrals.append((referral_id, referral))
            for change in changes:
                change["referral_id"] = referral_id
                history.append(change)
        tables[OverdoseEvent].insert(events)
        tables[Referral].insert(referrals)
        tables[ReferralChange].insert(list(zip(tables[ReferralChange].reserve_ids(len(history)), history,
                                               strict=True)))
        self._reset()


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
            person = _Person(NAME_VARIANTS[original.first_name], original.last_name, "", original.date_of_birth,
                             "", "", rng.choice(LOCATION_NOTES), original.preferred_language)
        elif kind == "repeat":
            original = with_birth_date.pop(rng.randrange(len(with_birth_date)))
            person = _Person(original.first_name, original.last_name, "", original.date_of_birth, original.phone,
                             original.address, original.location_notes or rng.choice(LOCATION_NOTES),
                             original.preferred_language)
        else:
            person = _person(rng, today)
        source = _pick(rng, ((Source.EMERGENCY_DEPARTMENT, 50), (Source.TWO_ONE_ONE, 30), (Source.SELF, 10),
                             (Source.FAMILY, 10)))
        agency, partner = team.sender(source)
        received_at = now - dt.timedelta(hours=rng.uniform(0.1, 36))
        public = source in (Source.SELF, Source.FAMILY)
        submission = ReferralSubmission(
            source=source, participant=person.details(), received_at=received_at,
            acuity=rng.choices(levels, level_weights)[0].code,
            overdose=OverdoseDetails(occurred_at=received_at - dt.timedelta(hours=rng.uniform(1, 8)),
                                     location=rng.choice(OVERDOSE_LOCATIONS), substances=["fentanyl"],
                                     naloxone_doses=rng.choice([1, 2]), naloxone_given_by="ems",
                                     transported=source == Source.EMERGENCY_DEPARTMENT),
            consent_to_contact=True if public else None,
            referrer_name=f"{rng.choice(FIRST_NAMES)} {person.last_name} (family)" if source == Source.FAMILY else "",
            referrer_contact=_phone(rng) if source == Source.FAMILY else "",
        )
        referral_intake(program=program, submission=submission,
                        channel=Channel.PUBLIC_FORM if public else Channel.STAFF_FORM,
                        agency=None if public else agency, submitted_by=None if public else partner, now=now)
