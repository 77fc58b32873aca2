"""The team's field work in the demo program, through the real services: naloxone lots received at the
office and carried in each peer's bag, supporters, visits and calls with what was given and taught.
"""

import dataclasses
import datetime as dt
import random
import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from port.accounts.models import Membership, Program, User
from port.accounts.roles import TEAM_ROLES, Role
from port.demo.names import FIRST_NAMES, LAST_NAMES, fictional_phone, pick
from port.outreach.models import (
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
from port.participants.models import Participant
from port.referrals.models import (
    Referral,
    ReferralChange,
    Source,
    Status,
)
from port.supplies.models import StockBalance, StockLocation, StockMovement, SupplyItem
from port.supplies.services import DEFAULT_LOCATION_NAME, stock_receive_delivery, stock_transfer

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
VISIT_NOTES: dict[str, tuple[str, ...]] = {
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
READINESS: dict[str, tuple[int, int]] = {
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

    @property
    def saved(self) -> Supporter:
        """The supporter, once saved (before any visit is recorded)."""
        assert self.supporter is not None  # demo_field_work_create saves every plan before the visits
        return self.supporter


@dataclass
class _Given:
    kind: str
    item: str = ""  # the supply item's name, for supplies
    quantity: int = 1
    recipient: str = EncounterItem.Recipient.PARTICIPANT
    supporter: _SupporterPlan | None = None


@dataclass
class Visit:
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


def demo_field_work_create(
    *, program: Program, memberships: dict[str, Membership], seed: int, now: dt.datetime
) -> tuple[list[Visit], Visit | None]:
    """The team's work beyond attempts, through the real services: a bag of supplies for each peer,
    stocked from naloxone lots received at the office; supporters, with and without the participant's
    agreement; visits and calls with what was given and taught. Returns the visits, in time order, and
    the one whose participant asks to be handed off to the recovery center (for demo_consents_create).

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
    return visits, handoff


def _plan_visits(
    *,
    rng: random.Random,
    program: Program,
    team: dict[int, Membership],
    users: dict[int, User],
    office: StockLocation,
    bags: dict[int, StockLocation],
    now: dt.datetime,
) -> tuple[list[Visit], list[_SupporterPlan]]:
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
    visits: list[Visit] = []
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
        visit = Visit(
            by=by,
            participant=participant,
            referral=referral,
            attempt=attempt,
            occurred_at=attempt.attempted_at,
            mode=attempt.mode,
            place=attempt.place,
            location=bags.get(by.user_id, office),
            team=[
                TeamMemberIn(role=m.role, user=users.get(m.user_id) if m.user_id is not None else None, name=m.name)
                for m in attempt.team.all()
            ],
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
            follow_up = Visit(
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
        assert referral.assigned_to_id is not None  # the query keeps assigned referrals only
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


def _ensure_a_kit_for_a_supporter(visits: list[Visit]) -> None:
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
    *,
    rng: random.Random,
    referral: Referral,
    participant: Participant,
    by: Membership,
    referred_at: dt.datetime,
    named_at: dt.datetime | None = None,
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
        phone = fictional_phone(rng) if rng.random() < 0.8 else ""
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


def _plan_talk(rng: random.Random, visit: Visit, *, declined: bool, after: Visit | None = None) -> None:
    """How long, the stage of change and readiness, and the person's own goals and next steps."""
    spanish = visit.participant.preferred_language == "Spanish"
    stage = pick(rng, STAGE_WEIGHTS) if not declined else rng.choice([StageOfChange.PRECONTEMPLATION, ""])
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


def _plan_given(rng: random.Random, visit: Visit, agreed: list[_SupporterPlan]) -> None:
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


def _plan_handoff(visits: list[Visit]) -> Visit | None:
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


def _stock_up(
    *,
    program: Program,
    supervisor: Membership,
    team: dict[int, Membership],
    office: StockLocation,
    bags: dict[int, StockLocation],
    visits: list[Visit],
) -> dict[str, list]:
    """Receive lots at the office and fill each peer's bag with what their visits will give and a little
    more. Returns the program's lots per item name, earliest expiry first."""
    items = {item.name: item for item in SupplyItem.objects.filter(program=program)}
    needs: dict[tuple[int, str], int] = {}
    for visit in visits:
        for given in visit.given:
            if given.item:
                key = (visit.location.pk, given.item)
                needs[key] = needs.get(key, 0) + given.quantity
    today = program.today()
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


def _visit_record(visit: Visit, lots: dict[str, list]) -> Encounter:
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
        supporters_present=[plan.saved for plan in visit.present],
        team=visit.team,
        items=items,
        **visit.data,
    )
    if visit.attempt is not None:
        return encounter_record(by=visit.by, participant=visit.participant, data=data, attempt=visit.attempt)
    return encounter_record(by=visit.by, participant=visit.participant, data=data, referral=visit.referral)


def _backdate(
    *,
    encounters: list[tuple[Encounter, Visit]],
    supporters: list[_SupporterPlan],
    program: Program,
    now: dt.datetime,
    rng: random.Random,
) -> None:
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
        Supporter.objects.filter(pk=plan.saved.pk).update(
            created_at=plan.added_at, consent_recorded_at=plan.agreed_at if plan.fields["consent_to_contact"] else None
        )


def demo_visit_with_ems_create(*, program: Program, ems: Membership, now: dt.datetime) -> None:
    """Make sure demo-ems has a visit sheet to open: unless the attempts already name them on a visit in
    the sheet's window, a home visit with them along on the newest assigned (else attempting) referral,
    through the real outreach service. No such referral, nothing."""
    from port.casefile.visit_sheet import VISIT_SHEET_DAYS

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
    assert referral.assigned_to_id is not None  # assigned and attempting referrals have an assignee
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
