"""The intake service: every channel (staff form, public page, CSV, API, and later HL7 and FHIR)
calls `referral_intake`, which validates, finds or creates the participant, records the overdose
event, creates the referral and computes its contact deadline, in one transaction.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from port.accounts.models import AcuityLevel, Agency, Membership, Program
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.participants.matching import MatchKind, find_candidates
from port.participants.models import MatchCandidate
from port.participants.normalize import InvalidPhone, normalize_phone
from port.participants.services import participant_create, participant_update_from_referral
from port.referrals.clock import contact_deadline
from port.referrals.models import Channel, NaloxoneGivenBy, OverdoseEvent, Referral, ReferralChange, Source, Status

# Clocks on other machines drift; a few minutes ahead is not "in the future".
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_AVAILABLE_FROM_AHEAD = dt.timedelta(days=30)
OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)


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


@dataclass
class IntakeResult:
    referral: Referral
    created: bool
    match: str  # "exact", "likely" or "new"


def _clean_text(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]


def validate_submission(*, program: Program, submission: ReferralSubmission,
                        now: dt.datetime) -> tuple[AcuityLevel | None, dict[str, str]]:
    """Check a submission against the rules every channel shares. Returns (acuity, errors)."""
    errors: dict[str, str] = {}
    person = submission.participant
    if submission.source not in Source.values:
        errors["source"] = _("Unknown source “%(value)s”. Use one of: %(choices)s.") % {
            "value": submission.source, "choices": ", ".join(Source.values)}
    if person.phone:
        try:
            person.phone = normalize_phone(person.phone)
        except InvalidPhone:
            errors["participant.phone"] = _("“%(value)s” is not a phone number we can dial.") % {
                "value": person.phone[:30]}
    if not (person.phone or person.address.strip() or person.location_notes.strip()) and \
            "participant.phone" not in errors:
        errors["participant.phone"] = _(
            "Give a way to reach the person: a phone number, an address, or where they can be found.")
    if person.date_of_birth:
        if person.date_of_birth > timezone.localdate(now, program.zone):
            errors["participant.date_of_birth"] = _("The date of birth is in the future.")
        elif person.date_of_birth < OLDEST_BIRTH_DATE:
            errors["participant.date_of_birth"] = _("The date of birth is before 1900; check the year.")
    received_at = submission.received_at or now
    if received_at > now + CLOCK_SKEW:
        errors["received_at"] = _("The received time is in the future.")
    occurred_at = submission.overdose.occurred_at
    if occurred_at:
        if occurred_at > now + CLOCK_SKEW:
            errors["overdose.occurred_at"] = _("The overdose time is in the future.")
        elif occurred_at > received_at + CLOCK_SKEW:
            errors["overdose.occurred_at"] = _("The overdose time is after the referral was received.")
    if submission.available_from and submission.available_from > now + MAX_AVAILABLE_FROM_AHEAD:
        errors["available_from"] = _("The available-from time is more than 30 days ahead.")
    giver = submission.overdose.naloxone_given_by
    if giver and giver not in NaloxoneGivenBy.values:
        errors["overdose.naloxone_given_by"] = _("Unknown value “%(value)s”. Use one of: %(choices)s.") % {
            "value": giver, "choices": ", ".join(NaloxoneGivenBy.values)}
    doses = submission.overdose.naloxone_doses
    if doses is not None and not 0 <= doses <= 20:
        errors["overdose.naloxone_doses"] = _("Naloxone doses must be a whole number from 0 to 20.")
    acuity = None
    levels = list(program.acuity_levels.all())
    if submission.acuity:
        acuity = next((level for level in levels if level.code == submission.acuity), None)
        if acuity is None:
            errors["acuity"] = _("Unknown acuity “%(value)s”. Use one of: %(choices)s.") % {
                "value": submission.acuity, "choices": ", ".join(level.code for level in levels)}
    elif levels:
        acuity = levels[-1]  # the least urgent level, when the sender did not say
    else:
        errors["acuity"] = _("This program has no acuity levels set up yet.")
    return acuity, errors


def referral_intake(
    *,
    program: Program,
    submission: ReferralSubmission,
    channel: str,
    agency: Agency | None = None,
    submitted_by: Membership | None = None,
    api_token=None,
    now: dt.datetime | None = None,
) -> IntakeResult:
    """Accept one referral from any channel. Raises IntakeRejected with a message per field.

    The same `external_id` from the same agency returns the referral already made (created=False),
    so a sender's retries never duplicate.
    """
    now = now or timezone.now()
    external_id = _clean_text(submission.external_id, 100)
    if agency and external_id:
        existing = Referral.objects.filter(referring_agency=agency, external_id=external_id).first()
        if existing:
            return IntakeResult(existing, created=False, match=existing.match_result)

    acuity, errors = validate_submission(program=program, submission=submission, now=now)
    if errors:
        raise IntakeRejected(errors)
    try:
        with transaction.atomic():
            return _create(program=program, submission=submission, channel=channel, agency=agency,
                           submitted_by=submitted_by, api_token=api_token, acuity=acuity,
                           external_id=external_id, now=now)
    except IntegrityError:
        # Two retries of the same referral raced; the other one won.
        if agency and external_id:
            existing = Referral.objects.filter(referring_agency=agency, external_id=external_id).first()
            if existing:
                return IntakeResult(existing, created=False, match=existing.match_result)
        raise


def _create(*, program, submission, channel, agency, submitted_by, api_token, acuity, external_id,
            now) -> IntakeResult:
    person = submission.participant
    details = {
        "first_name": _clean_text(person.first_name, 100),
        "last_name": _clean_text(person.last_name, 100),
        "preferred_name": _clean_text(person.preferred_name, 100),
        "date_of_birth": person.date_of_birth,
        "phone": person.phone,
        "address": _clean_text(person.address, 300),
        "location_notes": _clean_text(person.location_notes, 2000),
        "preferred_language": _clean_text(person.preferred_language, 50),
    }
    candidates = find_candidates(program=program, first_name=details["first_name"],
                                 last_name=details["last_name"], date_of_birth=person.date_of_birth,
                                 phone=person.phone)
    exact = [c for c in candidates if c.kind == MatchKind.EXACT]
    if len(exact) == 1:
        participant = exact[0].participant
        participant_update_from_referral(participant=participant, details=details)
        match = MatchKind.EXACT.value
    else:
        participant = participant_create(program=program, **details)
        # Several exact matches mean duplicates already exist: a person decides, as for likely ones.
        MatchCandidate.objects.bulk_create(
            MatchCandidate(program=program, new_participant=participant,
                           existing_participant=c.participant, reasons=c.reasons)
            for c in candidates
        )
        match = MatchKind.LIKELY.value if candidates else "new"

    overdose = submission.overdose
    event = OverdoseEvent.objects.create(
        program=program, participant=participant, occurred_at=overdose.occurred_at,
        location=_clean_text(overdose.location, 300),
        substances=[s.strip()[:100] for s in overdose.substances if s and s.strip()][:20],
        naloxone_doses=overdose.naloxone_doses, naloxone_given_by=overdose.naloxone_given_by or "",
        transported=overdose.transported,
    )
    received_at = submission.received_at or now
    submitted = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(person).items()}
    referral = Referral.objects.create(
        program=program, participant=participant, overdose_event=event, source=submission.source,
        channel=channel, referring_agency=agency,
        referred_by=submitted_by.user if submitted_by else None,
        referrer_name=_clean_text(submission.referrer_name, 200),
        referrer_contact=_clean_text(submission.referrer_contact, 200),
        external_id=external_id, received_at=received_at, available_from=submission.available_from,
        acuity=acuity,
        contact_deadline=contact_deadline(received_at=received_at, available_from=submission.available_from,
                                          window_hours=acuity.window_hours),
        consent_to_contact=submission.consent_to_contact, notes=_clean_text(submission.notes, 5000),
        submitted_participant=submitted, match_result=match,
    )
    ReferralChange.objects.create(referral=referral, kind=ReferralChange.Kind.STATUS, to_status=Status.RECEIVED,
                                  changed_by=submitted_by.user if submitted_by else None, changed_at=now)
    audit_record(action=AuditEvent.Action.CREATE, by=submitted_by, api_token=api_token, program=program,
                 target_type="referrals.referral", target_ids=[referral.pk], participant_ids=[participant.pk],
                 note=f"intake via {channel}" + (f", {match} match" if match != "new" else ""))
    return IntakeResult(referral, created=True, match=match)


__all__ = ["Channel", "IntakeRejected", "IntakeResult", "OverdoseDetails", "ParticipantDetails",
           "ReferralSubmission", "referral_intake", "validate_submission"]
