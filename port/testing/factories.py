"""factory-boy factories for the records tests build. Records whose writes the app audits or checks are
made through their services (a program through program_set_up, which seeds each app's defaults; a referral
through intake; attempts, encounters, supporters and consents through the outreach and consent
services), so a factory never makes a record the app could not have made.

    program = ProgramFactory()                       # seeded like any program
    peer = MembershipFactory(program=program)        # a peer with a user of their own
    lot = LotFactory(item=SupplyItemFactory(program=program), expires_on=None)
    referral = ReferralFactory(program=program, by=peer, first_name="Dana")
"""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from port.accounts.models import Membership, Organization, OrganizationKind, Program, User
from port.accounts.roles import Role
from port.administration.services import program_set_up
from port.consent.models import Consent
from port.outreach.models import ContactAttempt, Encounter, Mode, Outcome, Supporter
from port.outreach.services import EncounterIn, contact_attempt_record, encounter_record, supporter_save
from port.participants.models import Participant
from port.participants.services import participant_create
from port.referrals.intake import ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, Referral, Source
from port.supplies.models import Lot, SupplyItem
from port.testing.consent import record

PASSWORD = "correct horse battery staple"  # noqa: S105 (every test user's)


def submit_referral(
    program: Program,
    *,
    agency: Organization | None = None,
    by: Membership | None = None,
    received_at: dt.datetime | None = None,
    acuity: str = "high",
    source: str = Source.EMERGENCY_DEPARTMENT,
    external_id: str = "",
    channel: str = Channel.STAFF_FORM,
    **person,
) -> Referral:
    """Make a referral through the real intake service."""
    details = {"first_name": "Alex", "last_name": "Example", "phone": "412-555-0100", **person}
    result = referral_intake(
        program=program,
        channel=channel,
        agency=agency,
        submitted_by=by,
        submission=ReferralSubmission(
            source=source,
            participant=ParticipantDetails(**details),
            received_at=received_at or timezone.now(),
            acuity=acuity,
            external_id=external_id,
        ),
    )
    return result.referral


class ProgramFactory(DjangoModelFactory[Program]):
    """A program made by program_set_up: acuity levels, supply items, an office and text templates."""

    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n} PORT")
    slug = factory.Sequence(lambda n: f"program-{n}")
    time_zone = "America/New_York"

    @classmethod
    def _create(cls, model_class, **kwargs) -> Program:
        return program_set_up(**kwargs)


class AgencyFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.EMERGENCY_DEPARTMENT


class UserFactory(DjangoModelFactory[User]):
    """A person who can sign in with PASSWORD (hashed with the tests' fast hasher)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyAttribute(lambda user: user.username.title())
    last_name = "Tester"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = Password(PASSWORD)


class MembershipFactory(DjangoModelFactory[Membership]):
    """A membership (a peer unless told otherwise) with a user of its own."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    role = Role.PEER
    agency = None


class ParticipantFactory(DjangoModelFactory[Participant]):
    """A participant made by participant_create (phone numbers, names normalised for matching)."""

    class Meta:
        model = Participant

    program = factory.SubFactory(ProgramFactory)
    first_name = "Morgan"
    last_name = factory.Sequence(lambda n: f"Example{n}")

    @classmethod
    def _create(cls, model_class, **kwargs) -> Participant:
        return participant_create(**kwargs)


class ReferralFactory(factory.Factory[Referral]):
    """A referral through the real intake service (submit_referral): the person is found
    or made as intake would, the clock starts, the audit records it. Extra keywords are the person's."""

    class Meta:
        model = Referral

    program = factory.SubFactory(ProgramFactory)
    by = None
    agency = None

    @classmethod
    def _create(cls, model_class, program, **kwargs) -> Referral:
        return submit_referral(program, **kwargs)

    _build = _create


class SupplyItemFactory(DjangoModelFactory[SupplyItem]):
    class Meta:
        model = SupplyItem

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Supply {n}")
    kind = SupplyItem.Kind.OTHER


class LotFactory(DjangoModelFactory[Lot]):
    """A lot expiring in 200 days (pass expires_on=None for none)."""

    class Meta:
        model = Lot

    item = factory.SubFactory(SupplyItemFactory)
    lot_number = factory.Sequence(lambda n: f"LOT-{n:04d}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))


class ContactAttemptFactory(factory.Factory[ContactAttempt]):
    """A phone call with no answer, recorded by contact_attempt_record as `by` (the referral's peer)."""

    class Meta:
        model = ContactAttempt

    by = None  # required: the membership recording it
    referral = None  # required
    mode = Mode.PHONE
    outcome = Outcome.NO_ANSWER

    @classmethod
    def _create(cls, model_class, **kwargs) -> ContactAttempt:
        return contact_attempt_record(**kwargs)


class EncounterFactory(factory.Factory[Encounter]):
    """An encounter recorded by encounter_record as `by`; `data` defaults to an in-person meeting now."""

    class Meta:
        model = Encounter

    by = None  # required
    participant = None  # required
    data = factory.LazyFunction(lambda: EncounterIn(mode=Mode.IN_PERSON, occurred_at=timezone.now()))

    @classmethod
    def _create(cls, model_class, **kwargs) -> Encounter:
        return encounter_record(**kwargs)


class SupporterFactory(factory.Factory[Supporter]):
    """A sister the participant agreed the team may contact, saved by supporter_save as `by`."""

    class Meta:
        model = Supporter

    by = None  # required
    participant = None  # required
    first_name = "Robin"
    relationship = "sister"
    consent_to_contact = True

    @classmethod
    def _create(cls, model_class, **kwargs) -> Supporter:
        return supporter_save(**kwargs)


class ConsentFactory(factory.Factory[Consent]):
    """A complete disclosure consent signed today (port.testing.consent.record); give the recipient."""

    class Meta:
        model = Consent

    cast = None  # required: the test's cast (the peer records it unless `by` is given)
    participant = None  # required

    @classmethod
    def _create(cls, model_class, cast, participant, **kwargs) -> Consent:
        return record(cast, participant, **kwargs)
