"""The intake service: every channel (staff form, public page, CSV, API, and later HL7 and FHIR)
calls `referral_intake`, which validates, finds or creates the participant, records the overdose
event, creates the referral and computes its contact deadline, in one transaction.
"""

import datetime as dt
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import AcuityLevel, ApiToken, Membership, Organization, Program
from port.accounts.roles import ASSIGNABLE_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.notifications.models import Notice
from port.notifications.services import repeat_overdose_alert
from port.participants.matching import Candidate, MatchKind, find_candidates, match_lock_keys
from port.participants.models import MatchCandidate, Participant
from port.participants.normalize import InvalidPhone, name_key, normalize_phone, strip_invisible
from port.participants.services import participant_create, participant_update_from_referral
from port.referrals.clock import contact_deadline
from port.referrals.models import (
    OPEN_STATUSES,
    Channel,
    NaloxoneGivenBy,
    OverdoseEvent,
    Referral,
    ReferralChange,
    Source,
    Status,
)
from port.referrals.services import referral_assign

# Clocks on other machines drift; a few minutes ahead is not "in the future".
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_AVAILABLE_FROM_AHEAD = dt.timedelta(days=30)
OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)
# No referral, overdose or availability time is older than this: earlier ones are typing errors (a
# 1900 referral would head the queue "46354 d overdue"), and year 1 overflows the clock's arithmetic.
OLDEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses an offset of 16 hours or more.
MAX_UTC_OFFSET = dt.timedelta(hours=14)
# A resend may give the overdose time a little differently (rounded, re-typed); another overdose of
# the same person is hours or days apart.
SAME_OVERDOSE_WITHIN = dt.timedelta(hours=1)


@dataclass
class ParticipantDetails:
    first_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    address: str = ""
    location_notes: str = ""
    preferred_language: str = ""


@dataclass
class OverdoseDetails:
    occurred_at: dt.datetime | None = None
    location: str = ""
    substances: list[str] = field(default_factory=list)
    naloxone_doses: int | None = None
    naloxone_given_by: str = ""
    transported: bool | None = None


@dataclass
class ReferralSubmission:
    """What any channel hands to intake, already parsed into Python types."""

    source: str
    participant: ParticipantDetails
    overdose: OverdoseDetails = field(default_factory=OverdoseDetails)
    received_at: dt.datetime | None = None
    acuity: str = ""
    available_from: dt.datetime | None = None
    external_id: str = ""
    consent_to_contact: bool | None = None
    notes: str = ""
    referrer_name: str = ""
    referrer_contact: str = ""


class IntakeRejected(Exception):
    """The submission cannot be accepted; `errors` maps each field path to a message a person can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ReferenceReused(IntakeRejected):
    """The sender's reference number (`external_id`) was already used for another referral: a
    different person or overdose. The API answers 409; other channels show it at the field."""


@dataclass
class IntakeResult:
    referral: Referral
    created: bool
    match: str  # "exact", "likely" or "new"


def _clean_text(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]


# Tab, line feed and carriage return: allowed in free text that may run over several lines.
LINE_BREAKS = frozenset("\t\n\r")


def has_control_character(text: str, *, multi_line: bool = False) -> bool:
    """Whether `text` holds a control character (Unicode Cc: NUL, the other C0 and the C1 controls,
    DEL); with `multi_line`, tabs and line breaks are not counted."""
    return any(unicodedata.category(char) == "Cc" and not (multi_line and char in LINE_BREAKS) for char in text)


def control_character_message(*, multi_line: bool = False) -> str:
    if multi_line:
        return _(
            "This contains a control character (such as NUL or an escape code); remove it. "
            "Tabs and line breaks are fine."
        )
    return _("This contains a control character (such as NUL, an escape code or a line break); remove it.")


def _text_fields(submission: ReferralSubmission) -> list[tuple[str, list[str], bool]]:
    """(field path, its texts, whether it is multi-line free text) for every text a channel sends."""
    person, overdose = submission.participant, submission.overdose
    return [
        ("source", [submission.source], False),
        ("acuity", [submission.acuity], False),
        ("external_id", [submission.external_id], False),
        ("referrer_name", [submission.referrer_name], False),
        ("referrer_contact", [submission.referrer_contact], False),
        ("notes", [submission.notes], True),
        ("participant.first_name", [person.first_name], False),
        ("participant.last_name", [person.last_name], False),
        ("participant.preferred_name", [person.preferred_name], False),
        ("participant.phone", [person.phone], False),
        ("participant.address", [person.address], True),
        ("participant.location_notes", [person.location_notes], True),
        ("participant.preferred_language", [person.preferred_language], False),
        ("overdose.location", [overdose.location], True),
        ("overdose.substances", list(overdose.substances), False),
        ("overdose.naloxone_given_by", [overdose.naloxone_given_by], False),
    ]


def time_problem(moment: dt.datetime) -> str | None:
    """What is wrong with a received, overdose or available-from time in itself, if anything: an
    offset no place on Earth uses, or a time before 2000 (OLDEST_TIME)."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return _("The UTC offset must be between -14:00 and +14:00.")
    if moment < OLDEST_TIME:
        return _("The time is before 2000; check the year.")
    return None


def validate_submission(
    *, program: Program, submission: ReferralSubmission, now: dt.datetime
) -> tuple[AcuityLevel | None, dict[str, str]]:
    """Check a submission against the rules every channel shares. Returns (acuity, errors).

    No message repeats a value that was sent: values are about the person, and messages travel
    (to a sender's logs, to a CSV preview, to a screen someone else can see).
    """
    errors: dict[str, str] = {}
    person = submission.participant
    if submission.source not in Source.values:
        errors["source"] = _("Unknown source. Use one of: %(choices)s.") % {"choices": ", ".join(Source.values)}
    if person.phone:
        try:
            person.phone = normalize_phone(person.phone)
        except InvalidPhone:
            errors["participant.phone"] = _("This is not a phone number we can dial; check the digits.")
    if (
        not (person.phone or person.address.strip() or person.location_notes.strip())
        and "participant.phone" not in errors
    ):
        errors["participant.phone"] = _(
            "Give a way to reach the person: a phone number, an address, or where they can be found."
        )
    if person.date_of_birth:
        if person.date_of_birth > program.today(at=now):
            errors["participant.date_of_birth"] = _("The date of birth is in the future.")
        elif person.date_of_birth < OLDEST_BIRTH_DATE:
            errors["participant.date_of_birth"] = _("The date of birth is before 1900; check the year.")
    times = {
        "received_at": submission.received_at,
        "overdose.occurred_at": submission.overdose.occurred_at,
        "available_from": submission.available_from,
    }
    for path, moment in times.items():
        problem = time_problem(moment) if moment else None
        if problem:
            errors[path] = problem
    received_at = submission.received_at or now
    if "received_at" not in errors and received_at > now + CLOCK_SKEW:
        errors["received_at"] = _("The received time is in the future.")
    occurred_at = submission.overdose.occurred_at
    if occurred_at and "overdose.occurred_at" not in errors:
        if occurred_at > now + CLOCK_SKEW:
            errors["overdose.occurred_at"] = _("The overdose time is in the future.")
        elif "received_at" not in errors and occurred_at > received_at + CLOCK_SKEW:
            errors["overdose.occurred_at"] = _("The overdose time is after the referral was received.")
    if (
        "available_from" not in errors
        and submission.available_from
        and submission.available_from > now + MAX_AVAILABLE_FROM_AHEAD
    ):
        errors["available_from"] = _("The available-from time is more than 30 days ahead.")
    giver = submission.overdose.naloxone_given_by
    if giver and giver not in NaloxoneGivenBy.values:
        errors["overdose.naloxone_given_by"] = _("Unknown value. Use one of: %(choices)s.") % {
            "choices": ", ".join(NaloxoneGivenBy.values)
        }
    doses = submission.overdose.naloxone_doses
    if doses is not None and not 0 <= doses <= 20:
        errors["overdose.naloxone_doses"] = _("Naloxone doses must be a whole number from 0 to 20.")
    acuity = None
    levels = list(program.acuity_levels.all())
    if submission.acuity:
        acuity = next((level for level in levels if level.code == submission.acuity), None)
        if acuity is None:
            errors["acuity"] = _("Unknown acuity. Use one of: %(choices)s.") % {
                "choices": ", ".join(level.code for level in levels)
            }
    elif levels:
        acuity = levels[-1]  # the least urgent level, when the sender did not say
    else:
        errors["acuity"] = _("This program has no acuity levels set up yet.")
    # Last, so it replaces what another check said about the same field: it is the thing to fix.
    for path, texts, multi_line in _text_fields(submission):
        if any(has_control_character(text or "", multi_line=multi_line) for text in texts):
            errors[path] = control_character_message(multi_line=multi_line)
    return acuity, errors


def referral_intake(
    *,
    program: Program,
    submission: ReferralSubmission,
    channel: str,
    agency: Organization | None = None,
    submitted_by: Membership | None = None,
    api_token: ApiToken | None = None,
    now: dt.datetime | None = None,
) -> IntakeResult:
    """Accept one referral from any channel. Raises IntakeRejected with a message per field.

    The same `external_id` from the same agency, about the same person and overdose, returns the
    referral already made (created=False), so a sender's retries never duplicate; the same
    `external_id` about someone else is refused on that field.

    Referrals that could match each other are serialised (`_lock_for_matching`), so two referrals
    for one person sent at the same moment find each other instead of making two records.
    """
    now = now or timezone.now()
    external_id = _clean_text(submission.external_id, 100)
    reused = False
    # A reference holding a control character is refused by validate_submission below; it is never
    # looked up (PostgreSQL refuses a NUL in a query with a server error).
    if agency and external_id and not has_control_character(external_id):
        existing = _sent_before(agency=agency, external_id=external_id)
        if existing and same_referral(existing, submission):
            return IntakeResult(existing, created=False, match=existing.match_result)
        reused = existing is not None

    acuity, errors = validate_submission(program=program, submission=submission, now=now)
    if reused:
        raise ReferenceReused({**errors, "external_id": reference_reused_message()})
    if errors:
        raise IntakeRejected(errors)
    assert acuity is not None  # validate_submission finds a level or says why not
    try:
        with transaction.atomic():
            return _create(
                program=program,
                submission=submission,
                channel=channel,
                agency=agency,
                submitted_by=submitted_by,
                api_token=api_token,
                acuity=acuity,
                external_id=external_id,
                now=now,
            )
    except IntegrityError:
        # Two sends under one reference number raced and the other one won: a retry of the same
        # referral gets that one; another person under the same number is refused.
        if agency and external_id:
            existing = _sent_before(agency=agency, external_id=external_id)
            if existing:
                return _retry_of(existing, submission)
        raise


def reference_reused_message() -> str:
    # Repeats nothing that was sent: neither the number nor anything about either person.
    return _(
        "This reference number was already used for a referral about a different person or "
        "overdose. Give this referral its own reference number; nothing was sent."
    )


def _sent_before(*, agency: Organization, external_id: str) -> Referral | None:
    return (
        Referral.objects.filter(referring_agency=agency, external_id=external_id)
        .select_related("overdose_event", "participant")
        .first()
    )


def same_referral(existing: Referral, submission: ReferralSubmission) -> bool:
    """Whether `submission` is a resend of `existing`: the same person (names, however they are
    spelt or cased, and birth date) and, when both give one, the same overdose time (within an hour)."""
    sent = existing.submitted_participant or {}
    if not sent:  # referrals from before what was sent was kept: compare with the record
        record = existing.participant
        sent = {
            "first_name": record.first_name,
            "last_name": record.last_name,
            "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else None,
        }
    person = submission.participant
    if name_key(sent.get("first_name", ""), sent.get("last_name", "")) != name_key(person.first_name, person.last_name):
        return False
    birth_date = person.date_of_birth.isoformat() if person.date_of_birth else None
    if (sent.get("date_of_birth") or None) != birth_date:
        return False
    before = existing.overdose_event.occurred_at if existing.overdose_event_id else None
    now = submission.overdose.occurred_at
    return not (before and now) or abs(before - now) <= SAME_OVERDOSE_WITHIN


def _retry_of(existing: Referral, submission: ReferralSubmission) -> IntakeResult:
    if not same_referral(existing, submission):
        raise ReferenceReused({"external_id": reference_reused_message()})
    return IntakeResult(existing, created=False, match=existing.match_result)


def match_keys_of(*, program: Program, submission: ReferralSubmission) -> list[int]:
    """The advisory-lock keys of a submission (see `port.participants.matching.match_lock_keys`)."""
    person = submission.participant
    return match_lock_keys(
        program_id=program.pk,
        first_name=strip_invisible(person.first_name),
        last_name=strip_invisible(person.last_name),
        date_of_birth=person.date_of_birth,
        phone=person.phone,
    )


def intake_lock(*, program: Program, submissions: list[ReferralSubmission]) -> None:
    """Inside a transaction, wait until no other intake that could match any of `submissions` is
    running, and keep others waiting until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock per key, in ascending order (two intakes never
    deadlock; a batch locks all its keys at once, for the same reason). Each statement afterwards sees
    what the transaction that held a key before committed (READ COMMITTED). SQLite needs nothing:
    IMMEDIATE transactions (settings.py) take the database's single write lock at BEGIN.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({key for submission in submissions for key in match_keys_of(program=program, submission=submission)})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _clean_name(value: str | None) -> str:
    """Names are stored without invisible characters (zero-width, direction overrides), so what is
    shown is what is matched."""
    return _clean_text(strip_invisible(value or ""), 100)


def _create(
    *,
    program: Program,
    submission: ReferralSubmission,
    channel: str,
    agency: Organization | None,
    submitted_by: Membership | None,
    api_token: ApiToken | None,
    acuity: AcuityLevel,
    external_id: str,
    now: dt.datetime,
) -> IntakeResult:
    intake_lock(program=program, submissions=[submission])
    if agency and external_id:
        # Checked again now that any intake that could be a retry of this one has finished.
        existing = _sent_before(agency=agency, external_id=external_id)
        if existing:
            return _retry_of(existing, submission)
    person = submission.participant
    details: dict[str, Any] = {
        "first_name": _clean_name(person.first_name),
        "last_name": _clean_name(person.last_name),
        "preferred_name": _clean_name(person.preferred_name),
        "date_of_birth": person.date_of_birth,
        "phone": person.phone,
        "address": _clean_text(person.address, 300),
        "location_notes": _clean_text(person.location_notes, 2000),
        "preferred_language": _clean_text(person.preferred_language, 50),
    }
    candidates = find_candidates(
        program=program,
        first_name=details["first_name"],
        last_name=details["last_name"],
        date_of_birth=person.date_of_birth,
        phone=person.phone,
    )
    exact = [c for c in candidates if c.kind == MatchKind.EXACT]
    if exact:
        # Several exact matches mean duplicates already exist: link to the most recent record and
        # ask a person, once, whether the others are the same person. Never make another record.
        chosen = max(exact, key=lambda c: (c.participant.created_at, c.participant.pk))
        participant = chosen.participant
        participant_update_from_referral(participant=participant, details=details)
        _queue_possible_duplicates(
            program=program, participant=participant, candidates=[c for c in exact if c is not chosen]
        )
        match = MatchKind.EXACT.value
    else:
        participant = participant_create(program=program, **details)
        _queue_possible_duplicates(program=program, participant=participant, candidates=candidates)
        match = MatchKind.LIKELY.value if candidates else "new"

    overdose = submission.overdose
    repeat = match == MatchKind.EXACT.value and is_repeat_overdose(participant, overdose.occurred_at)
    event = OverdoseEvent.objects.create(
        program=program,
        participant=participant,
        occurred_at=overdose.occurred_at,
        location=_clean_text(overdose.location, 300),
        substances=[s.strip()[:100] for s in overdose.substances if s and s.strip()][:20],
        naloxone_doses=overdose.naloxone_doses,
        naloxone_given_by=overdose.naloxone_given_by or "",
        transported=overdose.transported,
        repeat=repeat,
    )
    received_at = submission.received_at or now
    submitted = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(person).items()}
    submitted.update({name: details[name] for name in ("first_name", "last_name", "preferred_name")})
    referral = Referral.objects.create(
        program=program,
        participant=participant,
        overdose_event=event,
        source=submission.source,
        channel=channel,
        referring_agency=agency,
        referred_by=submitted_by.user if submitted_by else None,
        referrer_name=_clean_text(submission.referrer_name, 200),
        referrer_contact=_clean_text(submission.referrer_contact, 200),
        external_id=external_id,
        received_at=received_at,
        available_from=submission.available_from,
        acuity=acuity,
        contact_deadline=contact_deadline(
            received_at=received_at, available_from=submission.available_from, window_hours=acuity.window_hours
        ),
        consent_to_contact=submission.consent_to_contact,
        notes=_clean_text(submission.notes, 5000),
        submitted_participant=submitted,
        match_result=match,
    )
    ReferralChange.objects.create(
        referral=referral,
        kind=ReferralChange.Kind.STATUS,
        to_status=Status.RECEIVED,
        changed_by=submitted_by.user if submitted_by else None,
        changed_at=now,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=submitted_by,
        api_token=api_token,
        program=program,
        target_type="referrals.referral",
        target_ids=[referral.pk],
        participant_ids=[participant.pk],
        note=f"intake via {channel}" + (f", {match} match" if match != "new" else ""),
    )
    if match == MatchKind.EXACT.value:
        # A repeat overdose's alert tells the peer (and the supervisors) instead of the assignment notice.
        referral = _follow_the_peer_already_working(referral, notify=not repeat)
    if repeat:
        repeat_overdose_alert(referral=referral, now=now)
    return IntakeResult(referral, created=True, match=match)


def is_repeat_overdose(participant: Participant, occurred_at: dt.datetime | None) -> bool:
    """A new overdose of a known participant: they already have a referral, and none of their earlier
    overdoses is this same one (when both times are known, within SAME_OVERDOSE_WITHIN: an ED and EMS
    both referring one overdose is not a repeat). Asked before the new referral is saved."""
    earlier = list(OverdoseEvent.objects.filter(participant=participant).values_list("occurred_at", flat=True))
    if not earlier:
        return False
    if occurred_at is None:
        return True
    return not any(other is not None and abs(other - occurred_at) <= SAME_OVERDOSE_WITHIN for other in earlier)


# At most this many possible duplicates are queued for one new record, strongest first: a shelter's
# phone shared by dozens of people must not fill the review screen.
MAX_POSSIBLE_DUPLICATES = 5


def _queue_possible_duplicates(*, program: Program, participant: Participant, candidates: list[Candidate]) -> None:
    """Ask a person about each pair once: a pair already asked about (in either order, decided or
    not) is left as it is."""
    MatchCandidate.objects.bulk_create(
        [
            MatchCandidate(
                program=program, new_participant=participant, existing_participant=c.participant, reasons=c.reasons
            )
            for c in candidates[:MAX_POSSIBLE_DUPLICATES]
        ],
        ignore_conflicts=True,
    )


def _follow_the_peer_already_working(referral: Referral, *, notify: bool = True) -> Referral:
    """A new referral for a person a peer is already working with (another open referral assigned to
    them, and they are still an active peer or supervisor of the program) goes to that peer, who is
    told in the app (unless `notify` is off: a repeat overdose's alert tells them). The notice names
    nobody; it links to the referral."""
    earlier = (
        Referral.objects.filter(
            participant_id=referral.participant_id, status__in=OPEN_STATUSES, assigned_to__isnull=False
        )
        .exclude(pk=referral.pk)
        .order_by("-received_at", "-pk")
        .values_list("assigned_to", flat=True)
    )
    for user_id in dict.fromkeys(earlier):
        peer = (
            Membership.objects.filter(
                user_id=user_id,
                program_id=referral.program_id,
                role__in=ASSIGNABLE_ROLES,
                is_active=True,
                user__is_active=True,
            )
            .select_related("user")
            .first()
        )
        if peer is None:
            continue
        referral = referral_assign(referral=referral, assignee=peer, by=None)
        if not notify:
            return referral
        Notice.objects.create(
            user=peer.user,
            referral=referral,
            message=_("A new referral arrived for a person you are working with. It is assigned to you."),
        )
        return referral
    return referral


__all__ = [
    "Channel",
    "IntakeRejected",
    "IntakeResult",
    "OverdoseDetails",
    "ParticipantDetails",
    "ReferenceReused",
    "ReferralSubmission",
    "intake_lock",
    "referral_intake",
    "same_referral",
    "validate_submission",
]
