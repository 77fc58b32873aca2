"""The same cast in every test: a program with a supervisor, peers, partner agencies, an admin, the
issue-4 roles, and an outsider from another program (the `cast` fixture in port/conftest.py)."""

from dataclasses import dataclass

from django.test import Client

from port.accounts.models import Membership, Organization, OrganizationKind, Program
from port.accounts.roles import Role
from port.testing.factories import AgencyFactory, MembershipFactory, ProgramFactory, UserFactory


@dataclass
class Cast:
    program: Program
    other_program: Program
    ed: Organization
    two_one_one: Organization
    other_agency: Organization
    admin: Membership
    supervisor: Membership
    peer: Membership
    peer2: Membership
    partner: Membership  # emergency department liaison
    partner_211: Membership
    outsider: Membership  # supervisor of another program
    # Issue 4's roles, each with an agency of the program where the role needs one.
    ems: Organization | None = None
    police: Organization | None = None
    treatment: Organization | None = None
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


def make_member(program: Program, username: str, role: str, agency: Organization | None = None) -> Membership:
    """`username` (first name the same, titled; last name Tester) signs in with PASSWORD."""
    return MembershipFactory.create(
        user=UserFactory.create(username=username), program=program, role=role, agency=agency
    )


def cast_build() -> Cast:
    program = ProgramFactory.create(name="Riverside PORT", slug="riverside", time_zone="America/New_York")
    other = ProgramFactory.create(name="Hilltop PORT", slug="hilltop", time_zone="America/Chicago")
    ed = AgencyFactory.create(program=program, name="Riverside General ED", kind=OrganizationKind.EMERGENCY_DEPARTMENT)
    two = AgencyFactory.create(program=program, name="Riverside 2-1-1", kind=OrganizationKind.TWO_ONE_ONE)
    other_agency = AgencyFactory.create(program=other, name="Hilltop ED", kind=OrganizationKind.EMERGENCY_DEPARTMENT)
    ems = AgencyFactory.create(program=program, name="Riverside EMS", kind=OrganizationKind.EMS)
    police = AgencyFactory.create(program=program, name="Riverside Police", kind=OrganizationKind.LAW_ENFORCEMENT)
    treatment = AgencyFactory.create(program=program, name="Riverside Recovery Clinic", kind=OrganizationKind.TREATMENT)
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
