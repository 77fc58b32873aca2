"""The same cast in every test: a program with a supervisor, peers, partner agencies, an admin, the
issue-4 roles, and an outsider from another program (the `cast` fixture in port/conftest.py)."""

import datetime as dt
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from port.accounts.models import Agency, AgencyKind, Membership, Program, User
from port.accounts.roles import Role
from port.accounts.services import program_create
from port.referrals.intake import ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, Referral, Source

PASSWORD = "correct horse battery staple"  # noqa: S105


@dataclass
class Cast:
    program: Program
    other_program: Program
    ed: Agency
    two_one_one: Agency
    other_agency: Agency
    admin: Membership
    supervisor: Membership
    peer: Membership
    peer2: Membership
    partner: Membership  # emergency department liaison
    partner_211: Membership
    outsider: Membership  # supervisor of another program
    # Issue 4's roles, each with an agency of the program where the role needs one.
    ems: Agency | None = None
    police: Agency | None = None
    treatment: Agency | None = None
    first_responder: Membership | None = None  # EMS/fire partner
    law_enforcement: Membership | None = None
    provider: Membership | None = None  # service provider at a treatment agency
    analyst: Membership | None = None

    def client_for(self, membership: Membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    def verified_client_for(self, membership: Membership) -> Client:
        """Signed in with two-factor sign-in set up and a code given (port/security)."""
        from port.testing.security import verified_client

        return verified_client(membership.user)


def make_member(program: Program, username: str, role: str, agency: Agency | None = None) -> Membership:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        last_name="Tester",
        email=f"{username}@example.org",
    )
    return Membership.objects.create(user=user, program=program, role=role, agency=agency)


def cast_build() -> Cast:
    program = program_create(name="Riverside PORT", slug="riverside", time_zone="America/New_York")
    other = program_create(name="Hilltop PORT", slug="hilltop", time_zone="America/Chicago")
    ed = Agency.objects.create(program=program, name="Riverside General ED", kind=AgencyKind.EMERGENCY_DEPARTMENT)
    two = Agency.objects.create(program=program, name="Riverside 2-1-1", kind=AgencyKind.TWO_ONE_ONE)
    other_agency = Agency.objects.create(program=other, name="Hilltop ED", kind=AgencyKind.EMERGENCY_DEPARTMENT)
    ems = Agency.objects.create(program=program, name="Riverside EMS", kind=AgencyKind.EMS)
    police = Agency.objects.create(program=program, name="Riverside Police", kind=AgencyKind.LAW_ENFORCEMENT)
    treatment = Agency.objects.create(program=program, name="Riverside Recovery Clinic", kind=AgencyKind.TREATMENT)
    return Cast(
        program=program,
        other_program=other,
        ed=ed,
        two_one_one=two,
        other_agency=other_agency,
        ems=ems,
        police=police,
        treatment=treatment,
        first_responder=make_member(program, "fern", Role.FIRST_RESPONDER, ems),
        law_enforcement=make_member(program, "lowell", Role.LAW_ENFORCEMENT, police),
        provider=make_member(program, "paz", Role.PROVIDER, treatment),
        analyst=make_member(program, "ana", Role.ANALYST),
        admin=make_member(program, "adele", Role.ADMIN),
        supervisor=make_member(program, "sam", Role.SUPERVISOR),
        peer=make_member(program, "pat", Role.PEER),
        peer2=make_member(program, "quinn", Role.PEER),
        partner=make_member(program, "erin", Role.PARTNER, ed),
        partner_211=make_member(program, "tess", Role.PARTNER, two),
        outsider=make_member(other, "olga", Role.SUPERVISOR),
    )


def submit_referral(
    program: Program,
    *,
    agency: Agency | None = None,
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
