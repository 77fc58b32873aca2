"""Referrals in every status, quickly and deterministically for a seed (`demo_referrals_create`).

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

from django.db import transaction
from django.utils import timezone

from port.accounts.models import AcuityLevel, Membership, Program
from port.demo.attempts import ASSIGNMENT, STATUS_CHANGE, AttemptPlanner, Attempts, open_attempts_record
from port.demo.cast import Team
from port.demo.names import FIRST_NAMES, LOCATION_NOTES, NAME_VARIANTS, Person, fictional_phone, person_make, pick
from port.demo.tables import Table
from port.outreach.models import (
    ContactAttempt,
    TeamMember,
)
from port.participants.models import Participant, ParticipantPhone
from port.participants.normalize import name_key
from port.referrals.clock import contact_deadline
from port.referrals.intake import OverdoseDetails, ReferralSubmission, referral_intake
from port.referrals.models import (
    Channel,
    ClosingReason,
    OverdoseEvent,
    Referral,
    ReferralChange,
    Source,
    Status,
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
# How a closed referral got there: the last status before closing, and how often.
CLOSING = (
    (ClosingReason.ENGAGED_IN_TREATMENT, Status.REACHED, 15),
    (ClosingReason.GOALS_MET, Status.REACHED, 20),
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
        steps: list[str] = [Status.ASSIGNED, Status.ATTEMPTING] if rng.random() < 0.8 else [Status.ASSIGNED]
        return [*steps, Status.REACHED], ""
    reason, before = pick(rng, [((reason, before), weight) for reason, before, weight in CLOSING])
    walk, _ = _status_walk(rng, before)
    return [*walk, Status.CLOSED], reason


# Hours from the previous step to each status, as (low, high).
STEP_HOURS: dict[str, tuple[float, float]] = {
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
    responders: dict[str, str] = {Source.EMS: "ems", Source.FIRE: "fire", Source.LAW_ENFORCEMENT: "law_enforcement"}
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
    status history implies (see `AttemptPlanner`), and its first-attempt and first-contact stamps.
    The newest `attempts_through_service` open ones are logged through the real
    `contact_attempt_record`; the rest are written in the batches. Off by default: the benchmark
    makes 100,000 referrals and needs no attempts.
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    team = Team.of(program)
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


class _Batch:
    """Plans referrals (with their participants, overdose events and history) and writes them."""

    def __init__(
        self,
        *,
        rng: random.Random,
        program: Program,
        team: Team,
        levels: list[AcuityLevel],
        level_weights: list[float],
        now: dt.datetime,
        serial: int,
        outreach_rng: random.Random | None = None,
    ) -> None:
        self.rng, self.program, self.team, self.now, self.serial = rng, program, team, now, serial
        self.levels, self.level_weights = levels, level_weights
        self.zone = program.zone
        self.today = program.today(at=now)
        self.known: deque[Person] = deque(maxlen=5000)  # recent participants, for repeat overdoses
        models_written = [Participant, ParticipantPhone, OverdoseEvent, Referral, ReferralChange]
        self.outreach = outreach_rng and AttemptPlanner(rng=outreach_rng, program=program, team=team, now=now)
        if self.outreach:
            models_written += [ContactAttempt, TeamMember]
        self.tables = {model: Table(model) for model in models_written}
        # Attempts of open referrals, kept until every batch is written: the newest go through the service.
        self.open_attempts: list[Attempts] = []
        self._reset()

    def _reset(self) -> None:
        self.new_people: list[tuple[Person, dict]] = []
        # person, event, referral, history, and the referral's attempts (with outreach)
        self.referrals: list[tuple[Person, dict, dict, list[dict], Attempts | None]] = []

    def add(self, received_at: dt.datetime) -> None:
        rng, team = self.rng, self.team
        self.serial += 1
        repeat = bool(self.known) and rng.random() < REPEAT_SHARE
        if repeat:
            person = rng.choice(self.known)
        else:
            person = person_make(rng, self.today)
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

        source = pick(rng, SOURCE_WEIGHTS)
        agency, partner = team.sender(source)
        channel, referred_by, external_id, referrer_name, referrer_contact = Channel.STAFF_FORM, None, "", "", ""
        if source in (Source.SELF, Source.FAMILY):
            channel = Channel.PUBLIC_FORM
            if source == Source.FAMILY:
                relation = rng.choice(["sister", "mother", "partner", "friend", "son", "aunt"])
                referrer_name = f"{rng.choice(FIRST_NAMES)} {person.last_name} ({relation})"
                referrer_contact = fictional_phone(rng)
        elif source == Source.EMERGENCY_DEPARTMENT and agency:
            channel = pick(rng, ((Channel.API, 50), (Channel.CSV, 30), (Channel.STAFF_FORM, 20)))
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
        status = pick(
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
        previous: str = Status.RECEIVED
        assignee: Membership | None = None
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
        tables[Participant].insert(list(zip(ids, (row for _, row in self.new_people), strict=True)))
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
        events: list[tuple[int, dict]] = []
        referrals: list[tuple[int, dict]] = []
        history: list[dict] = []
        closed_attempts: list[Attempts] = []
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

    def _insert_attempts(self, planned: list["Attempts"]) -> None:
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
        open_attempts_record(by_service)
        self.open_attempts = []


def _through_intake(
    *,
    rng: random.Random,
    program: Program,
    team: Team,
    count: int,
    known: list[Person],
    levels: list[AcuityLevel],
    level_weights: list[float],
    today: dt.date,
    now: dt.datetime,
) -> None:
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
            person = Person(
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
            person = Person(
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
            person = person_make(rng, today)
        source = pick(
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
            referrer_contact=fictional_phone(rng) if source == Source.FAMILY else "",
        )
        referral_intake(
            program=program,
            submission=submission,
            channel=Channel.PUBLIC_FORM if public else Channel.STAFF_FORM,
            agency=None if public else agency,
            submitted_by=None if public else partner,
            now=now,
        )
