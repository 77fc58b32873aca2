"""A participant with every kind of sensitive detail, for the field-visibility, visit-sheet and permission
matrix tests: each sensitive value is a marker string, so a test can say exactly which ones a page shows."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from port.outreach.models import ContactAttempt, Encounter, Mode, Outcome, Place, TeamRole
from port.outreach.services import (
    EncounterIn,
    TeamMemberIn,
    contact_attempt_record,
    encounter_add_addendum,
    encounter_record,
)
from port.participants.models import Participant
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, Referral, Source
from port.referrals.services import referral_assign

LAST_NAME = "Quillfeather"  # never on a page the viewer may not see
DATE_OF_BIRTH = dt.date(1986, 3, 9)
# One marker per sensitive group.
MARKERS = {
    "substances": ["isotonitazene"],
    "notes": ["REFNOTE-sister-drives", "ATTEMPTNOTE-side-door", "ENCNOTE-private-words", "ADDENDUM-correction"],
    "assessments": ["GOALTEXT-back-to-work", "NEXTSTEPS-call-the-clinic", "Thinking about it"],
}
SAFETY_NOTES = "Dog in the yard; knock at the side door"


@dataclass
class World:
    participant: Participant
    referral: Referral
    attempt: ContactAttempt
    encounter: Encounter


def sensitive_world(
    cast,
    *,
    program=None,
    agency=None,
    by=None,
    peer=None,
    supervisor=None,
    first_responder=None,
    with_first_responder: bool = True,
    last_name: str = LAST_NAME,
) -> World:
    """A referral (with substances, naloxone and notes) assigned to the peer; a home visit attempt with the
    EMS/fire partner along (with a note); an encounter with assessments, notes and an addendum."""
    program = program or cast.program
    peer = peer or cast.peer
    received_at = timezone.now() - dt.timedelta(hours=6)
    referral = referral_intake(
        program=program,
        channel=Channel.STAFF_FORM,
        agency=agency if agency is not None else cast.ed,
        submitted_by=by or cast.partner,
        submission=ReferralSubmission(
            source=Source.EMERGENCY_DEPARTMENT,
            acuity="high",
            received_at=received_at,
            notes=MARKERS["notes"][0],
            participant=ParticipantDetails(
                first_name="Marisol",
                last_name=last_name,
                date_of_birth=DATE_OF_BIRTH,
                phone="412-555-0142",
                address="12 Example St",
                location_notes=SAFETY_NOTES,
            ),
            overdose=OverdoseDetails(
                occurred_at=received_at - dt.timedelta(hours=2),
                location="Home",
                substances=MARKERS["substances"],
                naloxone_doses=2,
                naloxone_given_by="ems",
            ),
        ),
    ).referral
    referral_assign(referral=referral, assignee=peer, by=supervisor or cast.supervisor)
    team = [TeamMemberIn(role=TeamRole.PEER, user=peer.user)]
    responder = (first_responder or cast.first_responder) if with_first_responder else None
    if responder is not None:
        team.append(TeamMemberIn(role=TeamRole.EMS, user=responder.user))
    attempt = contact_attempt_record(
        by=peer,
        referral=referral,
        mode=Mode.IN_PERSON,
        place=Place.HOME,
        outcome=Outcome.NOT_AT_ADDRESS,
        attempted_at=received_at + dt.timedelta(hours=1),
        note=MARKERS["notes"][1],
        team=team,
    )
    encounter = encounter_record(
        by=peer,
        participant=referral.participant,
        referral=referral,
        data=EncounterIn(
            mode=Mode.PHONE,
            occurred_at=received_at + dt.timedelta(hours=3),
            stage_of_change="contemplation",
            readiness=6,
            goals=MARKERS["assessments"][0],
            next_steps=MARKERS["assessments"][1],
            notes=MARKERS["notes"][2],
        ),
    )
    encounter_add_addendum(by=peer, encounter=encounter, text=MARKERS["notes"][3])
    return World(
        participant=referral.participant,
        referral=Referral.objects.get(pk=referral.pk),
        attempt=attempt,
        encounter=encounter,
    )
