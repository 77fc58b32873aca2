"""The contact attempts behind each referral's status (`demo_referrals_create(outreach=True)`)."""

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from port.accounts.models import Membership, OrganizationKind, Program, User
from port.demo.cast import Team
from port.demo.names import Person, pick
from port.outreach.models import (
    CLOSING_OUTCOMES,
    CONTACT_OUTCOMES,
    Mode,
    Outcome,
    Place,
    TeamRole,
)
from port.outreach.services import (
    TeamMemberIn,
    contact_attempt_record,
)
from port.referrals.models import (
    ClosingReason,
    Referral,
    ReferralChange,
    Status,
)

STATUS_CHANGE, ASSIGNMENT = ReferralChange.Kind.STATUS, ReferralChange.Kind.ASSIGNMENT


# Failed tries, by how they were made, and how often each outcome comes up.
FAILED_OUTCOMES: dict[str, tuple[tuple[str, int], ...]] = {
    Mode.PHONE: ((Outcome.NO_ANSWER, 45), (Outcome.LEFT_MESSAGE, 45), (Outcome.WRONG_NUMBER, 10)),
    Mode.TEXT: ((Outcome.NO_ANSWER, 60), (Outcome.LEFT_MESSAGE, 40)),
    Mode.IN_PERSON: ((Outcome.NOT_AT_ADDRESS, 75), (Outcome.NO_ANSWER, 25)),
    Mode.OTHER: ((Outcome.LEFT_MESSAGE, 100),),
}
# Notes a peer might write: short, and never a word about the overdose (whoever answers may not know).
ATTEMPT_NOTES: dict[tuple[str, str], tuple[str, ...]] = {
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
class Attempts:
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


class AttemptPlanner:
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

    def __init__(self, *, rng: random.Random, program: Program, team: Team, now: dt.datetime) -> None:
        self.rng, self.team, self.now = rng, team, now
        self.min_attempts = program.attempt_policy_min_attempts
        self.min_days = program.attempt_policy_min_days
        self.min_modes = program.attempt_policy_min_modes
        self.zone = program.zone

    @staticmethod
    def _ways(person: Person) -> list[tuple[str, int]]:
        """How the person can be tried, and how often peers use each way."""
        if person.phone:
            return [(Mode.PHONE, 40), (Mode.TEXT, 20), (Mode.IN_PERSON, 35), (Mode.OTHER, 5)]
        return [(Mode.IN_PERSON, 85), (Mode.OTHER, 15)]

    def fit_times(self, *, walk: list[str], times: list[dt.datetime], reason: str, person: Person) -> str:
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
        person: Person,
        walk: list[str],
        times: list[dt.datetime],
        reason: str,
        attempter: Membership,
        available_from: dt.datetime | None,
        history: list[dict],
    ) -> "Attempts | None":
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
                modes += [pick(rng, ways) for _ in range(len(failed_times) - len(modes))]
                rng.shuffle(modes)
            else:
                count = rng.choice((1, 1, 2, 2, 3))
                horizon = min(end, start + dt.timedelta(days=10))
                failed_times = [start, *self._between(start, horizon, count - 1)]
                modes = [pick(rng, ways) for _ in failed_times]
        attempts = []
        for when, planned_mode in zip(failed_times, modes, strict=True):
            mode = planned_mode if any(m == planned_mode for m, _w in ways) else Mode.IN_PERSON
            outcomes: Sequence[tuple[str, int]] = FAILED_OUTCOMES[mode]
            if reason == ClosingReason.UNABLE_TO_REACH:  # keeps every way the policy needs open
                outcomes = [(o, w) for o, w in outcomes if o != Outcome.WRONG_NUMBER]
            outcome = pick(rng, outcomes)
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
        return Attempts(attempter=attempter, received_at=history[0]["changed_at"], attempts=attempts)

    def _attempt(
        self,
        when: dt.datetime,
        mode: str,
        outcome: str,
        person: Person,
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
                    fire = responder.agency is not None and responder.agency.kind == OrganizationKind.FIRE
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


def open_attempts_record(planned: list[Attempts]) -> None:
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
