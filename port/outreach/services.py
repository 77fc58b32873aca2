"""Writes for outreach: contact attempts (which drive the referral's status), supporters, encounters
(with what was given from inventory), edits within the lock period, and addenda after it."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import Membership, OrganizationKind, Program, User
from port.accounts.roles import TEAM_ROLES, Role
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.outreach import barc10
from port.outreach.models import (
    CLOSING_OUTCOMES,
    CONTACT_OUTCOMES,
    ContactAttempt,
    Encounter,
    EncounterAddendum,
    EncounterItem,
    Mode,
    Outcome,
    Place,
    RecoveryCapitalAssessment,
    StageOfChange,
    Supporter,
    TeamMember,
    TeamRole,
    TextTemplate,
)
from port.participants.models import Participant
from port.referrals.models import Referral, Status
from port.referrals.services import referral_transition
from port.supplies.models import Lot, StockLocation
from port.supplies.services import StockRefused, stock_distribute

CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_DURATION_MINUTES = 24 * 60
# Attempts after which an encounter can be recorded: someone was reached and talked with the team.
ENCOUNTER_OUTCOMES = frozenset({Outcome.REACHED_PARTICIPANT, Outcome.REACHED_SUPPORTER, Outcome.DECLINED})


class OutreachRefused(Exception):
    """A change that cannot be made; the message says why."""


@dataclass
class TeamMemberIn:
    role: str
    user: User | None = None
    name: str = ""


def _check_team(by: Membership, referral_or_participant: Referral | Participant) -> None:
    if by.role not in TEAM_ROLES or referral_or_participant.program_id != by.program_id:
        raise OutreachRefused(_("You cannot record outreach for this person."))


def _check_choice(value: str, choices: type[models.Choices], message: str, *, blank: bool = False) -> None:
    if not (value in choices.values or (blank and value == "")):
        raise OutreachRefused(message)


def _check_how(*, mode: str, place: str) -> None:
    _check_choice(mode, Mode, _("Choose how: in person, phone, text or other."))
    _check_choice(place, Place, _("Choose where from the list."), blank=True)


def _add_team(team: list[TeamMemberIn], *, program_id: int, **parent: Any) -> None:
    """Who went: users of the program's team, or named people (EMS, police) with a role."""
    for member in team:
        _check_choice(member.role, TeamRole, _("Choose a role for everyone who went."))
        if member.user is None and not member.name.strip():
            raise OutreachRefused(_("Give the name of everyone who went."))
    user_ids = {m.user.pk for m in team if m.user is not None}
    members = (
        {
            m.user_id: m
            for m in Membership.objects.filter(
                program_id=program_id,
                user_id__in=user_ids,
                role__in=TEAM_ROLES | {Role.FIRST_RESPONDER},
                is_active=True,
            ).select_related("agency")
        }
        if user_ids
        else {}
    )
    if len(members) != len(user_ids):
        raise OutreachRefused(_("Only members of the program's team can be named as users; add others by name."))
    for member in team:
        # An EMS/fire partner with a login went as EMS or fire, whatever the form said.
        partner = members.get(member.user.pk) if member.user is not None else None
        if partner is not None and partner.role == Role.FIRST_RESPONDER:
            member.role = (
                TeamRole.FIRE if partner.agency and partner.agency.kind == OrganizationKind.FIRE else TeamRole.EMS
            )
    TeamMember.objects.bulk_create(
        TeamMember(user=m.user, name="" if m.user else m.name.strip()[:100], role=m.role, **parent) for m in team
    )


@transaction.atomic
def contact_attempt_record(
    *,
    by: Membership,
    referral: Referral,
    mode: str,
    outcome: str,
    attempted_at: dt.datetime | None = None,
    place: str = "",
    team: list[TeamMemberIn] | None = None,
    supporter: Supporter | None = None,
    note: str = "",
) -> ContactAttempt:
    """Log one try to reach the person, and move the referral along:

    the first attempt stamps `first_attempt_at` (assigned -> attempting); the first contact with the
    participant stamps `first_contact_at` (-> reached); deceased, moved and incarcerated close it with
    that reason. Stamps are the earliest attempt's time, so a back-dated entry corrects them.
    """
    _check_team(by, referral)
    _check_how(mode=mode, place=place)
    _check_choice(outcome, Outcome, _("Choose the outcome."))
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    now = timezone.now()
    attempted_at = attempted_at or now
    if attempted_at > now + CLOCK_SKEW:
        raise OutreachRefused(_("The attempt time is in the future."))
    if attempted_at < referral.received_at - CLOCK_SKEW:
        raise OutreachRefused(_("The attempt time is before the referral was received."))
    if referral.status == Status.CLOSED:
        raise OutreachRefused(_("This referral is closed."))
    if referral.assigned_to_id is None:
        raise OutreachRefused(_("Assign this referral to a peer before logging attempts."))
    if outcome == Outcome.REACHED_SUPPORTER:
        if supporter is None:
            raise OutreachRefused(_("Choose which supporter was reached."))
    if supporter is not None:
        if supporter.participant_id != referral.participant_id:
            raise OutreachRefused(_("That supporter belongs to another participant."))
        if not supporter.consent_to_contact:
            raise OutreachRefused(_("The participant has not agreed that the team may talk with this supporter."))
    attempt = ContactAttempt.objects.create(
        program_id=referral.program_id,
        referral=referral,
        participant_id=referral.participant_id,
        attempted_at=attempted_at,
        mode=mode,
        place=place,
        outcome=outcome,
        supporter=supporter,
        note=note.strip()[:300],
        recorded_by=by.user,
        recorded_at=now,
    )
    team = team or [TeamMemberIn(role="peer", user=by.user)]
    _add_team(team, program_id=referral.program_id, attempt=attempt)

    stamps = []
    if referral.first_attempt_at is None or attempted_at < referral.first_attempt_at:
        referral.first_attempt_at = attempted_at
        stamps.append("first_attempt_at")
    if outcome in CONTACT_OUTCOMES and (referral.first_contact_at is None or attempted_at < referral.first_contact_at):
        referral.first_contact_at = attempted_at
        stamps.append("first_contact_at")
    if stamps:
        referral.save(update_fields=[*stamps, "updated_at"])
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="outreach.contactattempt",
        target_ids=[attempt.pk],
        participant_ids=[referral.participant_id],
        changes={"outcome": outcome, "mode": mode},
    )

    # The status follows the attempts.
    if referral.status == Status.ASSIGNED and outcome not in CONTACT_OUTCOMES:
        referral = referral_transition(referral=referral, to_status=Status.ATTEMPTING, by=by)
    if outcome in CONTACT_OUTCOMES and referral.status in (Status.ASSIGNED, Status.ATTEMPTING):
        referral = referral_transition(referral=referral, to_status=Status.REACHED, by=by)
    if outcome in CLOSING_OUTCOMES:
        referral_transition(
            referral=referral, to_status=Status.CLOSED, by=by, reason=CLOSING_OUTCOMES[outcome], follows_outcome=True
        )
    return attempt


@dataclass
class PolicyStatus:
    attempts: int
    days: int
    modes: int
    exhausted: bool


def attempt_policy_status(*, referral: Referral, attempts: list[ContactAttempt]) -> PolicyStatus:
    """Whether the program's attempt policy is used up without contact (then closing is offered)."""
    program = referral.program
    if not attempts:
        return PolicyStatus(0, 0, 0, False)
    first = min(a.attempted_at for a in attempts)
    last = max(a.attempted_at for a in attempts)
    days = (program.today(at=last) - program.today(at=first)).days + 1
    modes = len({a.mode for a in attempts})
    exhausted = (
        referral.first_contact_at is None
        and referral.status != Status.CLOSED
        and len(attempts) >= program.attempt_policy_min_attempts
        and days >= program.attempt_policy_min_days
        and modes >= program.attempt_policy_min_modes
    )
    return PolicyStatus(len(attempts), days, modes, exhausted)


SUPPORTER_FIELDS = ("first_name", "last_name", "relationship", "phone", "contact_notes", "consent_to_contact", "needs")


@transaction.atomic
def supporter_save(
    *, by: Membership, participant: Participant, supporter: Supporter | None = None, **fields: Any
) -> Supporter:
    """Create or change a supporter; recording the participant's agreement stamps who and when."""
    _check_team(by, participant)
    unknown = set(fields) - set(SUPPORTER_FIELDS)
    if unknown:
        raise OutreachRefused(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    creating = supporter is None
    before = {} if supporter is None else model_to_dict(supporter)
    supporter = supporter or Supporter(program_id=participant.program_id, participant=participant)
    if supporter.participant_id != participant.pk:
        raise OutreachRefused(_("That supporter belongs to another participant."))
    consent_before = supporter.consent_to_contact
    for name, value in fields.items():
        setattr(supporter, name, value.strip() if isinstance(value, str) else value)
    if not supporter.first_name:
        raise OutreachRefused(_("Give the supporter's first name (or the name the participant uses for them)."))
    if not supporter.relationship:
        raise OutreachRefused(_("Say how the supporter is related to the participant, e.g. mother or friend."))
    if supporter.consent_to_contact and not consent_before:
        supporter.consent_recorded_at = timezone.now()
        supporter.consent_recorded_by = by.user
    if not supporter.consent_to_contact:
        supporter.consent_recorded_at = None
        supporter.consent_recorded_by = None
    supporter.save()
    after = model_to_dict(supporter)
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        by=by,
        target_type="outreach.supporter",
        target_ids=[supporter.pk],
        participant_ids=[participant.pk],
        changes={
            k: [before.get(k), after[k]]
            for k in after
            if before.get(k) != after[k] and k in {"consent_to_contact", "relationship"}
        },
    )
    return supporter


@dataclass
class ItemIn:
    kind: str
    quantity: int = 1
    recipient_type: str = EncounterItem.Recipient.PARTICIPANT
    supporter: Supporter | None = None
    lot: Lot | None = None
    location: StockLocation | None = None


@dataclass
class EncounterIn:
    mode: str
    occurred_at: dt.datetime | None = None
    place: str = ""
    duration_minutes: int | None = None
    participant_present: bool = True
    supporters_present: list[Supporter] = field(default_factory=list)
    stage_of_change: str = ""
    readiness: int | None = None
    goals: str = ""
    next_steps: str = ""
    notes: str = ""
    team: list[TeamMemberIn] = field(default_factory=list)
    items: list[ItemIn] = field(default_factory=list)


def _validate_encounter(participant: Participant, data: EncounterIn) -> None:
    now = timezone.now()
    if data.occurred_at and data.occurred_at > now + CLOCK_SKEW:
        raise OutreachRefused(_("The encounter time is in the future."))
    _check_how(mode=data.mode, place=data.place)
    _check_choice(data.stage_of_change, StageOfChange, _("Choose the stage of change from the list."), blank=True)
    if data.duration_minutes is not None and not 0 <= data.duration_minutes <= MAX_DURATION_MINUTES:
        raise OutreachRefused(_("The duration is a number of minutes, at most 24 hours."))
    if data.readiness is not None and not 0 <= data.readiness <= 10:
        raise OutreachRefused(_("Readiness is a number from 0 to 10."))
    if not data.participant_present and not data.supporters_present:
        raise OutreachRefused(_("Say who was present: the participant or at least one supporter."))
    for supporter in data.supporters_present:
        if supporter.participant_id != participant.pk:
            raise OutreachRefused(_("That supporter belongs to another participant."))
        if not supporter.consent_to_contact:
            raise OutreachRefused(
                _("%(name)s can only take part once the participant has agreed the team may talk with them.")
                % {"name": supporter.first_name}
            )


@transaction.atomic
def encounter_record(
    *,
    by: Membership,
    participant: Participant,
    data: EncounterIn,
    referral: Referral | None = None,
    attempt: ContactAttempt | None = None,
) -> Encounter:
    """Record a visit, call or text exchange that reached someone, and everything given and taught.

    Supplies are taken from inventory at the chosen location (StockRefused if there is not enough);
    the whole encounter is saved or nothing is.
    """
    _check_team(by, participant)
    if attempt is not None:
        if attempt.participant_id != participant.pk or attempt.program_id != participant.program_id:
            raise OutreachRefused(_("That attempt was about another person."))
        if attempt.outcome not in ENCOUNTER_OUTCOMES:
            raise OutreachRefused(_("That attempt reached nobody; log a new attempt that reached the person."))
        if Encounter.objects.filter(attempt=attempt).exists():
            raise OutreachRefused(_("An encounter has already been recorded for that attempt."))
        if referral is not None and referral.pk != attempt.referral_id:
            raise OutreachRefused(_("That attempt belongs to another referral."))
        referral = attempt.referral
    if referral is not None:
        # Re-read under a lock: a stale copy (loaded before an assignment) would skip the contact stamp.
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral is not None and referral.participant_id != participant.pk:
        raise OutreachRefused(_("That referral is about another person."))
    _validate_encounter(participant, data)
    if (
        attempt is None
        and referral is not None
        and referral.first_contact_at is None
        and referral.is_open
        and referral.assigned_to_id is not None
    ):
        # A visit nobody logged an attempt for is still the first contact: record it as an attempt, so
        # the referral's stamps and status keep following the attempts.
        attempt = contact_attempt_record(
            by=by,
            referral=referral,
            mode=data.mode,
            place=data.place,
            attempted_at=data.occurred_at,
            outcome=Outcome.REACHED_PARTICIPANT if data.participant_present else Outcome.REACHED_SUPPORTER,
            supporter=None if data.participant_present else data.supporters_present[0],
            team=data.team,
        )
    encounter = Encounter.objects.create(
        program_id=participant.program_id,
        participant=participant,
        referral=referral,
        attempt=attempt,
        occurred_at=data.occurred_at or timezone.now(),
        mode=data.mode,
        place=data.place,
        duration_minutes=data.duration_minutes,
        participant_present=data.participant_present,
        stage_of_change=data.stage_of_change,
        readiness=data.readiness,
        goals=data.goals.strip(),
        next_steps=data.next_steps.strip(),
        notes=data.notes.strip(),
        author=by.user,
    )
    encounter.supporters_present.set(data.supporters_present)
    _add_team(
        data.team or [TeamMemberIn(role="peer", user=by.user)], program_id=participant.program_id, encounter=encounter
    )
    for item in data.items:
        _add_item(by=by, encounter=encounter, item=item)
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="outreach.encounter",
        target_ids=[encounter.pk],
        participant_ids=[participant.pk],
        changes={"items": [[i.kind, i.quantity] for i in data.items]},
    )
    return encounter


def _add_item(*, by: Membership, encounter: Encounter, item: ItemIn) -> EncounterItem:
    _check_choice(item.kind, EncounterItem.Kind, _("Choose what was given or taught from the list."))
    _check_choice(item.recipient_type, EncounterItem.Recipient, _("Choose who received it."))
    if item.recipient_type == EncounterItem.Recipient.SUPPORTER:
        if item.supporter is None or item.supporter.participant_id != encounter.participant_id:
            raise OutreachRefused(_("Choose which supporter received it."))
        if not item.supporter.consent_to_contact:
            raise OutreachRefused(_("The participant has not agreed that the team may talk with this supporter."))
    if item.kind == EncounterItem.Kind.SUPPLY:
        if item.lot is None or item.location is None:
            raise OutreachRefused(_("Choose the lot and where the supplies came from."))
        supply_item = item.lot.item
    else:
        supply_item = None
    if item.quantity < 1:
        raise OutreachRefused(_("The quantity must be at least 1."))
    movement = None
    if item.kind == EncounterItem.Kind.SUPPLY:
        assert item.lot is not None and item.location is not None  # a supply without them was refused above
        try:
            movement = stock_distribute(by=by, lot=item.lot, location=item.location, quantity=item.quantity)
        except StockRefused as exc:
            raise OutreachRefused(str(exc)) from exc
    return EncounterItem.objects.create(
        encounter=encounter,
        kind=item.kind,
        supply_item=supply_item,
        lot=item.lot if supply_item else None,
        movement=movement,
        quantity=item.quantity,
        recipient_type=item.recipient_type,
        supporter=item.supporter if item.recipient_type == EncounterItem.Recipient.SUPPORTER else None,
    )


def encounter_locked(encounter: Encounter, now: dt.datetime | None = None) -> bool:
    """Encounters are editable by their author for the program's edit period, then locked."""
    now = now or timezone.now()
    return now > encounter.created_at + dt.timedelta(hours=encounter.program.encounter_edit_hours)


class EditConflict(OutreachRefused):
    """Someone else saved this encounter after you opened it. `current` is their version."""

    def __init__(self, current: Encounter) -> None:
        super().__init__(
            _(
                "Someone else saved this encounter after you opened it. Nothing was overwritten: "
                "compare the two versions below and save again."
            )
        )
        self.current = current


EDITABLE_FIELDS = (
    "occurred_at",
    "mode",
    "place",
    "duration_minutes",
    "participant_present",
    "stage_of_change",
    "readiness",
    "goals",
    "next_steps",
    "notes",
)
NARRATIVE_FIELDS = frozenset({"goals", "next_steps", "notes"})


@transaction.atomic
def encounter_update(*, by: Membership, encounter: Encounter, version: int, **changes: Any) -> Encounter:
    """Change an encounter's narrative fields. Only its author, only within the lock period, and only
    if nobody saved since `version` was read (otherwise EditConflict; nothing is overwritten)."""
    current = Encounter.objects.select_for_update().select_related("program").get(pk=encounter.pk)
    if current.program_id != by.program_id or by.role not in TEAM_ROLES:
        raise OutreachRefused(_("You cannot change this encounter."))
    if current.author_id != by.user_id:
        raise OutreachRefused(_("Only the person who wrote this encounter can change it; add an addendum instead."))
    if encounter_locked(current):
        raise OutreachRefused(_("This encounter is locked; add an addendum to correct it."))
    if current.version != version:
        raise EditConflict(current)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise OutreachRefused(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = {k: getattr(current, k) for k in changes}
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) and name in NARRATIVE_FIELDS else value)
    if current.readiness is not None and not 0 <= current.readiness <= 10:
        raise OutreachRefused(_("Readiness is a number from 0 to 10."))
    if current.occurred_at > timezone.now() + CLOCK_SKEW:
        raise OutreachRefused(_("The encounter time is in the future."))
    _check_how(mode=current.mode, place=current.place)
    _check_choice(current.stage_of_change, StageOfChange, _("Choose the stage of change from the list."), blank=True)
    if current.duration_minutes is not None and not 0 <= current.duration_minutes <= MAX_DURATION_MINUTES:
        raise OutreachRefused(_("The duration is a number of minutes, at most 24 hours."))
    if not current.participant_present and not current.supporters_present.exists():
        raise OutreachRefused(_("Say who was present: the participant or at least one supporter."))
    current.version += 1
    current.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        target_type="outreach.encounter",
        target_ids=[current.pk],
        participant_ids=[current.participant_id],
        # The participant's own words are encrypted at rest: the audit trail only says they changed.
        changes={
            k: ("changed" if k in NARRATIVE_FIELDS else [str(before[k]), str(changes[k])])
            for k in changes
            if before[k] != changes[k]
        },
    )
    return current


@transaction.atomic
def encounter_add_addendum(*, by: Membership, encounter: Encounter, text: str) -> EncounterAddendum:
    """Add a correction or addition; the encounter itself stays as it was."""
    if encounter.program_id != by.program_id or by.role not in TEAM_ROLES:
        raise OutreachRefused(_("You cannot add to this encounter."))
    text = text.strip()
    if not text:
        raise OutreachRefused(_("Write the addendum first."))
    addendum = EncounterAddendum.objects.create(encounter=encounter, text=text, author=by.user)
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="outreach.encounteraddendum",
        target_ids=[addendum.pk],
        participant_ids=[encounter.participant_id],
    )
    return addendum


# Seeded for every new program (port.administration.services.program_set_up); the program admin edits them.
# Neutral on purpose: the phone may not be the participant's, so nothing about an overdose, drugs or
# naloxone, and the team is "community outreach". {peer_name} is filled in with the sender's first name.
DEFAULT_TEXT_TEMPLATES = (
    (
        "First message",
        TextTemplate.Language.ENGLISH,
        "Hi, this is {peer_name} with community outreach. I'd like to check in with you. "
        "You can text or call me back at this number whenever it suits you.",
    ),
    (
        "First message",
        TextTemplate.Language.SPANISH,
        "Hola, soy {peer_name} del equipo de alcance comunitario (community outreach). Me gustaría saber cómo "
        "está. Puede escribirme o llamarme a este número cuando le convenga.",
    ),
    (
        "Sorry I missed you",
        TextTemplate.Language.ENGLISH,
        "Hi, this is {peer_name} with community outreach. Sorry I missed you today. I can stop by another "
        "time or we can talk by phone, whatever works for you.",
    ),
    (
        "Sorry I missed you",
        TextTemplate.Language.SPANISH,
        "Hola, soy {peer_name} del equipo de alcance comunitario. Siento no haberle encontrado hoy. Puedo pasar "
        "otro día o podemos hablar por teléfono, como usted prefiera.",
    ),
    (
        "Checking in",
        TextTemplate.Language.ENGLISH,
        "Hi, {peer_name} from community outreach again. Just checking in, no pressure. "
        "Reply any time if you'd like to talk.",
    ),
    (
        "Checking in",
        TextTemplate.Language.SPANISH,
        "Hola, soy {peer_name} del equipo de alcance comunitario otra vez. Solo quería saludarle, sin ningún "
        "compromiso. Responda cuando quiera si desea hablar.",
    ),
)


def text_templates_seed_defaults(*, program: Program) -> None:
    """Give a new program neutral English and Spanish text-message templates (the admin edits them)."""
    TextTemplate.objects.bulk_create(
        [
            TextTemplate(program=program, name=name, language=language, body=body)
            for name, language, body in DEFAULT_TEXT_TEMPLATES
        ],
        ignore_conflicts=True,
    )


# ---- BARC-10 recovery capital ----


class Barc10Invalid(OutreachRefused):
    """Answers that cannot be scored: `errors` has one message per statement (item_1 ... item_10) or field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def barc10_problems(answers: list[object]) -> tuple[list[int], dict[str, str]]:
    """Read ten raw answers (a form's strings, or integers) as 1..6: the answers, and a message for each
    statement that has none or has something else. Messages never repeat what was typed."""
    values: list[int] = []
    errors: dict[str, str] = {}
    if len(answers) != barc10.ITEM_COUNT:
        return [], {"__all__": _("The BARC-10 has ten statements; give an answer to each.")}
    for number, raw in enumerate(answers, start=1):
        field_name = f"item_{number}"
        text = raw.strip() if isinstance(raw, str) else raw
        if text is None or text == "":
            errors[field_name] = _(
                "Statement %(n)d has no answer: choose one from 1 (strongly disagree) to 6 (strongly agree)."
            ) % {"n": number}
            continue
        if isinstance(text, bool) or not (
            isinstance(text, int) or (isinstance(text, str) and text.isascii() and text.isdigit())
        ):
            errors[field_name] = _("Statement %(n)d: the answer must be a number from 1 to 6.") % {"n": number}
            continue
        value = int(text)
        if not barc10.LOWEST <= value <= barc10.HIGHEST:
            errors[field_name] = _(
                "Statement %(n)d: the answer must be from 1 (strongly disagree) to 6 (strongly agree)."
            ) % {"n": number}
            continue
        values.append(value)
    return values, errors


@transaction.atomic
def barc10_record(
    *,
    by: Membership,
    participant: Participant,
    answers: list[object],
    language: str = "en",
    given_at: dt.datetime | None = None,
    referral: Referral | None = None,
    check_in_task_id: int | None = None,
) -> RecoveryCapitalAssessment:
    """Record one BARC-10 for the participant: every statement answered 1..6 (Barc10Invalid says which
    are not, one message each), the total computed here and stored, audited as a create."""
    _check_team(by, participant)
    values, errors = barc10_problems(answers)
    if language not in barc10.LANGUAGES:
        errors["language"] = _("Choose the language the statements were read in: English or Spanish.")
    now = timezone.now()
    given_at = given_at or now
    if given_at > now + CLOCK_SKEW:
        errors["given_at"] = _("The time it was given is in the future.")
    if referral is not None and referral.participant_id != participant.pk:
        errors["referral"] = _("That referral is about someone else.")
    if check_in_task_id is not None and not 0 < check_in_task_id < 2**31:
        errors["task"] = _("The check-in this was opened from is not valid; open the form again from the check-in.")
    if errors:
        raise Barc10Invalid(errors)
    assessment = RecoveryCapitalAssessment(
        program_id=participant.program_id,
        participant=participant,
        referral=referral,
        check_in_task_id=check_in_task_id,
        total=barc10.barc10_total(values),
        language=language,
        given_by=by.user,
        given_at=given_at,
        created_at=now,
        **dict(zip(RecoveryCapitalAssessment.ITEM_FIELDS, values, strict=True)),
    )
    assessment.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="outreach.recoverycapitalassessment",
        target_ids=[assessment.pk],
        participant_ids=[participant.pk],
        changes={
            "total": assessment.total,
            "language": language,
            **({"check_in_task_id": check_in_task_id} if check_in_task_id is not None else {}),
        },
    )
    return assessment
