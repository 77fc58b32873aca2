"""The demo participants' consents, through consent_record, and one hand-off to the recovery center
through the disclosure gate, which the demo provider can open."""

import datetime as dt

from port.accounts.models import Membership, Organization, OrganizationKind, Program
from port.accounts.roles import Role
from port.consent.models import ConsentKind, InformationCategory, SignatureMethod
from port.consent.services import consent_record, consent_revoke
from port.consent.wording import DEFAULT_PURPOSES, REVOCATION_STATEMENT
from port.demo.field_work import Visit
from port.linkage.models import How, Priority, Transport
from port.linkage.services import HandOffRequest, handoff_create
from port.outreach.models import (
    Mode,
    Outcome,
)


def demo_consents_create(
    *,
    program: Program,
    memberships: dict[str, Membership],
    visits: list[Visit],
    handoff: Visit | None,
    now: dt.datetime,
) -> None:
    """Consents the participants gave, through consent_record: to take part, for several people; to share
    with the recovery center, for one, who is then handed off through the disclosure gate (the demo
    provider sees them); and one consent to tell the hospital, revoked since."""
    Category = InformationCategory  # noqa: N806
    provider_agency = memberships["provider"].agency
    peers = [m for m in memberships.values() if m.role == Role.PEER]

    def witness(by: Membership) -> str:
        other = next(m for m in peers + [memberships["supervisor"]] if m.user_id != by.user_id)
        return other.user.get_full_name()

    def signed(visit: Visit) -> dict:
        language = "es" if visit.participant.preferred_language == "Spanish" else "en"
        return {
            "language": language,
            "signature_method": SignatureMethod.VERBAL,
            "witness_name": witness(visit.by),
            "signed_on": program.today(at=visit.occurred_at),
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
        today = program.today(at=now)
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
        # The warm hand-off itself, through the gate: the demo provider sees it requested, with an
        # appointment the peer made with the person in three days.
        handoff_create(
            by=handoff.by,
            participant=handoff.participant,
            ask=HandOffRequest(
                organization=provider_agency,
                need="treatment.buprenorphine",
                how=How.APPOINTMENT_TOGETHER,
                categories=shared,
                purpose=purpose,
                priority=Priority.URGENT,
                appointment_at=now + dt.timedelta(days=3),
                transport=Transport.RIDE_ARRANGED,
                ride_at=now + dt.timedelta(days=3) - dt.timedelta(minutes=45),
                referral=handoff.referral,
            ),
        )
    hospital = (
        Organization.objects.filter(program=program, kind=OrganizationKind.EMERGENCY_DEPARTMENT).order_by("pk").first()
    )
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
            expires_on=program.today(at=now) + dt.timedelta(days=180),
            **elements,
        )
        consent_revoke(
            by=changed_mind.by,
            consent=consent,
            note="Told the peer by phone that the hospital should not be told anything.",
        )
