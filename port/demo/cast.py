"""The demo program's cast: its agencies, its logins (one per role) and the team that works its referrals.

Demo only: `DEMO_PASSWORD` is printed by print_demo_logins and documented in the README.
"""

from dataclasses import dataclass

from port.accounts.models import Membership, Organization, OrganizationKind, Program, User
from port.accounts.roles import ASSIGNABLE_ROLES, PARTNER_ROLES, SUPERVISING_ROLES, Role
from port.referrals.models import Source

# Demo only: printed by print_demo_logins and documented in the README. Never use it elsewhere.
DEMO_PASSWORD = "demo-port-2026!"  # noqa: S105
DEMO_PROGRAM_SLUG = "demo"
DEMO_PROGRAM_NAME = "Demo County PORT"
DEMO_TIME_ZONE = "America/New_York"
DEMO_SEED = 2026
DEMO_REFERRALS = 300

DEMO_AGENCIES = (
    ("Demo General Hospital ED", OrganizationKind.EMERGENCY_DEPARTMENT),
    ("Demo County 2-1-1", OrganizationKind.TWO_ONE_ONE),
    ("Demo County EMS", OrganizationKind.EMS),
    ("Demo Fire", OrganizationKind.FIRE),
    ("Demo County Sheriff", OrganizationKind.LAW_ENFORCEMENT),
    ("Demo Recovery Center", OrganizationKind.TREATMENT),
)

# Which of the program's agencies sends a referral from each source.
AGENCY_KIND_FOR_SOURCE: dict[str, str] = {
    Source.EMERGENCY_DEPARTMENT: OrganizationKind.EMERGENCY_DEPARTMENT,
    Source.TWO_ONE_ONE: OrganizationKind.TWO_ONE_ONE,
    Source.EMS: OrganizationKind.EMS,
    Source.FIRE: OrganizationKind.FIRE,
    Source.LAW_ENFORCEMENT: OrganizationKind.LAW_ENFORCEMENT,
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str
    agency_kind: str = ""  # for partners and providers: which of the program's agencies they act for


DEMO_LOGINS = (
    DemoLogin("admin", "Dana", "Demo-Admin", Role.ADMIN),
    DemoLogin("supervisor", "Sam", "Demo-Supervisor", Role.SUPERVISOR),
    DemoLogin("peer1", "Pat", "Demo-Peer", Role.PEER),
    DemoLogin("peer2", "Quinn", "Demo-Peer", Role.PEER),
    DemoLogin("peer3", "Robin", "Demo-Peer", Role.PEER),
    DemoLogin("ed", "Erin", "Demo-Liaison", Role.PARTNER, OrganizationKind.EMERGENCY_DEPARTMENT),
    DemoLogin("211", "Tess", "Demo-Calltaker", Role.PARTNER, OrganizationKind.TWO_ONE_ONE),
    DemoLogin("ems", "Jordan", "Demo-Paramedic", Role.FIRST_RESPONDER, OrganizationKind.EMS),
    DemoLogin("police", "Casey", "Demo-Deputy", Role.LAW_ENFORCEMENT, OrganizationKind.LAW_ENFORCEMENT),
    DemoLogin("provider", "Morgan", "Demo-Counselor", Role.PROVIDER, OrganizationKind.TREATMENT),
    DemoLogin("analyst", "Avery", "Demo-Analyst", Role.ANALYST),
)


def demo_cast_create(
    *, program: Program, username_prefix: str = "demo", password: str | None = DEMO_PASSWORD
) -> dict[str, Membership]:
    """The demo agencies and users (an admin, a supervisor, three peers, two referral partners, an EMS
    partner, a law enforcement partner, a service provider and an analyst) for `program`.

    Usernames are "<prefix>-admin", "<prefix>-peer1" and so on; with `password=None` nobody can sign
    in as them (and no time goes into hashing). Returns memberships by DemoLogin username.
    """
    agencies: dict[str, Organization] = {
        kind: Organization.objects.create(program=program, name=name, kind=kind) for name, kind in DEMO_AGENCIES
    }
    memberships = {}
    for login in DEMO_LOGINS:
        username = f"{username_prefix}-{login.username}"
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=login.first_name,
            last_name=login.last_name,
            email=f"{username}@example.org",
        )
        memberships[login.username] = Membership.objects.create(
            user=user, program=program, role=login.role, agency=agencies.get(login.agency_kind)
        )
    return memberships


@dataclass
class Team:
    """Who works a program's referrals and who sends them, looked up once."""

    supervisors: list[Membership]
    assignable: list[Membership]
    agencies: dict[str, Organization]
    partners: dict[int, Membership]
    responders: list[Membership]  # EMS/fire partners with a login, who may go along on visits

    @classmethod
    def of(cls, program: Program) -> "Team":
        members = list(
            Membership.objects.filter(program=program, is_active=True, user__is_active=True)
            .select_related("user", "agency")
            .order_by("pk")
        )
        assignable = [m for m in members if m.role in ASSIGNABLE_ROLES]
        if not assignable:
            raise ValueError(f"{program} needs an active peer specialist or supervisor to assign referrals to.")
        agencies: dict[str, Organization] = {}
        for agency in Organization.objects.filter(program=program).order_by("pk"):
            agencies.setdefault(agency.kind, agency)
        return cls(
            supervisors=[m for m in members if m.role in SUPERVISING_ROLES] or assignable,
            assignable=assignable,
            agencies=agencies,
            partners={m.agency_id: m for m in members if m.role in PARTNER_ROLES and m.agency_id},
            responders=[m for m in members if m.role == Role.FIRST_RESPONDER],
        )

    def sender(self, source: str) -> tuple[Organization | None, Membership | None]:
        """The agency a referral from `source` comes from, and the partner who sends for it."""
        agency = self.agencies.get(AGENCY_KIND_FOR_SOURCE.get(source, ""))
        return agency, (self.partners.get(agency.pk) if agency else None)
