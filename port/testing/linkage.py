"""Linkage test helpers: a person reached by their peer with a consent naming the treatment agency, and
hand-offs made through the service."""

import datetime as dt
from dataclasses import dataclass

from port.accounts.models import Membership, Organization
from port.consent.models import Consent, InformationCategory
from port.linkage.models import HandOff, How
from port.linkage.services import HandOffRequest, handoff_create
from port.participants.models import Participant
from port.referrals.models import Referral
from port.referrals.services import referral_assign
from port.testing.consent import record
from port.testing.factories import submit_referral

SHARED = [InformationCategory.IDENTITY, InformationCategory.REFERRAL_STATUS]


@dataclass
class Person:
    participant: Participant
    referral: Referral
    consent: Consent | None


def person_build(cast, *, last_name: str = "Whitfield", consent_for: Organization | None = None) -> Person:
    """Dana (or another last name), referred by the ED, assigned to the cast's peer; a consent naming
    `consent_for` (default: the cast's treatment agency) unless it is given as the agency-less cast."""
    referral = submit_referral(
        cast.program,
        agency=cast.ed,
        by=cast.partner,
        first_name="Dana",
        last_name=last_name,
        phone="412-555-0142",
        date_of_birth=dt.date(1987, 6, 2),
    )
    referral = referral_assign(referral=referral, assignee=cast.peer, by=cast.supervisor)
    consent = record(cast, referral.participant, recipient_agency=consent_for or cast.treatment)
    return Person(referral.participant, referral, consent)


def handoff_make(
    cast,
    person: Person,
    *,
    organization: Organization | None = None,
    how: str = How.ACCOMPANIED,
    categories: list[str] | None = None,
    by: Membership | None = None,
    **extra,
) -> HandOff:
    information_only = how == How.INFORMATION_ONLY
    return handoff_create(
        by=by or cast.peer,
        participant=person.participant,
        ask=HandOffRequest(
            organization=organization or cast.treatment,
            need="treatment.buprenorphine",
            how=how,
            categories=[] if information_only else list(categories or SHARED),
            purpose="" if information_only else "Intake appointment",
            referral=person.referral,
            **extra,
        ),
    )
